"""The ``skylabel`` command: one sub-module per group of sub-commands, each registering its parsers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from backend.cli import bench, catalogs, images, learning, rounds, serve, simulate
from backend.errors import SkylabelError
from tiles.errors import TilesError

GROUPS = (serve, images, catalogs, learning, rounds, simulate, bench)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skylabel",
        description="AI-assisted labelling of star clusters in multi-band galaxy images.",
        epilog="Settings come from SKYLABEL_* environment variables (SKYLABEL_DATA_DIR, SKYLABEL_DATABASE_URL, ...).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except (SkylabelError, TilesError) as error:
        print(f"skylabel {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
