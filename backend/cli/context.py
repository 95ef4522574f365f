"""What CLI commands share: settings and a database session factory, built the same way as the app's.

:func:`backend.cli.main` (the CLI's entry point) builds the :class:`~backend.settings.Settings` once and
hands them to every command as ``args.settings``; :func:`context` wraps them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import open_database
from backend.settings import Settings


@dataclass
class CliContext:
    settings: Settings

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return open_database(self.settings)[1]


def context(settings: Settings) -> CliContext:
    return CliContext(settings)
