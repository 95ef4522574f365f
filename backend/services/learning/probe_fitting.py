"""The linear probe on the human labels: the live half of the paper's loop (section 4.2).

A probe is fitted on the frozen embeddings of the image's newest encoder (+ optional catalogue columns) and
the consensus ``label_class`` of every labelled source (:mod:`backend.services.learning.probe_inputs`), through a
:class:`models.session.ModelSession` kept between refits (:mod:`backend.services.learning.probe_sessions`).

Order matters for the live loop's latency: the version and its predictions are committed and ``on_scores``
is called (the task publishes the ``scores`` event); the 5-fold cross-validated accuracy is measured
afterwards by its own task (:mod:`backend.services.learning.probe_accuracy`) and added to the version's
metrics. That accuracy (each fold fitted on the others) is what the accuracy-versus-labels history shows,
while every label also trains the published probe. The probe is reached only through the
:class:`~models.session.ModelSession` contract. Pseudo-labels
(optional, :class:`models.pseudo_labels.PseudoLabelSchedule`) are stored in ``pseudo_labels`` only. Fitting
the same labels with the same settings on the same encoder returns the existing version.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.annotations import Annotation
from backend.db.learning import ModelVersion, PseudoLabel
from backend.db.session import session_scope
from backend.errors import ConflictError, InputError
from backend.services.learning.data import image_sources, scheme_classes
from backend.services.learning.model_store import (
    latest_version,
    load_embeddings,
    models_dir,
    next_version,
    require_encoder,
    version_public,
)
from backend.services.learning.predictions import write_predictions
from backend.services.learning.probe_accuracy import CV_FOLDS
from backend.services.learning.probe_inputs import catalogue_features, row_labels
from backend.services.learning.probe_sessions import probe_session

OnScores = Callable[[dict[str, Any], dict[str, Any]], None]  # (version, what write_predictions changed)


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


def fit_probe(sessions: sessionmaker[Session], data_dir: Path, image_id: int, params: ProbeParams,
              run_id: int | None = None, on_scores: OnScores | None = None) -> Fitted:
    """Fit the probe on the current labels, record the version and its predictions (its accuracy is
    pending: :func:`backend.services.learning.probe_accuracy.record_accuracy` measures it)."""
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

    features = _features_loader(sessions, emb.source_ids, params.features)
    rows = np.fromiter(labels.keys(), dtype=np.int64)
    with probe_session(emb, classes, params.l2, params.pseudo, params.features, features) as model:
        model.add_labels(rows, list(labels.values()))
        entry = model.retrain()
        pseudo = model.pseudo_labelled()
        with session_scope(sessions) as session:
            number = next_version(session, image_id, "probe")
            folder = models_dir(data_dir, image_id) / f"probe-v{number}"
            model.save(folder, include_embeddings=False)
            by_source = {int(emb.source_ids[row]): cls for row, cls in labels.items()}
            (folder / "labels.json").write_text(json.dumps({"through_annotation_id": through,
                                                            "labels": by_source}))
            version = ModelVersion(
                image_id=image_id, kind="probe", version=number, parent_id=encoder.id, task_run_id=run_id,
                path=str(folder.relative_to(data_dir)), config=config, artefacts={"session": "session.json"},
                metrics={"n_labels": len(labels), "validation_accuracy": None, "n_pseudo": len(pseudo),
                         "validation": f"{CV_FOLDS}-fold cross-validation on the labels (pending)",
                         "fit_seconds": entry["seconds"], "skipped_labels": skipped},
                labels={"key": key, "through_annotation_id": through, "n_labels": len(labels),
                        "file": "labels.json"})
            session.add(version)
            session.flush()
            session.add_all(PseudoLabel(
                image_id=image_id, source_id=int(emb.source_ids[i]), model_version_id=version.id,
                class_=str(cls), confidence=confidence, threshold=model.pseudo_threshold)
                for i, cls, confidence in pseudo)
            scores = write_predictions(session, image_id, version.id, classes, model.predict(), emb, table)
            version.metrics = {**version.metrics, "seconds_to_scores": round(time.perf_counter() - start, 4)}
            public = version_public(version)
    if on_scores is not None:
        on_scores(public, scores)
    return Fitted(public, scores)


def prepare_probe(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                  params: ProbeParams) -> bool:
    """Load the embeddings and build the probe session before the first label arrives (a map was opened),
    so the first refit is as quick as the next ones; False when the image has no embeddings yet."""
    with sessions() as session:
        encoder = latest_version(session, image_id, "byol", embedded=True)
        if encoder is None:
            return False
        emb = load_embeddings(data_dir, encoder)
        classes = scheme_classes(session, image_id)
    features = _features_loader(sessions, emb.source_ids, params.features)
    with probe_session(emb, classes, params.l2, params.pseudo, params.features, features):
        return True


def _features_loader(sessions: sessionmaker[Session], source_ids: np.ndarray,
                     names: list[str]) -> Callable[[], np.ndarray | None]:
    """Reads the catalogue features when a probe session is built (once per cached session)."""
    def load() -> np.ndarray | None:
        if not names:
            return None
        with sessions() as session:
            return catalogue_features(session, source_ids, names)

    return load


def _same_probe(session: Session, image_id: int, encoder_id: int, key: str,
                config: dict) -> ModelVersion | None:
    latest = latest_version(session, image_id, "probe")
    if latest is not None and latest.parent_id == encoder_id and latest.labels.get("key") == key \
            and latest.config == config:
        return latest
    return None


def repredict(sessions: sessionmaker[Session], data_dir: Path, image_id: int) -> dict[str, Any]:
    """Write the newest probe's predictions again (e.g. after sources were added or re-embedded)."""
    from models.session import ModelSession

    with session_scope(sessions) as session:
        probe = latest_version(session, image_id, "probe")
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
        classes = [str(c) for c in model.classes]
        scores = write_predictions(session, image_id, probe.id, classes, model.predict(), emb)
        return {"model_version": probe.id, "version": probe.version, **scores}
