"""A source's stored consensus (``label_class``, ``n_votes``), kept up to date from its append-only annotations.

The rule itself (current vote = latest, retraction = no vote, mode, a tie has no consensus) is
:mod:`backend.catalogues.votes`, shared with the exports; this module applies it to the database.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.catalogues.votes import latest_votes, mode_class
from backend.db.annotations import Annotation
from backend.db.sources import Source


def consensus(history: Iterable[tuple[int, Hashable, str | None]]) -> tuple[str | None, int]:
    """``(class, n_votes)``: the mode of the current votes (``None`` on a tie) and how many there are."""
    votes = latest_votes(history)
    return mode_class(cls for _, cls in votes.values()), len(votes)


def refresh_source(session: Session, source_id: int) -> tuple[str | None, int]:
    """Recompute and store a source's ``label_class`` and ``n_votes`` from all its annotations (a round's
    repeat showings, kept to measure self-agreement, are no votes).

    Called in the transaction that added an annotation, after the insert, so on SQLite the write lock is
    already held (no other vote can slip in between read and update); on PostgreSQL the caller has locked
    the source row (``SELECT ... FOR UPDATE``) first.
    """
    rows = session.execute(
        select(Annotation.id, Annotation.annotator_id, Annotation.class_)
        .where(Annotation.source_id == source_id, Annotation.repeat.is_(False))
    ).all()
    label_class, n_votes = consensus((row[0], row[1], row[2]) for row in rows)
    session.execute(update(Source).where(Source.id == source_id).values(label_class=label_class, n_votes=n_votes))
    return label_class, n_votes
