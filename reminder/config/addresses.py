"""Web addresses from the config or the environment: whether one can be used, and how to show
it without the secrets it may carry. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit


def url_problem(url: str) -> str | None:
    """Why `url` cannot be posted to, in a few words that never repeat it (it may hold a key
    or a password), or None when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - parsing the port is the check: "abc" raises
    except ValueError as exc:
        return f"it does not parse ({exc})"
    if parts.scheme not in ("http", "https"):
        return "it does not start with http:// or https://"
    if not parts.hostname:
        return "it has no host name"
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        return "it holds a space, a line break or a control character"
    return None


def shown_url(url: str) -> str:
    """`url` as logs and pages may show it: scheme, host, port and path; never the user name,
    password, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(an address that does not parse)"
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}{parts.path}"
