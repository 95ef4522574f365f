"""Twenty labels sent at once by one annotator on one source leave a linear history: each supersedes exactly
the one before (the write lock is taken before the previous label is read), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.catalogues import CatalogMeta, Source, SourceCatalog
from backend.db.annotations import Annotation
from backend.db.session import make_engine, make_sessionmaker, session_scope
from backend.db.sources import Source as DbSource
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.layer_import import import_catalog
from tests.backend.labels_db import add_image, make_sessions
from tests.backend.pg import pg_database_fixture, pg_url_fixture  # noqa: F401  (fixtures)

N = 20


def one_source(sessions: sessionmaker[Session]) -> tuple[int, int]:
    image_id = add_image(sessions)
    catalog = SourceCatalog([Source("1", 10.0, 10.0)], CatalogMeta(format="test"))
    with session_scope(sessions) as session:
        layer = import_catalog(session, image_id, catalog, name="det").layer
        return image_id, int(session.scalars(select(DbSource.id).where(DbSource.layer_id == layer.id)).one())


def check_linear(sessions: sessionmaker[Session]) -> None:
    image_id, source_id = one_source(sessions)
    barrier = threading.Barrier(N)
    errors: list[BaseException] = []

    def save(i: int) -> None:
        barrier.wait()
        try:
            save_annotation(sessions, image_id, "alice", str(1 + i % 4), source_id=source_id)
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(N)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with sessions() as session:
        rows = session.execute(select(Annotation.id, Annotation.supersedes_id).order_by(Annotation.id)).all()
    assert len(rows) == N
    assert [s for _, s in rows] == [None] + [i for i, _ in rows[:-1]]  # each supersedes exactly the previous


def test_linear_history_on_sqlite(tmp_path: Path) -> None:
    check_linear(make_sessions(tmp_path / "db"))


@pytest.mark.postgres
def test_linear_history_on_postgres(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        check_linear(make_sessionmaker(engine))
    finally:
        engine.dispose()
