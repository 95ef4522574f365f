"""A comparison view: the consensus (or one annotator's labels) against a reference layer, as a confusion matrix.

A labelled source is compared with the reference class of the same source (a vote on the reference layer
itself) or else of the nearest reference source within ``radius`` pixels (0-based pixel positions; the
LEGUS / detection cross-match). Rows are the reference class, columns the compared class, four-class and
binary (the scheme's ``binary`` mapping).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogues.votes import latest_votes
from backend.db.annotations import Annotation, Annotator
from backend.db.sources import Layer, Source
from backend.errors import InputError
from backend.services.labelling.blind import blind_view
from backend.services.labelling.projects import binary_groups, image_project

MAX_RADIUS = 50.0


def compare(session: Session, image_id: int, reference_layer: int, against: str = "consensus",
            caller: str | None = None, radius: float = 1.5) -> dict[str, Any]:
    layer = session.get(Layer, reference_layer)
    if layer is None or layer.image_id != image_id:
        raise InputError(f"image {image_id} has no layer {reference_layer}")
    if against not in ("consensus", "mine"):
        raise InputError(f"against must be consensus or mine, got {against!r}")
    if against == "mine" and not caller:
        raise InputError("against=mine needs to know who is asking: ?annotator=NAME")
    if not 0 <= radius <= MAX_RADIUS:
        raise InputError(f"radius must be 0 to {MAX_RADIUS} pixels, got {radius}")
    scheme = image_project(session, image_id).scheme
    classes = [str(c["id"]) for c in scheme["classes"]]
    binary_names, binary = binary_groups(scheme)
    refs = session.execute(select(Source.id, Source.x, Source.y, Source.reference_class).where(
        Source.layer_id == layer.id, Source.reference_class.is_not(None))).all()
    if not refs:
        raise InputError(f"layer {layer.id} ({layer.name}) has no reference classes to compare with")
    own_ref = {int(r[0]): str(r[3]) for r in refs}
    tree = cKDTree(np.array([(r[1], r[2]) for r in refs]))
    compared = _compared_classes(session, image_id, against, caller)
    positions = dict((int(sid), (x, y)) for sid, x, y in session.execute(
        select(Source.id, Source.x, Source.y).where(Source.id.in_(list(compared))))) if compared else {}
    k = len(classes)
    matrix = np.zeros((k, k), dtype=np.int64)
    pairs: list[tuple[int, int, str, str]] = []
    for sid, cls in compared.items():
        if cls not in classes:
            continue
        ref_class, ref_id = own_ref.get(sid), sid
        if ref_class is None:
            d, j = tree.query(positions[sid], distance_upper_bound=radius)
            if not np.isfinite(d):
                continue
            ref_id, ref_class = int(refs[j][0]), str(refs[j][3])
        if ref_class not in classes:
            continue
        matrix[classes.index(ref_class), classes.index(cls)] += 1
        pairs.append((sid, ref_id, ref_class, cls))
    bmatrix = np.zeros((len(binary_names), len(binary_names)), dtype=np.int64)
    for _, _, ref_class, cls in pairs:
        if ref_class in binary and cls in binary:
            bmatrix[binary[ref_class], binary[cls]] += 1
    n = int(matrix.sum())
    return {"reference_layer": layer.id, "against": against, "radius": radius, "classes": classes,
            "binary_classes": binary_names, "n_matched": n, "n_compared": len(compared),
            "confusion": matrix.tolist(), "confusion_binary": bmatrix.tolist(),
            "accuracy": float(np.trace(matrix) / n) if n else None,
            "accuracy_binary": float(np.trace(bmatrix) / bmatrix.sum()) if bmatrix.sum() else None,
            "pairs": [{"source_id": a, "reference_id": b, "reference": r, "class": c} for a, b, r, c in pairs[:5000]]}


def _compared_classes(session: Session, image_id: int, against: str, caller: str | None) -> dict[int, str]:
    """``{source_id: class}``: the consensus as the caller may see it, or the caller's own current votes."""
    view = blind_view(session, image_id, caller)
    if against == "consensus":
        labelled = session.execute(select(Source.id, Source.label_class).where(
            Source.image_id == image_id, Source.label_class.is_not(None))).all()
        out = {int(sid): str(cls) for sid, cls in labelled if int(sid) not in view.hidden}
        out.update({sid: cls for sid, cls in view.own.items()})
        return out
    rows = session.execute(select(Annotation.id, Annotation.source_id, Annotation.class_)
                           .join(Annotator, Annotator.id == Annotation.annotator_id)
                           .where(Annotation.image_id == image_id, Annotator.name == caller,
                                  Annotation.repeat.is_(False))).all()
    return {int(str(sid)): cls for sid, (_, cls) in latest_votes((a, s, c) for a, s, c in rows).items()}
