"""Columns for the photometric diagrams (colour-magnitude, colour-colour, CI against V), for every source
of the chosen layers at once, as columnar arrays: tens of thousands of points in one answer the browser
draws on a canvas.

Values are numbers or null; a LEGUS / SExtractor placeholder (99.999, 66.666, ...) is null too and its
row is listed under ``sentinels``, so the diagram can say how many points it left out and why (missing or
sentinel), by the same rule as the cuts (:mod:`backend.services.selection.expressions`).

Each source also carries its consensus class, its *reference* class (the class an imported catalogue, an
annotator of kind ``catalogue``, gave it or the reference-catalogue source within ``MATCH_PX`` pixels) and
the current probe's predicted class.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.annotations import Annotation, Annotator
from backend.db.learning import Prediction
from backend.db.sources import Layer, Source
from backend.errors import InputError
from backend.services.labelling.viewport import _image_layers
from backend.services.learning.predictions import current_probe_id
from backend.services.selection.expressions import is_sentinel

MATCH_PX = 1.5
MAX_COLUMNS = 40
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]{0,99}$")
_MAG = re.compile(r"^mag_(?!err_)[A-Za-z0-9_]+$")


def diagram_columns(layers: list[Layer]) -> list[str]:
    """The columns a diagram can use: magnitudes (``mag_<band>``, not their errors) and ``ci``."""
    names: list[str] = []
    for layer in layers:
        for name in (layer.meta or {}).get("columns", {}):
            if (_MAG.match(name) or name == "ci") and name not in names:
                names.append(name)
    return names


def photometry(session: Session, image_id: int, layer_ids: list[int] | None,
               columns: list[str] | None) -> dict[str, Any]:
    """``{"count", "columns": [names], "id", "layer_id", "x", "y", "label_class", "reference_class",
    "predicted_class", "values": {name: [...]}, "sentinels": {name: [row, ...]}}``."""
    layers = _image_layers(session, image_id, layer_ids)
    layer_rows = list(session.scalars(select(Layer).where(Layer.id.in_(layers))))
    names = columns if columns else diagram_columns(layer_rows)
    if len(names) > MAX_COLUMNS:
        raise InputError(f"at most {MAX_COLUMNS} columns at once, got {len(names)}")
    for name in names:
        if not _NAME.match(name):
            raise InputError(f"column {name!r} is not a catalogue column name")
    extracted = [Source.columns[name] for name in names]
    rows = session.execute(
        select(Source.id, Source.layer_id, Source.x, Source.y, Source.label_class, *extracted)
        .where(Source.image_id == image_id, Source.layer_id.in_(layers)).order_by(Source.id)).all()
    ids = [r[0] for r in rows]
    values: dict[str, list[float | None]] = {}
    sentinels: dict[str, list[int]] = {}
    for k, name in enumerate(names):
        column: list[float | None] = []
        flagged: list[int] = []
        for i, row in enumerate(rows):
            number = _number(row[5 + k])
            if number is not None and is_sentinel(number):
                flagged.append(i)
                number = None
            column.append(number)
        values[name] = column
        sentinels[name] = flagged
    kinds = {layer.id: layer.kind for layer in layer_rows}
    return {
        "count": len(rows), "columns": names, "id": ids, "layer_id": [r[1] for r in rows],
        "x": [r[2] for r in rows], "y": [r[3] for r in rows], "label_class": [r[4] for r in rows],
        "reference_class": _reference_classes(session, image_id, rows, kinds),
        "predicted_class": _predicted(session, image_id, ids), "values": values, "sentinels": sentinels,
    }


def _number(raw: Any) -> float | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _reference_classes(session: Session, image_id: int, rows: Sequence[Any],
                       kinds: dict[int, str]) -> list[str | None]:
    """The source's own reference class (or a catalogue annotator's class of it), else the reference class of
    the reference-layer source within MATCH_PX."""
    voted: dict[int, str | None] = {}
    for sid, cls in session.execute(
            select(Annotation.source_id, Annotation.class_).join(Annotator, Annotator.id == Annotation.annotator_id)
            .where(Annotation.image_id == image_id, Annotator.kind == "catalogue").order_by(Annotation.id)):
        voted[sid] = cls
    ids = [r[0] for r in rows]
    own = dict(session.execute(select(Source.id, Source.reference_class).where(
        Source.id.in_(ids), Source.reference_class.is_not(None))).all()) if ids else {}
    out: list[str | None] = [own.get(r[0], voted.get(r[0])) for r in rows]
    reference = session.execute(
        select(Source.x, Source.y, Source.id, Source.reference_class).where(
            Source.image_id == image_id, Source.layer_id.in_(
                select(Layer.id).where(Layer.image_id == image_id, Layer.kind == "reference")))).all()
    ref = [(x, y, cls if cls is not None else voted.get(sid)) for x, y, sid, cls in reference]
    ref = [r for r in ref if r[2] is not None]
    missing = [i for i, r in enumerate(rows) if out[i] is None and kinds.get(r[1]) != "reference"]
    if ref and missing:
        tree = cKDTree(np.array([(x, y) for x, y, _ in ref]))
        points = np.array([(rows[i][2], rows[i][3]) for i in missing])
        dist, index = tree.query(points, distance_upper_bound=MATCH_PX)
        for i, d, j in zip(missing, dist.tolist(), index.tolist(), strict=True):
            if math.isfinite(d):
                out[i] = ref[j][2]
    return out


def _predicted(session: Session, image_id: int, ids: list[int]) -> list[str | None]:
    version = current_probe_id(session, image_id)
    if version is None:
        return [None] * len(ids)
    found = dict(session.execute(select(Prediction.source_id, Prediction.class_).where(
        Prediction.image_id == image_id, Prediction.model_version_id == version)).all())
    return [found.get(sid) for sid in ids]
