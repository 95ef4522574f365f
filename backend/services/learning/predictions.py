"""The current probe's scores for every source: written after each fit, read by the map and the triage views.

``predictions`` keeps one row per source (the image's current probe; a new version replaces the rows), with
the most probable class, its probability (``score``), the predictive entropy in nats (``-sum p ln p``, the
paper's active-learning criterion) and every class probability (a JSON list in the probe's class order; the
API answers ``{class: probability}``, and the answer to the scheme's binary question, cluster or not, with its
own entropy: what the uncertainty picks rank by). Sources sharing an embedding row (duplicates
within 1 px) share its scores. :func:`write_predictions` also says which sources changed enough to repaint
(another class, or the score moved by more than :data:`CHANGE_TOLERANCE`), so the ``scores`` event can name
them instead of making every map refetch everything.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.db.learning import ModelVersion, Prediction, PseudoLabel
from backend.db.sources import Source
from backend.errors import InputError
from backend.services.labelling.layers import require_image
from backend.services.labelling.projects import binary_groups, image_project
from backend.services.labelling.viewport import check_bbox
from backend.services.learning.data import SourceTable, catalogue_layer_ids, image_sources

CHANGE_TOLERANCE = 0.01
MAX_CHANGED_LISTED = 2000
MAX_LIMIT = 50_000


def entropy(probs: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-12, 1.0)
    return -(p * np.log(p)).sum(axis=1)


def write_predictions(session: Session, image_id: int, version_id: int, classes: list[str], probs: np.ndarray,
                      emb: Any, sources: SourceTable | None = None) -> dict[str, Any]:
    """Replace the image's predictions with ``probs`` (rows of ``emb``) for every source with a row, picked
    copies aside (the map shows the original's prediction; the copies are rebuilt under a running refit).

    ``sources`` are the image's sources when the caller has them. Returns ``{"n": written, "changed": [source
    ids] or "all", "n_changed": ...}``. ``probs`` is stored as a JSON list in the probe's class order (its
    ``config.classes``), written as text in one driver-level executemany: through SQLAlchemy's JSON type and
    parameter processing 15,000 rows cost 0.68 s on the development machine, this way about a third.
    """
    layers = catalogue_layer_ids(session, image_id)
    found = sources if sources is not None else image_sources(session, image_id, layers)
    rows = emb.index.rows(found.x, found.y)
    kept = set(session.scalars(select(Source.id).where(Source.image_id == image_id, Source.layer_id.in_(layers))))
    ok = (rows >= 0) & np.isin(found.ids, np.fromiter(kept, dtype=np.int64, count=len(kept)))
    ids = found.ids[ok].tolist()
    p = np.asarray(probs, dtype=np.float64)[rows[ok]]
    best = p.argmax(axis=1).tolist() if len(p) else []
    score = p.max(axis=1) if len(p) else np.zeros(0)
    ent = entropy(p) if len(p) else np.zeros(0)
    previous = dict((sid, (cls, sc)) for sid, cls, sc in session.execute(
        select(Prediction.source_id, Prediction.class_, Prediction.score)
        .where(Prediction.image_id == image_id)))
    labels = [classes[b] for b in best]
    values = [(image_id, sid, version_id, cls, sc, en, str(row)) for sid, cls, sc, en, row in zip(
        ids, labels, score.tolist(), ent.tolist(), np.round(p, 4).tolist(), strict=True)]
    changed = [sid for sid, cls, sc in zip(ids, labels, score.tolist(), strict=True) if sid not in previous
               or previous[sid][0] != cls or abs(previous[sid][1] - sc) > CHANGE_TOLERANCE]
    changed.extend(set(previous) - set(ids))
    session.execute(delete(Prediction).where(Prediction.image_id == image_id))
    if values:
        marks = ", ".join([_placeholder(session)] * 7)
        session.connection().exec_driver_sql(
            'INSERT INTO predictions (image_id, source_id, model_version_id, "class", score, entropy, probs) '
            f"VALUES ({marks})", values)
    listed: list[int] | str = changed if len(changed) <= MAX_CHANGED_LISTED else "all"
    return {"n": len(values), "changed": listed, "n_changed": len(changed)}


def _placeholder(session: Session) -> str:
    """The DBAPI's positional parameter marker (SQLite ``?``, psycopg ``%s``)."""
    style = session.get_bind().dialect.paramstyle
    if style == "qmark":
        return "?"
    if style in ("format", "pyformat"):
        return "%s"
    raise InputError(f"database driver paramstyle {style!r} is not supported for writing predictions")


