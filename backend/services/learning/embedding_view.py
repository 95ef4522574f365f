"""The embedding space for people: a 2-D PCA map of every source and "more like this" neighbours.

Both read the newest encoder's embeddings (one row per de-duplicated source, see
:mod:`backend.services.learning.data`). The PCA is of the centred embeddings (eigenvectors of the D x D
covariance, so 15,000 x 256 costs milliseconds); similarity is the cosine of the embeddings, the measure BYOL
trains (its loss is a normalised MSE, i.e. 2 - 2 cos), taken after subtracting the mean embedding: a young
encoder maps every cutout near one direction, so raw cosines all read 0.999-1.000 and rank nothing a person
can use. Each neighbour also carries its rank and the share of the image's sources farther away; when even
the raw cosines cannot tell the sources apart (:data:`YOUNG_RAW_COSINE`), the answer says the encoder is
too young to tell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.learning import Prediction
from backend.db.sources import Source
from backend.errors import InputError, NotFoundError
from backend.services.labelling.layers import require_image
from backend.services.learning.data import image_sources
from backend.services.learning.model_store import load_embeddings, require_encoder

MAX_SIMILAR = 500
#: Above this 5th-percentile raw cosine to the query, (nearly) every source looks the same to the encoder.
YOUNG_RAW_COSINE = 0.99


def pca_2d(x: np.ndarray) -> tuple[np.ndarray, list[float]]:
    """(N, 2) coordinates on the first two principal axes and the fraction of variance each explains."""
    centred = np.asarray(x, dtype=np.float64) - x.mean(axis=0)
    cov = centred.T @ centred / max(len(x) - 1, 1)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1][:2]
    axes = vectors[:, order]
    axes *= np.where(axes[np.abs(axes).argmax(axis=0), range(axes.shape[1])] < 0, -1.0, 1.0)  # fixed sign
    total = float(values.sum()) or 1.0
    return centred @ axes, [float(values[i] / total) for i in order]


RowInfo = tuple[list[str | None], dict[int, tuple[str, float]]]


def _row_info(session: Session, image_id: int, emb: Any) -> RowInfo:
    """Each embedding row's consensus label (any labelled duplicate) and the predictions by source id."""
    table = image_sources(session, image_id)
    rows = emb.index.rows(table.x, table.y)
    labels: list[str | None] = [None] * len(emb)
    for r, label in zip(rows.tolist(), table.label, strict=True):
        if r >= 0 and label is not None:
            labels[r] = label
    predicted = {int(sid): (cls, float(score)) for sid, cls, score in session.execute(
        select(Prediction.source_id, Prediction.class_, Prediction.score)
        .where(Prediction.image_id == image_id))}
    return labels, predicted


def embedding_map(session: Session, data_dir: Path, image_id: int) -> dict[str, Any]:
    """``{"model_version", "explained_variance", "items": [{source_id, pc, label_class, class, score}]}``."""
    require_image(session, image_id)
    encoder = require_encoder(session, image_id)
    emb = load_embeddings(data_dir, encoder)
    coords, explained = pca_2d(emb.embeddings)
    labels, predicted = _row_info(session, image_id, emb)
    items = []
    for row, sid in enumerate(emb.source_ids.tolist()):
        cls, score = predicted.get(sid, (None, None))
        pc = [round(float(coords[row, 0]), 5), round(float(coords[row, 1]), 5)]
        items.append({"source_id": sid, "pc": pc, "label_class": labels[row], "class": cls, "score": score})
    return {"model_version": encoder.id, "version": encoder.version, "explained_variance": explained,
            "count": len(items), "items": items}


def similar_sources(session: Session, data_dir: Path, source_id: int, k: int = 12) -> dict[str, Any]:
    """The ``k`` sources nearest to ``source_id`` in embedding space (cosine), most similar first."""
    if not 1 <= k <= MAX_SIMILAR:
        raise InputError(f"k must be 1 to {MAX_SIMILAR}, got {k}")
    source = session.get(Source, source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id}")
    encoder = require_encoder(session, source.image_id)
    emb = load_embeddings(data_dir, encoder)
    row = int(emb.index.rows(np.array([source.x]), np.array([source.y]))[0])
    if row < 0:
        raise NotFoundError(f"source {source_id} has no embedding (added after encoder v{encoder.version} "
                            "embedded the image's sources): run the embed task again")
    raw = np.asarray(emb.embeddings, dtype=np.float64)
    raw_unit = raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
    raw_cos = np.delete(raw_unit @ raw_unit[row], row)
    centred = raw - raw.mean(axis=0)
    unit = centred / np.maximum(np.linalg.norm(centred, axis=1, keepdims=True), 1e-12)
    similarity = unit @ unit[row]
    similarity[row] = -np.inf
    count = min(k, len(emb) - 1)
    nearest = np.argsort(-similarity, kind="stable")[:count]
    others = max(len(emb) - 1, 1)
    floor = float(np.percentile(raw_cos, 5)) if raw_cos.size else 1.0
    too_young = raw_cos.size > 0 and floor > YOUNG_RAW_COSINE  # a lone source has nothing to be told from
    labels, predicted = _row_info(session, source.image_id, emb)
    ids = [int(emb.source_ids[r]) for r in nearest]
    where = dict((sid, (x, y)) for sid, x, y in session.execute(
        select(Source.id, Source.x, Source.y).where(Source.id.in_(ids))))
    items = []
    for rank, (sid, r) in enumerate(zip(ids, nearest.tolist(), strict=True), start=1):
        cls, score = predicted.get(sid, (None, None))
        sim = float(similarity[r])
        items.append({"source_id": sid, "rank": rank, "similarity": round(sim, 5),
                      "distance": round(1.0 - sim, 5), "farther": round((others - rank) / others, 5),
                      "x": where[sid][0], "y": where[sid][1], "label_class": labels[r], "class": cls,
                      "score": score})
    note = (f"encoder v{encoder.version} is too young to tell these sources apart: 95% of the image's sources "
            f"have a raw cosine above {floor:.3f} to this one; pretrain longer" if too_young else None)
    return {"source_id": source_id, "model_version": encoder.id, "too_young": too_young,
            "raw_cosine_p5": round(floor, 5), "note": note, "items": items}
