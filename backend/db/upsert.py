"""Insert-if-absent that is safe under concurrency, on SQLite and PostgreSQL alike.

Two annotators creating the same annotator name, the same "annotations" layer or retrying the same
``client_key`` at once must not fail with a unique-constraint error: ``INSERT ... ON CONFLICT DO NOTHING``
lets the loser of the race find the winner's row instead (no savepoints, which pysqlite handles poorly).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignore(session: Session, model: Any, values: dict[str, Any], conflict: Sequence[str]) -> int | None:
    """Insert one row of ``model``; its new id, or None when a row with the same ``conflict`` columns exists.

    Other dialects fall back to a plain insert (a unique violation then surfaces as an error).
    """
    table = model.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        statement: Any = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    elif dialect == "postgresql":
        statement = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=list(conflict))
    else:
        statement = insert(table).values(**values)
    row = session.execute(statement.returning(table.c.id)).first()
    return None if row is None else int(row[0])
