"""The consensus class of a source from its append-only annotations.

Each annotator's *current* vote is their latest annotation; a NULL class there is a retraction (no vote).
The consensus is the mode of the current votes (the LEGUS convention of Adamo et al. 2017); a tie goes to
the class voted most recently, so the map always shows the latest agreed state. (Exported tables leave a
tied ``class`` empty instead and keep every vote in ``class_<annotator>``: :mod:`backend.catalogues.votes`.)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.db.annotations import Annotation
from backend.db.sources import Source


def current_votes(history: Iterable[tuple[int, Hashable, str | None]]) -> dict[Hashable, tuple[int, str]]:
    """``{annotator: (order, class)}`` from ``(order, annotator, class)`` rows; retracted votes left out.

    ``order`` is anything increasing with time (the annotation id; the position in an imported list).
    """
    latest: dict[Hashable, tuple[int, str | None]] = {}
    for order, annotator, class_ in history:
        if annotator not in latest or order > latest[annotator][0]:
            latest[annotator] = (order, class_)
    return {who: (order, cls) for who, (order, cls) in latest.items() if cls is not None}


def consensus(history: Iterable[tuple[int, Hashable, str | None]]) -> tuple[str | None, int]:
    """``(class, n_votes)``: the mode of the current votes (ties: the most recent), and how many there are."""
    votes = current_votes(history)
    if not votes:
        return None, 0
    counts = Counter(cls for _, cls in votes.values())
    top = max(counts.values())
    tied = {cls for cls, n in counts.items() if n == top}
    winner = max((order, cls) for order, cls in votes.values() if cls in tied)[1]
    return winner, len(votes)


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
