"""What the probe is fitted and judged on: labels per embedding row, catalogue features, cross-validation.

A source maps to its embedding row by position (within 1 px, :mod:`backend.services.learning.data`); when
several labelled sources share a row (a LEGUS source and its detection), the one with the most votes, then
the newest, gives the label. Catalogue columns (LEGUS colours, CI, magnitudes) may be appended to the
embeddings; LEGUS sentinels (99.999, 66.666) and non-numbers become NaN, which the probe's scaler zeroes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.sources import Source
from backend.errors import InputError
from backend.services.learning.data import SourceTable


def row_labels(table: SourceTable, rows: np.ndarray,
               classes: list[str]) -> tuple[dict[int, str], dict[str, int]]:
    """``{embedding row: class}`` of the labelled sources, and counts of the labels left out (and why)."""
    best: dict[int, tuple[int, int, str]] = {}
    skipped = {"not_embedded": 0, "unknown_class": 0}
    for i, label in enumerate(table.label):
        if label is None:
            continue
        if rows[i] < 0:
            skipped["not_embedded"] += 1
            continue
        if label not in classes:
            skipped["unknown_class"] += 1
            continue
        rank = (int(table.n_votes[i]), int(table.ids[i]), label)
        if int(rows[i]) not in best or rank > best[int(rows[i])]:
            best[int(rows[i])] = rank
    return {row: value[2] for row, value in best.items()}, skipped


def source_columns(session: Session, source_ids: np.ndarray) -> dict[int, dict[str, Any]]:
    """``{source id: its catalogue columns}`` of the sources, in one query."""
    return dict(session.execute(select(Source.id, Source.columns).where(Source.id.in_(source_ids.tolist()))).all())


def photometric_columns(columns: dict[int, dict[str, Any]], n_sources: int) -> list[str]:
    """The photometric columns astronomers classify by without the AI, as the sources carry them (``columns``
    from :func:`source_columns`): every magnitude ``mag_<band>`` (not its error or missing-value reason) and
    the concentration index ``ci``, each kept when at least half of the ``n_sources`` have a number in it;
    sorted."""
    counts: dict[str, int] = {}
    for row in columns.values():
        for name, value in (row or {}).items():
            photometric = name == "ci" or (name.startswith("mag_") and not name.startswith("mag_err")
                                           and not name.endswith("_missing"))
            if photometric and isinstance(value, int | float) and not isinstance(value, bool) \
                    and np.isfinite(value) and value not in (99.999, 66.666):
                counts[name] = counts.get(name, 0) + 1
    return sorted(name for name, count in counts.items() if 2 * count >= n_sources)


def catalogue_features(session: Session, source_ids: np.ndarray, names: list[str],
                       columns: dict[int, dict[str, Any]] | None = None) -> np.ndarray:
    """(M, F) catalogue columns of the sources (LEGUS sentinels and non-numbers become NaN); ``columns``: the
    sources' columns when already read (:func:`source_columns`)."""
    from models.features import mask_missing

    if columns is None:
        columns = source_columns(session, source_ids)
    out = np.full((source_ids.size, len(names)), np.nan)
    for i, sid in enumerate(source_ids.tolist()):
        row = columns.get(sid) or {}
        for j, name in enumerate(names):
            value = row.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[i, j] = value
    empty = [n for n, e in zip(names, np.isnan(out).all(axis=0), strict=True) if e]
    if empty:
        raise InputError(f"catalogue column(s) {', '.join(empty)} have no numeric value on this image's "
                         "sources")
    return mask_missing(out)
