"""The linear probe on the human labels: the live half of the paper's loop (section 4.2).

A probe is fitted on the frozen embeddings of the image's newest encoder (+ optional catalogue columns) and
the consensus ``label_class`` of every labelled source, through :class:`models.session.ModelSession`. A
source maps to its embedding row by position (within 1 px, :mod:`backend.services.learning_data`); when
several labelled sources share a row, the one with the most votes (then the newest) gives the label.

``validation_accuracy`` is a 5-fold cross-validated accuracy on the labels (each fold fitted on the others),
so every label also trains the published probe and the accuracy-versus-labels history stays honest. Pseudo-
labels (optional, :class:`models.pseudo_labels.PseudoLabelSchedule`) are stored in ``pseudo_labels`` only.
Fitting the same labels with the same settings on the same encoder returns the existing version.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.annotations import Annotation
from backend.db.learning import ModelVersion, PseudoLabel
from backend.db.session import session_scope
from backend.db.sources import Source
from backend.errors import ConflictError, InputError
from backend.services.learning_data import SourceTable, image_sources, scheme_classes
from backend.services.model_store import (
    EmbeddingSet,
    load_embeddings,
    models_dir,
    next_version,
    require_encoder,
    version_public,
)
from backend.services.predictions import write_predictions

CV_FOLDS = 5
CV_MAX_LABELS = 5000


@dataclass
class ProbeParams:
    """Probe settings: L2 strength, catalogue columns to append to the embeddings, pseudo-label schedule."""

    l2: float = 1.0
    features: list[str] = field(default_factory=list)
    pseudo: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not 0 < self.l2 <= 1e6:
            raise InputError(f"l2 must be positive (at most 1e6), got {self.l2}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ProbeParams:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


@dataclass
class Fitted:
    version: dict[str, Any]
    scores: dict[str, Any] | None  # what write_predictions changed (None: an existing version was reused)


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


def cross_validated_accuracy(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float) -> float | None:
    """Mean accuracy over ``CV_FOLDS`` folds (a fixed shuffle); None with too few labels or one class."""
    from models.probe import LinearProbe

    n = y.size
    if n < 2 * CV_FOLDS or np.unique(y).size < 2:
        return None
    order = np.random.default_rng(0).permutation(n)[:CV_MAX_LABELS]
    folds = np.array_split(order, CV_FOLDS)
    correct = 0
    for k, test in enumerate(folds):
        train = np.concatenate([f for j, f in enumerate(folds) if j != k])
        probe = LinearProbe(n_classes, l2).fit(x[train], y[train])
        correct += int((probe.predict(x[test]) == y[test]).sum())
    return correct / sum(f.size for f in folds)


def catalogue_features(session: Session, source_ids: np.ndarray, names: list[str]) -> np.ndarray:
    """(M, F) catalogue columns of the sources (LEGUS sentinels and non-numbers become NaN)."""
    from models.features import mask_missing

    columns = dict(session.execute(
        select(Source.id, Source.columns).where(Source.id.in_(source_ids.tolist()))).all())
    out = np.full((source_ids.size, len(names)), np.nan)
    for i, sid in enumerate(source_ids.tolist()):
        row = columns.get(sid) or {}
        for j, name in enumerate(names):
            value = row.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[i, j] = value
    if np.isnan(out).all(axis=0).any():
        empty = [n for n, e in zip(names, np.isnan(out).all(axis=0), strict=True) if e]
        raise InputError(f"catalogue column(s) {', '.join(empty)} have no numeric value on this image's "
                         "sources")
    return mask_missing(out)


def fit_probe(sessions: sessionmaker[Session], data_dir: Path, image_id: int, params: ProbeParams,
              run_id: int | None = None) -> Fitted:
    """Fit the probe on the current labels, record the version and write its predictions."""
    from models.session import ModelSession, SessionConfig

    start = time.perf_counter()
    with sessions() as session:
        encoder = require_encoder(session, image_id)
        emb = load_embeddings(data_dir, encoder)
        classes = scheme_classes(session, image_id)
        table = image_sources(session, image_id)
        through = int(session.scalar(
            select(func.max(Annotation.id)).where(Annotation.image_id == image_id)) or 0)
        labels, skipped = row_labels(table, emb.index.rows(table.x, table.y), classes)
        if not labels:
            raise ConflictError(f"image {image_id} has no labelled source with an embedding yet: label "
                                f"some first ({skipped['not_embedded']} labelled sources are not embedded)")
        key = f"{len(labels)}:{through}"
        config = {**params.to_dict(), "classes": classes}
        reused = _same_probe(session, image_id, encoder.id, key, config)
        if reused is not None:
            return Fitted(version_public(reused), None)
        features = catalogue_features(session, emb.source_ids, params.features) if params.features else None
    model = ModelSession(emb.embeddings, classes, SessionConfig(l2=params.l2, pseudo=params.pseudo),
                         features=features)
    rows = np.fromiter(labels.keys(), dtype=np.int64)
    model.add_labels(rows, list(labels.values()))
    entry = model.retrain()
    probs = model.predict()
    x_labelled = model.scaler.transform(_combined(emb, features, rows))
    y = np.asarray([classes.index(c) for c in labels.values()], dtype=np.int64)
    accuracy = cross_validated_accuracy(x_labelled, y, len(classes), params.l2)
    return _record(sessions, data_dir, image_id, encoder.id, run_id, model, emb, probs, labels, skipped, key,
                   through, config, accuracy, entry, start)


def _combined(emb: EmbeddingSet, features: np.ndarray | None, rows: np.ndarray) -> np.ndarray:
    from models.features import combine

    return combine(emb.embeddings[rows], None if features is None else features[rows])


def _same_probe(session: Session, image_id: int, encoder_id: int, key: str,
                config: dict) -> ModelVersion | None:
    latest = session.scalars(select(ModelVersion).where(
        ModelVersion.image_id == image_id, ModelVersion.kind == "probe").order_by(ModelVersion.version.desc())
        .limit(1)).first()
    if latest is not None and latest.parent_id == encoder_id and latest.labels.get("key") == key \
            and latest.config == config:
        return latest
    return None


def _record(sessions: sessionmaker[Session], data_dir: Path, image_id: int, encoder_id: int,
            run_id: int | None, model: Any, emb: EmbeddingSet, probs: np.ndarray, labels: dict[int, str],
            skipped: dict[str, int], key: str, through: int, config: dict, accuracy: float | None,
            entry: dict, start: float) -> Fitted:
    with session_scope(sessions) as session:
        number = next_version(session, image_id, "probe")
        folder = models_dir(data_dir, image_id) / f"probe-v{number}"
        model.save(folder, include_embeddings=False)
        by_source = {int(emb.source_ids[row]): cls for row, cls in labels.items()}
        (folder / "labels.json").write_text(json.dumps({"through_annotation_id": through,
                                                        "labels": by_source}))
        version = ModelVersion(
            image_id=image_id, kind="probe", version=number, parent_id=encoder_id, task_run_id=run_id,
            path=str(folder.relative_to(data_dir)), config=config, artefacts={"session": "session.json"},
            metrics={"n_labels": len(labels), "validation_accuracy": accuracy,
                     "validation": f"{CV_FOLDS}-fold cross-validation on the labels",
                     "n_pseudo": len(model.pseudo),
                     "fit_seconds": entry["seconds"], "seconds": None, "skipped_labels": skipped},
            labels={"key": key, "through_annotation_id": through, "n_labels": len(labels),
                    "file": "labels.json"},
        )
        session.add(version)
        session.flush()
        if len(model.pseudo):
            session.add_all(PseudoLabel(
                image_id=image_id, source_id=int(emb.source_ids[i]), model_version_id=version.id,
                class_=model.classes[int(c)], confidence=float(p), threshold=model.pseudo.threshold)
                for i, c, p in zip(model.pseudo.indices, model.pseudo.classes, model.pseudo.confidence,
                                   strict=True))
        scores = write_predictions(session, image_id, version.id, model.classes, probs, emb)
        version.metrics = {**version.metrics, "seconds": round(time.perf_counter() - start, 4)}
        session.flush()
        return Fitted(version_public(version), scores)


def repredict(sessions: sessionmaker[Session], data_dir: Path, image_id: int) -> dict[str, Any]:
    """Write the newest probe's predictions again (e.g. after sources were added or re-embedded)."""
    from models.session import ModelSession

    with session_scope(sessions) as session:
        probe = session.scalars(select(ModelVersion).where(
            ModelVersion.image_id == image_id, ModelVersion.kind == "probe")
            .order_by(ModelVersion.version.desc()).limit(1)).first()
        if probe is None:
            raise ConflictError(f"image {image_id} has no probe yet: label some sources (the probe is "
                                "fitted on them) or POST /api/images/{id}/learning/retrain")
        encoder = session.get(ModelVersion, probe.parent_id)
        if encoder is None or not encoder.artefacts.get("embeddings"):
            raise ConflictError(f"the encoder of probe v{probe.version} has no embeddings: retrain the probe")
        emb = load_embeddings(data_dir, encoder)
        names = list(probe.config.get("features") or [])
        features = catalogue_features(session, emb.source_ids, names) if names else None
        model = ModelSession.load(data_dir / probe.path, embeddings=emb.embeddings, features=features)
        scores = write_predictions(session, image_id, probe.id, model.classes, model.predict(), emb)
        return {"model_version": probe.id, "version": probe.version, **scores}