def probe_binary_groups(scheme: dict[str, Any], classes: list[str] | None) -> np.ndarray | None:
    """Per probe class (``classes``, the probabilities' column order), the index of its group in the scheme's
    binary question (:func:`~backend.services.labelling.projects.binary_groups`); None when a class has no
    group, the classes are unknown, or they all fall in one group (nothing binary to ask)."""
    if not classes:
        return None
    _, group_of = binary_groups(scheme)
    if not all(c in group_of for c in classes):
        return None
    groups = np.array([group_of[c] for c in classes])
    return groups if np.unique(groups).size >= 2 else None


def group_probs(probs: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(N, G) probabilities of the groups present in ``groups`` (per column of ``probs`` (N, K), its group's
    index; :func:`probe_binary_groups`), each the sum of its classes', and those groups' indices."""
    present = np.unique(groups)
    return np.stack([probs[:, groups == g].sum(axis=1) for g in present], axis=1), present


def binary_question(session: Session, image_id: int,
                    version: ModelVersion | None) -> tuple[np.ndarray | None, list[str]]:
    """The image's scheme's binary question as it applies to ``version``'s probe: per probe class its group
    (:func:`probe_binary_groups`, None when the question does not cover the probe) and the group names."""
    scheme = image_project(session, image_id).scheme
    names, _ = binary_groups(scheme)
    classes = [str(c) for c in (version.config or {}).get("classes", [])] if version is not None else None
    return probe_binary_groups(scheme, classes), names


def binary_answer(groups: np.ndarray | None, names: list[str], stored: Any) -> dict[str, Any] | None:
    """The probe's answer to the scheme's binary question for one stored probability list: ``{"group": the more
    probable group's name, "p": its probability, "entropy": the two groups' entropy in nats}`` (what the
    uncertainty picks rank by), or None without a binary question or for an old dict-format row."""
    if groups is None or isinstance(stored, dict) or len(stored) != groups.size:
        return None
    summed, present = group_probs(np.asarray(stored, dtype=np.float64)[None, :], groups)
    two = summed[0] / summed[0].sum() if summed[0].sum() > 0 else np.full(present.size, 1.0 / present.size)
    best = int(two.argmax())
    return {"group": names[int(present[best])], "p": float(two[best]), "entropy": float(entropy(two[None, :])[0])}


def probs_by_class(version: ModelVersion | None, stored: Any) -> dict[str, float]:
    """A stored probability list as ``{class: probability}`` in the probe's class order."""
    classes = list((version.config if version else {}).get("classes") or [])
    if isinstance(stored, dict):  # written before the list format
        return stored
    return dict(zip(classes, stored, strict=False))


def current_probe_id(session: Session, image_id: int) -> int | None:
    return session.scalar(select(Prediction.model_version_id).where(Prediction.image_id == image_id).limit(1))


def query_predictions(session: Session, image_id: int, bbox: tuple[float, float, float, float] | None = None,
                      limit: int = 5000) -> dict[str, Any]:
    """``{"model_version", "version", "count", "truncated", "items"}`` inside ``bbox`` (0-based pixels,
    inclusive), each item ``{source_id, x, y, class, score, entropy, probs, binary, rank, pseudo_label}``
    (``binary``: :func:`binary_answer`, the answer to the scheme's binary question that the picks ask)."""
    require_image(session, image_id)
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"limit must be 1 to {MAX_LIMIT}, got {limit}")
    version_id = current_probe_id(session, image_id)
    version = session.get(ModelVersion, version_id) if version_id is not None else None
    query = select(Prediction, Source.x, Source.y).join(Source, Source.id == Prediction.source_id) \
        .where(Prediction.image_id == image_id)
    if bbox is not None:
        xmin, ymin, xmax, ymax = check_bbox(bbox)
        query = query.where(Source.x.between(xmin, xmax), Source.y.between(ymin, ymax))
    rows = session.execute(query.order_by(Prediction.source_id).limit(limit + 1)).all()
    pseudo = {int(sid): cls for sid, cls in session.execute(
        select(PseudoLabel.source_id, PseudoLabel.class_).where(PseudoLabel.model_version_id == version_id))}
    groups, names = binary_question(session, image_id, version)
    items = [{"source_id": pred.source_id, "x": x, "y": y, "class": pred.class_, "score": pred.score,
              "entropy": pred.entropy, "probs": probs_by_class(version, pred.probs),
              "binary": binary_answer(groups, names, pred.probs), "rank": pred.rank,
              "pseudo_label": pseudo.get(pred.source_id)} for pred, x, y in rows[:limit]]
    return {"model_version": version_id, "version": version.version if version else None, "count": len(items),
            "truncated": len(rows) > limit, "items": items}
