"""`reminder serve`: the web pages, the API and the feeds, on [web] listen."""

from __future__ import annotations

import argparse
import contextlib
import gc
import logging
import os
import signal
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from reminder.cli import options
from reminder.cli.extras import require
from reminder.errors import UsageError

if TYPE_CHECKING:
    import uvicorn
    from sqlalchemy.engine import Engine

    from reminder.config.model import Config
    from reminder.web.context import WebContext

log = logging.getLogger("reminder.web")


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web pages: the 督办 board, each office's page (reached from the signed links
    in its reminders, no login), each deadline's page, the sent log and the statistics.

    Needs $REMINDER_SECRET (32+ random characters: it signs the links and the forms).
    Administrators log in with accounts made by `reminder admin add NAME`. Syncs
    schedules.toml at start. Several
    `serve` may run against one PostgreSQL database.

    Example: REMINDER_SECRET=... reminder serve --listen 127.0.0.1:8080
    """
    require("serve", "web")
    from reminder.app.sync import config_digest, open_database, sync
    from reminder.cli.commands import setup_logging
    from reminder.config.loader import load_config
    from reminder.web.app import create_app
    from reminder.web.context import WebContext, secrets_from

    setup_logging(getattr(args, "verbose", False))
    path = options.config_path(args)
    config = load_config(path)
    secrets = secrets_from()
    listen = args.listen or config.web.listen
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f'--listen: {listen!r} is not HOST:PORT (e.g. "127.0.0.1:8080")')
    clock = options.clock(args, config.settings.tz)
    engine = open_database(config)
    report = sync(config, engine, clock.now(), digest=config_digest(Path(path).read_bytes()))
    log.info("serving %s on http://%s (%s)", path, listen, report.summary())
    for problem in _not_ready(config, engine):
        log.warning("%s", problem)
    ctx = WebContext(
        config_path=str(path), config=config, engine=engine, clock=clock, secrets=secrets
    )
    server = _server(create_app(ctx), config, host.strip("[]"), int(port))
    _settle(ctx)
    # SIGTERM and Ctrl-C end the requests in flight and exit 0 (uvicorn's own handlers would
    # re-raise the signal after shutting down, so a service manager would see a failure).
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]

    def stop(signum: int, _frame: FrameType | None) -> None:
        server.should_exit = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.run()
    log.info("stopped")
    return 0


def _settle(ctx: WebContext) -> None:
    """Work out where every task stands before the first request, then leave what start-up
    made (the modules, the config, at scale 10,000 deadlines and their rows) out of the
    garbage collector's full passes: it lives as long as the process, and a full pass over it
    took 90-450 ms, one request in about 50 (bench 10). A frozen object is still freed once
    unused, unless it is in a reference cycle: at most what start-up made stays."""
    from reminder.app.status import standing

    standing(ctx.config, ctx.engine, ctx.clock.now())
    gc.collect()
    gc.freeze()


def _server(app: Any, config: Config, host: str, port: int) -> uvicorn.Server:
    """The uvicorn server for `app`, with [web]'s proxies and connection limits."""
    import uvicorn

    return uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",  # no access log: links carry tokens in their paths
            # X-Forwarded-For only from the proxies named: else a client names its own
            # address (the login throttle's and the audit's), or all share the proxy's.
            proxy_headers=bool(config.web.trusted_proxies),
            forwarded_allow_ips=list(config.web.trusted_proxies) or None,
            limit_concurrency=config.web.max_connections,
            timeout_keep_alive=config.web.keep_alive,
            server_header=False,
        )
    )


def _not_ready(config: Config, engine: Engine) -> list[str]:
    """What keeps the pages from being used, said once at start."""
    from reminder.app.admins import any_account
    from reminder.web.context import RETIRED_PASSWORD_ENV

    out = []
    if not any_account(engine):
        out.append(
            "no administrator can log in to the board, the sent log and the 通报: create an "
            "account with `reminder admin add NAME`"
        )
    if os.environ.get(RETIRED_PASSWORD_ENV):
        out.append(
            f"${RETIRED_PASSWORD_ENV} is no longer read: administrators have accounts "
            "(`reminder admin add NAME`); remove it from the environment file"
        )
    if not config.web.base_url:
        out.append(
            "[web] base_url is not set: messages carry no links, so offices cannot reach "
            "these pages"
        )
    return out


def add_serve(sub: Any, common: argparse.ArgumentParser, command: Callable[..., Any]) -> None:
    p = command(sub, "serve", cmd_serve, common)
    p.add_argument("--listen", metavar="HOST:PORT", help="default: [web] listen, 127.0.0.1:8080")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
