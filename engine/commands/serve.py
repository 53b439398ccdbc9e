"""`tariff serve`: the pricing HTTP API on uvicorn (needs the `server` extra)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.commands.exits import EXIT_FAILED, EXIT_OK
from engine.core.errors import Diagnostic, Error


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "serve",
        help="serve the pricing HTTP API",
        description="Serve the pricing HTTP API (/v1/quote, /v1/quote:batch, /v1/tariffs, /openapi.json, ...) on uvicorn. "
        "The tariff directory is watched: a valid change is served within the poll interval (or at once on SIGHUP); "
        "an invalid one is refused and logged, and the last good set keeps serving.",
        epilog=(
            "Examples:\n"
            "  tariff serve\n"
            "  tariff serve --tariff /srv/tariffs --host 0.0.0.0 --port 8080 --workers 2\n"
            "  tariff serve --open   # opens the pricing playground (the page at /) in a browser\n"
            "  kill -HUP <pid>     reload the tariffs now\n\n"
            "Needs the server extra: pip install 'tariff-engine[server]'. Logs are JSON lines on stderr."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--tariff",
        "--tariffs",
        dest="tariff",
        metavar="DIR",
        help="a tariff root (one directory per tariff) or a tariff directory (default: the tariffs found from here)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=_port, default=8080, help="port to listen on (default: 8080)")
    parser.add_argument("--workers", type=_positive, default=1, metavar="N", help="worker processes (default: 1)")
    parser.add_argument(
        "--poll",
        type=_milliseconds,
        default=2000,
        metavar="SECONDS",
        help="look for tariff changes this often; 0: only on SIGHUP (default: 2)",
    )
    parser.add_argument(
        "--max-batch", type=_positive, default=1000, metavar="N", help="most documents in one batch request (default: 1000)"
    )
    parser.add_argument("--open", action="store_true", help="open the pricing playground (the page at /) in a browser")
    parser.add_argument(
        "--today", type=_day, metavar="YYYY-MM-DD", help="the day that decides the version in force in the playground (default: today)"
    )
    parser.add_argument(
        "--request-timeout",
        type=_milliseconds,
        default=10_000,
        metavar="SECONDS",
        help="close a connection whose request (headers and body) has not arrived whole this long after the connection "
        "opened or the last response (default: 10)",
    )
    parser.add_argument(
        "--keep-alive", type=_positive, default=5, metavar="SECONDS", help="close a connection idle this long between requests (default: 5)"
    )
    parser.add_argument(
        "--max-connections",
        type=_positive,
        default=1000,
        metavar="N",
        help="connections (and requests in progress) per worker; beyond, a request is answered 503 (default: 1000)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    uvicorn = _server_extra()
    from engine.commands.common import found_root
    from engine.server.config import ENVIRONMENT_KEY, ServerConfig
    from engine.server.logs import logging_config
    from engine.server.reload import load_served

    root = found_root(args)
    if root.kind == "file":
        raise Error([_not_a_directory(root.shown)])
    load_served(root.path)  # refuse to start on a broken set, with the usual diagnostics
    if args.request_timeout <= 0:
        raise Error([Diagnostic(message="--request-timeout takes a time above 0", rule="option", file="tariff serve")])
    config = ServerConfig(
        tariffs=root.path.resolve(),
        found_by=root.found_by,
        poll_ms=args.poll,
        max_batch=args.max_batch,
        today=args.today,
        request_timeout_ms=args.request_timeout,
    )
    os.environ[ENVIRONMENT_KEY] = config.to_environment()
    if args.open:
        from engine.server.opener import open_when_listening

        open_when_listening(args.host, args.port)
    try:
        uvicorn.run(
            "engine.server.app:app_from_environment",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            access_log=False,
            log_config=logging_config(),
            http="engine.server.protocol:DeadlineProtocol",
            timeout_keep_alive=args.keep_alive,
            limit_concurrency=args.max_connections,
        )
    except SystemExit as stopped:  # uvicorn exits on a port in use or a failed startup, having logged why
        return EXIT_FAILED if stopped.code else EXIT_OK
    return EXIT_OK


def _not_a_directory(shown: str) -> Diagnostic:
    hint = "serve a tariff root or a tariff directory; a version file cannot be watched for new versions"
    return Diagnostic(message="the service serves a directory of tariff versions", rule="io", file=shown, hint=hint)


def _server_extra() -> Any:
    try:
        import starlette  # noqa: F401
        import uvicorn
    except ImportError as missing:
        from engine.server import SERVER_EXTRA_HINT

        raise Error(
            [
                Diagnostic(
                    message=f"the HTTP server is not installed ({missing.name} is missing)",
                    rule="server-extra",
                    file="tariff serve",
                    hint=SERVER_EXTRA_HINT,
                )
            ]
        ) from None
    return uvicorn


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port (0 to 65535)")
    return int(value)


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return int(value)


def _day(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _milliseconds(value: str) -> int:
    try:
        seconds = Decimal(value)
    except InvalidOperation:
        seconds = Decimal(-1)
    if not seconds.is_finite() or seconds < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds (0 or more, e.g. 0.5)")
    return int(seconds * 1000)
