"""The one consensus rule: from a source's append-only votes to each annotator's current vote and the mode.

Labels are append-only and kept in the order they were cast, so an annotator's *current* vote is their latest
one; a vote without a class is a retraction (no vote). The consensus is the mode of the current votes (the
LEGUS convention, Adamo et al. 2017). **A tie has no consensus** (``None``) rather than an arbitrary winner:
the map shows such a source as voted but undecided, the export leaves ``class`` empty and keeps every vote in
``class_<annotator>``. Everything that shows or writes a consensus (map, source panel, import, export) uses
:func:`mode_class` from here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

from backend.catalogues.table import Label


def latest_votes(history: Iterable[tuple[int, Hashable, str | None]]) -> dict[Hashable, tuple[int, str]]:
    """``{annotator: (order, class)}`` from ``(order, annotator, class)`` rows; retracted votes left out.

    ``order`` is anything increasing with time (the annotation id; the position in an imported list).
    """
    latest: dict[Hashable, tuple[int, str | None]] = {}
    for order, annotator, class_ in history:
        if annotator not in latest or order > latest[annotator][0]:
            latest[annotator] = (order, class_)
    return {who: (order, cls) for who, (order, cls) in latest.items() if cls is not None}


def mode_class(classes: Iterable[str]) -> str | None:
    """The most frequent class; ``None`` without classes or when the top classes tie."""
    counts = Counter(classes).most_common(2)
    if not counts or (len(counts) == 2 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]


def current_votes(labels: Sequence[Label]) -> dict[str, str]:
    """``{annotator: class}`` of each annotator's last label (labels in the order they were cast)."""
    return {str(who): cls for who, (_, cls) in latest_votes(
        (i, label.annotator, label.class_) for i, label in enumerate(labels)).items()}


def consensus(labels: Sequence[Label]) -> str | None:
    """The mode of the current votes of ``labels``; ``None`` without votes or on a tie."""
    return mode_class(current_votes(labels).values())
