"""What to label next: acquisition over the current probe's scores, materialised as the "picked" layer.

Strategies are :func:`models.acquisition.select`'s: ``entropy`` (default, the paper's active learning),
``random`` (which the paper found as good on LEGUS), ``margin``, and ``diverse`` (k-center greedy in
embedding space, Sener & Savarese 2018; also accepted as ``kcenter``), ``cluster_entropy``. Every labelled
source is excluded (a label on any duplicate within 1 px counts). The picks get ``rank`` 1..k in
``predictions`` and become the image's ``picked`` layer (the paper's large white rings), replaced on each
:func:`pick_next` (``POST .../learning/next``); a picked ring someone already labelled is kept.
:func:`propose_next` (``GET .../learning/next``) chooses the same way and writes nothing. Each picked
source stores the original's id in ``columns.source_id``, so a client labels the original. Without an
encoder only ``random`` is possible.

Uncertainty (``entropy``, ``margin``, ``cluster_entropy``) is asked of the scheme's binary question when it
has one covering the probe's classes (LEGUS: cluster = 1, 2 against 3, 4, the question of the paper's case
studies): the probabilities are summed per binary group first, so labels go to "cluster or not?" rather than
to 1-vs-2 or 3-vs-4 coin tosses. On the simulated galaxy (``skylabel bench label-efficiency --quick``) the
four classes' entropy fell below random choice at 100-200 labels; the binary question's did not. The answer
says which question was asked (``question``: ``"binary"`` or ``"classes"``).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, exists, select, update
from sqlalchemy.orm import Session

from backend.db.annotations import Annotation
from backend.db.learning import ModelVersion, Prediction
from backend.db.sources import ROW_BAND_PX, Layer, Source
from backend.errors import ConflictError, InputError
from backend.services.labelling.layers import default_style, require_image
from backend.services.labelling.projects import image_project
from backend.services.learning.data import PositionIndex, deduplicate, image_sources
from backend.services.learning.model_store import latest_version, load_embeddings
from backend.services.learning.predictions import group_probs, probe_binary_groups

STRATEGIES = {"entropy": "entropy", "random": "random", "margin": "margin", "diverse": "kcenter",
              "kcenter": "kcenter", "cluster_entropy": "cluster_entropy"}
BINARY_QUESTION = {"entropy", "margin", "cluster_entropy"}  # the strategies that read the probabilities
PICKED_LAYER = "picked"
MAX_K = 1000


def pick_next(session: Session, data_dir: Any, image_id: int, strategy: str = "entropy", k: int = 20,
              seed: int | None = None, allowed: set[int] | None = None) -> dict[str, Any]:
    """Choose ``k`` unlabelled sources, rank them and rebuild the picked layer (caller commits)."""
    proposal = propose_next(session, data_dir, image_id, strategy, k, seed, allowed)
    picked = proposal["source_ids"]
    _rank(session, image_id, picked)
    layer = rebuild_picked_layer(session, image_id, picked, strategy)
    return {**proposal, "layer_id": layer.id}


def propose_next(session: Session, data_dir: Any, image_id: int, strategy: str = "entropy", k: int = 20,
                 seed: int | None = None, allowed: set[int] | None = None,
                 labelled_as: dict[int, bool] | None = None) -> dict[str, Any]:
    """The ``k`` unlabelled sources to label next, best first, by ``strategy``; reads only.

    ``allowed``: the source ids of the working set (cuts, regions, a lasso); None for every source.
    ``labelled_as``: whether these sources count as labelled, instead of their consensus (a blind view: an
    open blind round's sources are labelled for its annotators only by their own vote)."""
    from models.acquisition import select as acquire

    require_image(session, image_id)
    if strategy not in STRATEGIES:
        raise InputError(f"strategy {strategy!r} is unknown: use one of {', '.join(STRATEGIES)}")
    if not 1 <= k <= MAX_K:
        raise InputError(f"k must be 1 to {MAX_K}, got {k}")
    own = image_sources(session, image_id, _layers_but_picked(session, image_id))
    everything = image_sources(session, image_id)  # a label on a picked ring counts too
    encoder = latest_version(session, image_id, "byol", embedded=True)
    question = "classes"
    if encoder is None:
        if strategy != "random":
            raise ConflictError(f"strategy {strategy!r} needs a model and image {image_id} has no embeddings "
                                "yet: use strategy=random, or pretrain an encoder first")
        keep = deduplicate(own.x, own.y)
        index, n_rows, embeddings = PositionIndex(own.x[keep], own.y[keep]), int(keep.size), None
        probs = np.full((n_rows, 2), 0.5)
    else:
        emb = load_embeddings(data_dir, encoder)
        index, n_rows, embeddings = emb.index, len(emb), emb.embeddings
        probs, classes = _row_probs(session, image_id, everything, index.rows(everything.x, everything.y), n_rows)
        if strategy in BINARY_QUESTION:
            groups = probe_binary_groups(image_project(session, image_id).scheme, classes)
            if groups is not None:
                probs, _ = group_probs(probs, groups)
                question = "binary"
    candidate = np.full(n_rows, -1, dtype=np.int64)  # per row, the first existing (allowed) source there
    for sid, row in zip(own.ids[::-1].tolist(), index.rows(own.x, own.y)[::-1].tolist(), strict=True):
        if row >= 0 and (allowed is None or sid in allowed):
            candidate[row] = sid
    labelled = np.zeros(n_rows, dtype=bool)
    rows = index.rows(everything.x, everything.y)
    shown = everything.label if not labelled_as else [
        labelled_as.get(sid, lab) for sid, lab in zip(everything.ids.tolist(), everything.label, strict=True)]
    labelled[[r for r, lab in zip(rows.tolist(), shown, strict=True) if r >= 0 and lab]] = True
    eligible = (candidate >= 0) & ~labelled
    free = int(eligible.sum())
    if free == 0:
        if allowed is not None:
            raise ConflictError(f"every source of image {image_id} in the cuts and regions is labelled: "
                                "nothing left to pick there (widen the cuts)")
        raise ConflictError(f"every source of image {image_id} is labelled: nothing left to pick")
    # the rows acquisition sees: the eligible ones and the labelled ones (what a diverse pick must keep away
    # from); rows outside the working set are neither candidates nor "covered"
    seen = np.flatnonzero(eligible | labelled)
    chosen = acquire(STRATEGIES[strategy], probs[seen], min(k, free), ~eligible[seen],
                     None if embeddings is None else embeddings[seen], seed)
    picked = [int(candidate[seen[i]]) for i in chosen]
    return {"strategy": strategy, "k": len(picked), "source_ids": picked,
            "model_version": encoder.id if encoder else None, "question": question}


def _layers_but_picked(session: Session, image_id: int) -> list[int]:
    return list(session.scalars(select(Layer.id).where(Layer.image_id == image_id, Layer.kind != "picked")))


def _row_probs(session: Session, image_id: int, table: Any, rows: np.ndarray,
               n_rows: int) -> tuple[np.ndarray, list[str] | None]:
    """(M, K) probabilities per embedding row from the stored predictions (uniform where none is stored), and
    the classes of their columns (the probe's; None when nothing is stored)."""
    stored = session.execute(select(Prediction.source_id, Prediction.probs, Prediction.model_version_id).where(
        Prediction.image_id == image_id)).all()
    if not stored:
        return np.full((n_rows, 2), 0.5), None
    version = session.get(ModelVersion, stored[0][2])  # one probe's rows: a new version replaces them all
    classes = [str(c) for c in (version.config or {}).get("classes", [])] if version is not None else []
    width = len(stored[0][1])
    probs = np.full((n_rows, width), 1.0 / width)
    row_of = {int(sid): int(r) for sid, r in zip(table.ids, rows, strict=True) if r >= 0}
    for sid, p, _ in stored:
        if sid in row_of:
            probs[row_of[sid]] = list(p.values()) if isinstance(p, dict) else p
    return probs, classes if len(classes) == width else None


def _rank(session: Session, image_id: int, picked: list[int]) -> None:
    session.execute(update(Prediction).where(Prediction.image_id == image_id).values(rank=None))
    for rank, sid in enumerate(picked, start=1):
        session.execute(update(Prediction).where(Prediction.image_id == image_id, Prediction.source_id == sid)
                        .values(rank=rank))


def rebuild_picked_layer(session: Session, image_id: int, picked: list[int], strategy: str) -> Layer:
    layer = session.scalars(select(Layer).where(Layer.image_id == image_id,
                                                Layer.name == PICKED_LAYER)).first()
    if layer is None:
        layer = Layer(image_id=image_id, name=PICKED_LAYER, kind="picked", style=default_style("picked"),
                      meta={}, n_sources=0)
        session.add(layer)
        session.flush()
    labelled = exists().where(Annotation.source_id == Source.id)
    session.execute(delete(Source).where(Source.layer_id == layer.id, ~labelled))
    kept = set(session.scalars(select(Source.catalog_id).where(Source.layer_id == layer.id)))
    originals = {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(picked)))}
    for rank, sid in enumerate(picked, start=1):
        original = originals[sid]
        if str(sid) in kept:
            continue
        session.add(Source(
            image_id=image_id, layer_id=layer.id, catalog_id=str(sid), x=original.x, y=original.y,
            row_band=math.floor(original.y / ROW_BAND_PX), ra=original.ra, dec=original.dec,
            shape=original.shape, columns={"source_id": sid, "rank": rank, "strategy": strategy}, n_votes=0))
    session.flush()
    layer.n_sources = len(session.scalars(select(Source.id).where(Source.layer_id == layer.id)).all())
    layer.meta = {"strategy": strategy, "k": len(picked), "picked_at": datetime.now(UTC).isoformat(),
                  "note": "sources to label next; columns.source_id is the original source"}
    session.flush()
    return layer
