"""What CLI commands share: settings and a database session factory, built the same way as the app's."""

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


def context() -> CliContext:
    return CliContext(Settings())
