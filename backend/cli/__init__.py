"""The ``skylabel`` command: one sub-module per group of sub-commands, each registering its parsers."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from importlib.metadata import entry_points
from types import ModuleType

from backend.cli import catalogs, images, learning, remote, rounds, serve, users
from backend.errors import SkylabelError
from backend.settings import Settings
from tiles.errors import TilesError

GROUPS: tuple[ModuleType, ...] = (serve, images, catalogs, learning, rounds, users, remote)
PLUGIN_GROUP = "skylabel.commands"
"""Entry-point group of command modules outside the product (``simulate``, ``demo``, ``bench``): the product's CLI
finds them by name at run time and never imports the simulator or the benchmarks (pyproject.toml lists them)."""


def plugin_groups() -> list[ModuleType]:
    """The command modules registered under :data:`PLUGIN_GROUP`, in name order; a missing one is skipped."""
    found = []
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        try:
            found.append(import_module(entry.value))
        except ModuleNotFoundError:  # an install without that package (e.g. a slim image without benchmarks)
            continue
    return found


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skylabel",
        description="AI-assisted labelling of star clusters in multi-band galaxy images.",
        epilog="Settings come from SKYLABEL_* environment variables (SKYLABEL_DATA_DIR, SKYLABEL_DATABASE_URL, ...).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in (*GROUPS, *plugin_groups()):
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.settings = Settings()  # read once, here: every command gets them from args
    try:
        return int(args.func(args) or 0)
    except (SkylabelError, TilesError) as error:
        print(f"skylabel {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
