"""What CLI commands share: settings and a database session factory, built the same way as the app's."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session, sessionmaker

from backend.db.migrate import upgrade
from backend.db.session import make_engine, make_sessionmaker
from backend.settings import Settings


@dataclass
class CliContext:
    settings: Settings

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        self.settings.ensure_dirs()
        engine = make_engine(self.settings.resolved_database_url)
        upgrade(engine)
        return make_sessionmaker(engine)


def context() -> CliContext:
    return CliContext(Settings())


def progress_printer(label: str):  # type: ignore[no-untyped-def]
    """A progress callback printing ``label: step 42%`` lines to stderr (stdout stays for --json)."""
    last: dict[str, int] = {}

    def report(step: str, fraction: float) -> None:
        pct = int(round(100 * max(0.0, min(1.0, fraction))))
        if last.get(step) == pct:
            return
        last[step] = pct
        print(f"{label}: {step} {pct:3d}%", file=sys.stderr, flush=True)

    return report
