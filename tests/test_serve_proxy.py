"""Client addresses behind a proxy (issue 24 item 1, first part), against a real `reminder
serve`: X-Forwarded-For is ignored unless [web] trusted_proxies names the proxy, so a client
can neither name its own address past the login throttle nor, behind a trusted proxy, lock
out everyone else who comes through it. `serve` says at start what keeps it from being used."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser import free_port
from tests.delivery_harness import Harness
from tests.processes import ROOT, wait_for

SECRET = "proxy-secret-0123456789abcdefghijkl"
PASSWORD = "proxy-admin-password-0123"


@pytest.fixture
def serve(harness: Harness, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """Start `reminder serve` on the harness's file (written by the test first)."""
    started: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(password: str | None = PASSWORD, **extra: str) -> tuple[str, Path]:
        port = free_port()
        env = {**os.environ, "REMINDER_SECRET": SECRET, "REMINDER_CACHE_DIR": "", **extra}
        if password:  # an account, made as an administrator would
            add = [sys.executable, "-m", "reminder", "admin", "add", "张三", "--password-stdin"]
            subprocess.run(
                [*add, "--config", str(harness.path)],
                input=f"{password}\n".encode(),
                cwd=ROOT,
                env=env,
                check=True,
            )
        log = tmp_path / f"serve-{port}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "reminder",
                    "serve",
                    "--config",
                    str(harness.path),
                    "--listen",
                    f"127.0.0.1:{port}",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
            )
        started.append((proc, log))
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return proc.poll() is not None

        assert wait_for(up, 60) and proc.poll() is None, log.read_text()
        return url, log

    yield start  # type: ignore[misc]
    for proc, log in started:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()


@pytest.mark.slow
def test_reminder_serve_runs_and_stops_on_sigterm(harness: Harness, serve) -> None:  # type: ignore[no-untyped-def]
    url, log = serve(password=None)  # the fixture asserts exit code 0 on SIGTERM
    assert httpx.get(f"{url}/login").text.count("管理员登录") >= 1
    assert "serving" in log.read_text()


def tries(url: str, forwarded: list[str]) -> list[int]:
    """One wrong password per X-Forwarded-For value; the status codes."""
    return [
        httpx.post(
            f"{url}/login",
            data={"name": "张三", "password": "wrong"},
            headers={"X-Forwarded-For": xff},
        ).status_code
        for xff in forwarded
    ]


@pytest.mark.slow
def test_a_client_cannot_name_its_own_address(harness: Harness, serve) -> None:  # type: ignore[no-untyped-def]
    url, _ = serve()
    codes = tries(url, [f"10.0.0.{i}" for i in range(1, 8)])
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]


@pytest.mark.slow
def test_behind_a_trusted_proxy_each_client_has_its_own_count(harness: Harness, serve) -> None:  # type: ignore[no-untyped-def]
    harness.write('\n[web]\ntrusted_proxies = ["127.0.0.1"]\n')
    url, _ = serve()
    assert tries(url, ["203.0.113.9"] * 6)[-1] == 429
    # Someone else behind the same proxy is not locked out; a client that prepends a made-up
    # address is still the address the proxy appended.
    assert tries(url, ["198.51.100.7"]) == [401]
    assert tries(url, ["10.9.9.9, 203.0.113.9"]) == [429]


@pytest.mark.slow
def test_serve_says_at_start_what_keeps_it_from_being_used(harness: Harness, serve) -> None:  # type: ignore[no-untyped-def]
    _, log = serve(password=None, REMINDER_ADMIN_PASSWORD="an-old-shared-password")
    text = log.read_text()
    assert "no administrator can log in" in text and "base_url is not set" in text
    assert "$REMINDER_ADMIN_PASSWORD is no longer read" in text


@pytest.mark.slow
def test_connections_are_bounded_and_idle_ones_closed(harness: Harness, serve) -> None:  # type: ignore[no-untyped-def]
    """200 trickling connections once all stayed open: now `max_connections` bounds what is
    served at once (more get 503 at once) and an idle connection closes after `keep_alive`."""
    import socket

    harness.write("\n[web]\nmax_connections = 4\nkeep_alive = 1\n")
    url, _ = serve()
    host, port = url.removeprefix("http://").split(":")
    # A kept-alive connection, idle after its answer, is closed by the server.
    with socket.create_connection((host, int(port)), timeout=10) as idle:
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = b""
        while chunk := idle.recv(65536):  # until the server closes it (else: timeout, failed)
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 200")
    # Connections that trickle their headers hold a place each; past the bound, 503 at once.
    trickling = [socket.create_connection((host, int(port)), timeout=10) for _ in range(6)]
    try:
        for conn in trickling:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never ends
        assert httpx.get(f"{url}/healthz", timeout=10).status_code == 503
    finally:
        for conn in trickling:
            conn.close()
    assert wait_for(lambda: httpx.get(f"{url}/healthz", timeout=10).status_code == 200, 10)
