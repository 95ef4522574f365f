"""Fixtures of the service tests: a migrated SQLite database, an image row, sources put on it.

The services take a session or a sessionmaker, so these tests call them directly (no app, no HTTP). Images
here are rows without COGs (:mod:`tests.backend.labels_db`) unless a test needs pixels; those ingest a
small synthetic image of their own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.catalogues import CatalogMeta, Source, SourceCatalog
from backend.db.session import session_scope
from backend.db.sources import Source as DbSource
from backend.services.labelling.layer_import import import_catalog
from tests.backend.labels_db import add_image, make_sessions
from tests.backend.pg import pg_database_fixture, pg_url_fixture  # noqa: F401  (fixtures)


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated by the real migrations, copied for each test (a copy costs far less than
    running the migrations again)."""
    folder = tmp_path_factory.mktemp("migrated")
    make_sessions(folder).kw["bind"].dispose()  # closing the last connection checkpoints the WAL into the file
    wal = folder / "labels.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0, "the template must be one self-contained file"
    return folder / "labels.db"


def fresh_sqlite(template: Path, folder: Path) -> sessionmaker[Session]:
    from backend.db.session import make_engine, make_sessionmaker

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, folder / "labels.db")
    return make_sessionmaker(make_engine(f"sqlite:///{folder / 'labels.db'}"))


@pytest.fixture
def sessions(_migrated_sqlite: Path, tmp_path: Path) -> sessionmaker[Session]:
    """A fresh, migrated SQLite database (WAL mode, foreign keys on), as the app makes it."""
    return fresh_sqlite(_migrated_sqlite, tmp_path / "db")


@pytest.fixture(params=["sqlite", "postgresql"])
def both_sessions(request: pytest.FixtureRequest, _migrated_sqlite: Path,
                  tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The same tests on SQLite and on PostgreSQL (skipped without ``SKYLABEL_TEST_POSTGRES_URL``, see
    :mod:`tests.backend.pg`). A module opts in by defining ``sessions`` as a fixture returning this one."""
    if request.param == "sqlite":
        yield fresh_sqlite(_migrated_sqlite, tmp_path / "db")
        return
    from backend.db.session import make_engine, make_sessionmaker

    engine = make_engine(request.getfixturevalue("pg_url"))
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()  # so the next test's TRUNCATE never waits on this pool


@pytest.fixture
def image_id(sessions: sessionmaker[Session]) -> int:
    """A 300 x 200 px image row without a WCS, in the default project."""
    return add_image(sessions)


def add_sources(sessions: sessionmaker[Session], image_id: int, positions: Sequence[tuple[float, float]],
                name: str = "det", kind: str = "detections",
                columns: Sequence[dict[str, Any]] | None = None) -> tuple[int, list[int]]:
    """A new layer ``name`` with sources at ``positions`` (0-based pixels); ``(layer id, source ids)``."""
    sources = [Source(str(i + 1), float(x), float(y), columns=dict(columns[i]) if columns else {})
               for i, (x, y) in enumerate(positions)]
    with session_scope(sessions) as session:
        layer = import_catalog(session, image_id, SourceCatalog(sources, CatalogMeta(format="test")), name=name,
                               kind=kind).layer
        ids = list(session.scalars(select(DbSource.id).where(DbSource.layer_id == layer.id).order_by(DbSource.id)))
        return layer.id, ids


@pytest.fixture
def small_bands(tmp_path: Path) -> dict[str, Path]:
    """Three 64 x 48 px FITS bands on one TAN grid (F435W, F555W, F814W), a bright pixel at (37, 15)."""
    from tests.backend.fits_factory import write_bands

    return write_bands(tmp_path / "fits", width=64, height=48, bright=(37, 15))
