"""Real local servers for delivery tests: an SMTP server (aiosmtpd) and a WeCom robot API.

The WeCom server behaves as the documented API does: JSON errcode/errmsg with HTTP 200,
the content byte limits, 20 messages a minute per robot answered with 45009 beyond that, and
switches to answer 93000, 500, or hang past the client's timeout.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def serving(handler: type[BaseHTTPRequestHandler], *, backlog: int = 5) -> ThreadingHTTPServer:
    """A local HTTP server on a free port, answering in a daemon thread with a short poll
    (`stop` waits for it, at the end of every test using the server). `backlog`: how many
    connections may wait to be accepted (http.server's default is 5)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler, bind_and_activate=False)
    server.request_queue_size = backlog
    server.server_bind()
    server.server_activate()
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    )
    thread.start()
    return server


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def answer_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    answer: object,
    content_type: str = "application/json",
) -> None:
    """Send `answer` as a JSON body with `status`, as the platforms' APIs answer."""
    body = json.dumps(answer, ensure_ascii=False).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def free_port() -> int:
    """aiosmtpd's Controller(port=0) does not work: bind a free port first."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    login: str | None
    raw: bytes


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        login = (
            session.auth_data.login.decode()
            if isinstance(session.auth_data, LoginPassword)
            else None
        )
        with self.server.lock:
            self.server.received.append(
                Received(
                    envelope.mail_from, list(envelope.rcpt_tos), message, login, envelope.content
                )
            )
        return "250 OK"


TLS_DIR = Path(__file__).parent / "tls"
CERT = TLS_DIR / "cert.pem"


def server_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT, TLS_DIR / "key.pem")
    return context


class SmtpServer:
    """aiosmtpd on 127.0.0.1; with `users`, AUTH is required; `tls` is "starttls" (required
    before AUTH) or "ssl" (implicit TLS), with the self-signed certificate in tests/tls."""

    def __init__(self, users: dict[str, str] | None = None, tls: str | None = None) -> None:
        self.port = free_port()
        self.users = users
        self.received: list[Received] = []
        self.lock = threading.Lock()
        kwargs: dict[str, Any] = {}
        if users:
            # aiosmtpd does not see implicit TLS as TLS for AUTH: only STARTTLS needs the flag.
            kwargs = {
                "authenticator": self._auth,
                "auth_required": True,
                "auth_require_tls": tls == "starttls",
            }
        if tls == "starttls":
            kwargs |= {"tls_context": server_tls(), "require_starttls": True}
        elif tls == "ssl":
            kwargs |= {"ssl_context": server_tls()}
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    def _auth(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and self.users is not None
            and self.users.get(auth_data.login.decode()) == auth_data.password.decode()
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@dataclass
class WecomMessage:
    key: str
    payload: dict[str, Any]

    @property
    def content(self) -> str:
        body = self.payload.get(self.payload["msgtype"], {})
        return str(body.get("content", ""))


@dataclass
class FakeWecom:
    """The WeCom group-robot webhook API on 127.0.0.1, with fault switches per key."""

    keys: set[str]
    clock: Callable[[], datetime]
    per_minute: int = 20
    received: list[WecomMessage] = field(default_factory=list)
    answers: list[tuple[str, int]] = field(default_factory=list)  # (key, errcode or status)
    modes: dict[str, list[str]] = field(default_factory=dict)  # key -> queue of faults
    release: threading.Event = field(default_factory=threading.Event)
    sent_at: dict[str, list[datetime]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    latency: float = 0.0  # seconds the server takes to answer, as a remote robot does
    in_progress: dict[str, int] = field(default_factory=dict)  # key -> posts being answered
    most_at_once: int = 0  # the most posts being answered at one time, all keys
    most_per_key: int = 0  # ... for one key

    def fail_next(self, key: str, *faults: str) -> None:
        """Queue faults for `key`: "500", "hang", "45009", "93000", "93004" ..., or "ok"."""
        self.modes.setdefault(key, []).extend(faults)

    def errcodes(self) -> list[int]:
        return [code for _, code in self.answers]

    def __enter__(self) -> FakeWecom:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                with fake.busy(self.path):  # a hanging post counts as busy while it hangs
                    status, answer = fake.handle(self.path, raw)
                    if status == 0:  # hang: never answer within the client's timeout
                        fake.release.wait(5)
                        return
                answer_json(self, status, answer)

        # A real server's backlog, not http.server's 5: several instances each with several
        # sends in flight connect at once, and an overflowing backlog resets connections.
        self.server = serving(Handler, backlog=128)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/cgi-bin/webhook/send"
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        stop(self.server)

    @contextmanager
    def busy(self, path: str) -> Iterator[None]:
        """Count the posts being answered at once, and take `latency` to answer."""
        key = parse_qs(urlsplit(path).query).get("key", [""])[0]
        with self.lock:
            self.in_progress[key] = self.in_progress.get(key, 0) + 1
            self.most_per_key = max(self.most_per_key, self.in_progress[key])
            self.most_at_once = max(self.most_at_once, sum(self.in_progress.values()))
        try:
            if self.latency:
                time.sleep(self.latency)  # the server's own latency, not a test waiting
            yield
        finally:
            with self.lock:
                self.in_progress[key] -= 1

    def handle(self, path: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(path)
        key = parse_qs(parts.query).get("key", [""])[0]
        with self.lock:
            fault = self.modes.get(key, []).pop(0) if self.modes.get(key) else None
            status, code = self._judge(parts.path, key, raw, fault)
            self.answers.append((key, code if status == 200 else status))
        if status == 0:
            return 0, {}
        if status != 200:
            return status, {"errcode": -1, "errmsg": "server error"}
        return 200, {"errcode": code, "errmsg": "ok" if code == 0 else f"error {code}"}

    def _judge(self, path: str, key: str, raw: bytes, fault: str | None) -> tuple[int, int]:
        if fault == "ok":  # a queued normal answer, to fail a later post
            fault = None
        if fault == "hang":
            return 0, 0
        if fault == "500":
            return 500, 500
        if fault is not None:
            return 200, int(fault)
        if path != "/cgi-bin/webhook/send" or key not in self.keys:
            return 200, 93000
        try:
            payload = json.loads(raw)
            msgtype = payload["msgtype"]
            content = payload[msgtype]["content"]
        except (ValueError, KeyError, TypeError):
            return 200, 40035
        limit = {"text": 2048, "markdown": 4096}.get(msgtype)
        if limit is None:
            return 200, 40008
        if not content:
            return 200, 44004
        if len(content.encode()) > limit:
            return 200, 40058
        now = self.clock()
        window = [t for t in self.sent_at.get(key, []) if (now - t).total_seconds() < 60]
        if len(window) >= self.per_minute:
            self.sent_at[key] = window
            return 200, 45009
        self.sent_at[key] = [*window, now]
        self.received.append(WecomMessage(key, payload))
        return 200, 0
