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
    """Check identity and clean leftovers once, here, then start the workers (which skip both steps' cleanup)."""
    import os
    import sys

    import uvicorn

    from backend.auth.startup import needs_setup, prepare_identity, setup_link
    from backend.cli.context import CliContext
    from backend.errors import StartupRefusedError
    from backend.housekeeping import remove_leftovers
    from backend.settings import Settings

    os.environ["SKYLABEL_BIND_HOST"] = args.host
    settings = Settings()
    ctx = CliContext(settings)
    removed = remove_leftovers(settings)
    if removed.paths:
        print(f"skylabel serve: {removed.describe()}", file=sys.stderr)
    try:
        prepare_identity(settings, ctx.sessions)
    except StartupRefusedError as error:
        print(f"skylabel serve: {error}", file=sys.stderr)
        return 2
    if needs_setup(settings, ctx.sessions):  # SKYLABEL_SETUP=1 and no owner yet
        shown = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
        link, digest = setup_link(f"http://{shown}:{args.port}")
        os.environ["SKYLABEL_SETUP_TOKEN_HASH"] = digest  # the workers check the token against it
        print(f"skylabel serve: no owner yet. Open this one-time link to make the owner account:\n    {link}",
              file=sys.stderr, flush=True)
    print(f"skylabel serve: {settings.resolved_auth} mode"
          + (" (one implicit owner, no login)" if settings.resolved_auth == "local" else " (sign-in required)"),
          file=sys.stderr)
    os.environ["SKYLABEL_CLEANUP_ON_START"] = "0"

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
