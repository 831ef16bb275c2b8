"""Administrators' accounts (`reminder admin …`), logins kept in the database (logout, a new
password or removal ends them at once), and failed logins slowed per client, per account and
overall without locking anyone else out."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from reminder.app import admins
from reminder.cli.main import main
from reminder.store.engine import transaction
from reminder.store.models import ActionRow, AdminRow, AdminSessionRow
from reminder.web.app import create_app
from reminder.web.security import LoginGuard
from tests.delivery_harness import ADMIN, Harness, at, web_context

SECRET = "admins-test-secret-Qw8Er4Ty2Ui6Op0As3Df"
PASSWORD = "督办-password-2027"


@pytest.fixture
def app(harness: Harness) -> TestClient:
    harness.write()
    harness.start("2026-03-01 08:00")
    harness.tick("2026-03-31 09:00")
    return TestClient(
        create_app(web_context(harness, SECRET, password=PASSWORD)), follow_redirects=False
    )


def client(app: TestClient, address: str) -> TestClient:
    """Another browser on another address, in front of the same service."""
    return TestClient(app.app, follow_redirects=False, client=(address, 40000))


def log_in(web: TestClient, name: str = ADMIN, password: str = PASSWORD) -> str:
    r = web.post("/login", data={"name": name, "password": password})
    assert r.status_code == 303, r.text
    return str(web.cookies["reminder_session"])


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{32})"', html)
    assert m, html
    return m.group(1)


def admin_cli(harness: Harness, *args: str, stdin: str | None = None) -> int:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin) if stdin is not None else old
    try:
        return main(["admin", *args, "--config", str(harness.path), "--now", "2026-03-31T10:00"])
    finally:
        sys.stdin = old


def test_admin_add_list_passwd_remove_from_the_command_line(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.write()
    harness.start("2026-03-01 08:00")
    assert admin_cli(harness, "add", "李四", "--password-stdin", stdin=f"{PASSWORD}\n") == 0
    assert "administrator 李四 added" in capsys.readouterr().out
    assert admin_cli(harness, "list") == 0
    listed = capsys.readouterr().out
    assert "李四" in listed and "2026-03-31 10:00" in listed and "LIVE LOGINS" in listed
    # What is kept is a scrypt hash, never the password.
    engine = harness.runtime.engine  # type: ignore[union-attr]
    with transaction(engine) as s:
        stored = s.scalars(select(AdminRow.password_hash)).one()
    assert stored.startswith("scrypt$n=16384,r=8,p=1$") and PASSWORD not in stored
    assert admin_cli(harness, "add", "李四", "--password-stdin", stdin=f"{PASSWORD}\n") == 2
    assert "already an administrator '李四'" in capsys.readouterr().err
    new = "another-password-2027"
    assert admin_cli(harness, "passwd", "李四", "--password-stdin", stdin=new + "\n") == 0
    assert admins.log_in(engine, "李四", PASSWORD, at("2026-03-31 10:00")) is None
    assert admins.log_in(engine, "李四", new, at("2026-03-31 10:00")) is not None
    assert admin_cli(harness, "remove", "李四") == 0
    assert admin_cli(harness, "remove", "李四") == 2
    assert "no administrator '李四'" in capsys.readouterr().err
    assert admins.log_in(engine, "李四", new, at("2026-03-31 10:00")) is None


@pytest.mark.parametrize(
    ("name", "password", "says"),
    [
        ("王五", "short-pw1", "the password is 9 characters; at least 12"),
        ("王五", "abababababababab", "the password has 2 different characters; at least 5"),
        ("王五\u202e", PASSWORD, "the name holds an invisible control character: U+202E"),
        ("<b>\n王五", PASSWORD, "the name must be one line, but holds a line break"),
        ("王" * 41, PASSWORD, "the name is 41 characters; at most 40"),
        ("  ", PASSWORD, "an administrator needs a name"),
    ],
)
def test_bad_names_and_weak_passwords_are_refused(
    harness: Harness, capsys: pytest.CaptureFixture[str], name: str, password: str, says: str
) -> None:
    harness.write()
    harness.start("2026-03-01 08:00")
    assert admin_cli(harness, "add", name, "--password-stdin", stdin=password + "\n") == 2
    assert says in capsys.readouterr().err
    assert admins.accounts(harness.runtime.engine, at("2026-03-31 10:00")) == []  # type: ignore[union-attr]


def test_without_a_terminal_the_password_must_come_on_stdin(
    harness: Harness, capsys: pytest.CaptureFixture[str]
) -> None:
    harness.write()
    harness.start("2026-03-01 08:00")
    assert admin_cli(harness, "add", "王五", stdin="") == 2
    assert "--password-stdin" in capsys.readouterr().err


def test_logout_ends_the_login_for_every_copy_of_the_cookie(app: TestClient) -> None:
    cookie = log_in(app)
    copy = client(app, "10.0.0.2")
    copy.cookies.set("reminder_session", cookie)
    assert copy.get("/board").status_code == 200
    r = app.post("/logout", data={"csrf": csrf_of(app.get("/board").text)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert copy.get("/board").headers["location"] == "/login"


def test_a_new_password_or_removal_ends_the_account_s_logins(app: TestClient) -> None:
    ctx = app.app.state.ctx  # type: ignore[attr-defined]
    log_in(app)
    admins.change_password(ctx.engine, ADMIN, "a-new-password-2027", ctx.clock.now())
    assert app.get("/board").headers["location"] == "/login"
    log_in(app, password="a-new-password-2027")
    assert app.get("/board").status_code == 200
    admins.remove(ctx.engine, ADMIN)
    assert app.get("/board").headers["location"] == "/login"


def test_the_database_holds_no_working_session_and_logins_expire(app: TestClient) -> None:
    ctx = app.app.state.ctx  # type: ignore[attr-defined]
    r = app.post("/login", data={"name": ADMIN, "password": PASSWORD})
    set_cookie = r.headers["set-cookie"]
    # Kept by the browser only until it closes (a shared office PC), by the server 12 hours.
    assert "HttpOnly" in set_cookie and "Max-Age" not in set_cookie and "expires" not in set_cookie
    cookie = str(app.cookies["reminder_session"])
    with transaction(ctx.engine) as s:
        kept = s.scalars(select(AdminSessionRow.digest)).all()
    assert len(kept) == 1 and kept[0] != cookie and cookie not in kept[0]
    ctx.clock.set(ctx.clock.now() + admins.SESSION_LIFE)
    assert app.get("/board").headers["location"] == "/login"
    # A cookie of another shape, or one made up, is nobody.
    for made_up in (cookie[:-1], cookie + "=", "x" * 43, kept[0]):
        app.cookies.set("reminder_session", made_up)
        assert app.get("/board").headers["location"] == "/login"


def test_the_audit_names_the_account(app: TestClient) -> None:
    log_in(app)
    page = app.get("/deadline/annual-report").text
    form = {"csrf": csrf_of(page), "deadline": "annual-report", "period": "2026-03-31"}
    form |= {"action": "ack", "office": "legal", "back": "deadline"}
    assert app.post("/act", data=form).status_code == 303
    ctx = app.app.state.ctx  # type: ignore[attr-defined]
    with transaction(ctx.engine) as s:
        assert s.scalars(select(ActionRow.actor)).all() == [f"admin:{ADMIN}"]


def test_no_account_yet_says_how_to_make_one(harness: Harness) -> None:
    harness.write()
    harness.start("2026-03-01 08:00")
    web = TestClient(create_app(web_context(harness, SECRET)), follow_redirects=False)
    r = web.post("/login", data={"name": "张三", "password": PASSWORD})
    assert r.status_code == 503 and "reminder admin add" in r.text


def test_a_guesser_rotating_addresses_is_slowed_and_the_owner_still_gets_in(
    app: TestClient,
) -> None:
    ctx = app.app.state.ctx  # type: ignore[attr-defined]
    for i in range(LoginGuard.ACCOUNT_LIMIT):
        r = client(app, f"203.0.113.{i}").post("/login", data={"name": ADMIN, "password": "x"})
        assert r.status_code == 401
    # The account is now slowed: one try every 30 s, from anywhere.
    first = client(app, "203.0.113.50").post("/login", data={"name": ADMIN, "password": "y"})
    assert first.status_code == 401
    r = client(app, "203.0.113.51").post("/login", data={"name": ADMIN, "password": "z"})
    assert r.status_code == 429 and "登录尝试过于频繁" in r.text
    assert 1 <= int(r.headers["retry-after"]) <= 30
    # Another account is not slowed; the owner gets in once the 30 s have passed.
    other = client(app, "198.51.100.7").post("/login", data={"name": "李四", "password": "x"})
    assert other.status_code == 401
    ctx.clock.set(ctx.clock.now() + LoginGuard.ACCOUNT_GAP)
    log_in(client(app, "198.51.100.8"))


def test_one_bad_neighbour_is_locked_out_alone(app: TestClient) -> None:
    ctx = app.app.state.ctx  # type: ignore[attr-defined]
    bad = client(app, "10.1.1.1")
    for _ in range(LoginGuard.CLIENT_LIMIT):
        assert bad.post("/login", data={"name": "x", "password": "y"}).status_code == 401
    r = bad.post("/login", data={"name": ADMIN, "password": PASSWORD})
    assert r.status_code == 429 and "登录失败次数过多，请10分钟后再试" in r.text
    log_in(client(app, "10.1.1.2"))
    ctx.clock.set(ctx.clock.now() + timedelta(minutes=10))
    log_in(bad)


def test_a_flood_of_failures_slows_every_login_down() -> None:
    guard, now = LoginGuard(), at("2026-03-31 10:00")
    for i in range(LoginGuard.OVERALL_LIMIT):
        assert guard.check(f"10.2.{i // 250}.{i % 250}", f"name{i}", now) is None
        guard.failed(f"10.2.{i // 250}.{i % 250}", f"name{i}", now)
    assert guard.check("10.3.0.1", "张三", now) is None  # the first try in the slowed mode
    wait = guard.check("10.3.0.2", "李四", now)
    assert wait is not None and wait.reason == "slow" and wait.seconds == 2
    assert guard.check("10.3.0.2", "李四", now + LoginGuard.OVERALL_GAP) is None
    # Ten minutes on, the failures have aged out: no waiting.
    later = now + timedelta(minutes=10)
    assert guard.check("10.3.0.3", "王五", later) is None
    assert guard.check("10.3.0.4", "赵六", later) is None
