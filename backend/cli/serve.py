"""``skylabel serve`` and ``skylabel migrate``."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="serve the API and the browser app")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    p.add_argument("--log-level", default="info")
    p.set_defaults(func=serve)

    m = sub.add_parser("migrate", help="bring the database schema up to date")
    m.set_defaults(func=migrate)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(
        "backend.app:create_app", factory=True, host=args.host, port=args.port,
        workers=args.workers, log_level=args.log_level, access_log=False,
    )  # open event streams (GET .../events) end by themselves at shutdown (sse-starlette)
    return 0


def migrate(args: argparse.Namespace) -> int:
    from backend.cli.context import context

    ctx = context(args.settings)
    ctx.sessions  # noqa: B018  (building the session factory runs the migrations)
    print(f"database at {ctx.settings.resolved_database_url} is up to date")
    return 0
