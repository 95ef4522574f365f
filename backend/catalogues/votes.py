"""From a source's labels to the per-annotator votes and the consensus class written on export.

Labels are append-only and kept in the order they were cast, so an annotator's *current* vote is their last
label. The consensus is the mode of the current votes (the LEGUS convention, Adamo et al. 2017); a tie has
no consensus (``None``) rather than an arbitrary winner -- the ``class_<annotator>`` columns keep every vote.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from backend.catalogues.table import Label


def current_votes(labels: Sequence[Label]) -> dict[str, str]:
    """``{annotator: class}`` of each annotator's last label."""
    return {label.annotator: label.class_ for label in labels}


def consensus(labels: Sequence[Label]) -> str | None:
    """The most frequent current vote; ``None`` without votes or when the top classes tie."""
    counts = Counter(current_votes(labels).values()).most_common(2)
    if not counts or (len(counts) == 2 and counts[0][1] == counts[1][1]):
        return None
    return counts[0][0]
