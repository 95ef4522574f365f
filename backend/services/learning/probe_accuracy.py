"""The probe's cross-validated accuracy, measured after its scores are out, off the refit path.

A refit follows every burst of labels; the 5-fold cross-validation behind the accuracy-versus-labels history
costs as much as the refit itself, and it must not delay the next refit (nor the ``scores`` event). So the
``fit_probe`` task asks for a ``probe_accuracy`` task for the version it made (its own run, its own
``task`` events, its own lane in-process, any Celery worker with a broker), which reloads that version's
saved session (:meth:`models.session.ModelSession.load`) and writes the accuracy into its metrics. A version
already replaced by a newer probe is skipped: its accuracy would never be shown as the current one, and the
newer probe's own task follows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import ModelVersion
from backend.db.session import session_scope
from backend.errors import ConflictError
from backend.services.learning.model_store import get_version, latest_version, load_embeddings
from backend.services.learning.probe_inputs import (
    catalogue_features,
    photometric_columns,
    source_columns,
)

CV_FOLDS = 5


@dataclass
class Measured:
    version_id: int
    version: int
    accuracy: float | None = None  # None: too few labels (fewer than 2 per fold) or a single class
    n_labels: int = 0
    seconds: float = 0.0
    superseded_by: int | None = None  # the newer probe that made this measurement pointless


def record_accuracy(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                    version_id: int) -> Measured:
    """Measure and store the cross-validated accuracy of probe version ``version_id`` (unless replaced)."""
    from models.session import ModelSession

    start = time.perf_counter()
    with sessions() as session:
        probe = get_version(session, version_id)
        if probe.kind != "probe" or probe.image_id != image_id:
            raise ConflictError(f"model version {version_id} is not a probe of image {image_id}")
        newest = latest_version(session, image_id, "probe")
        if newest is not None and newest.id != probe.id:
            with session_scope(sessions) as writing:
                replaced = get_version(writing, version_id)
                replaced.metrics = {**replaced.metrics, "validation": (
                    f"not computed: probe v{newest.version} replaced it first")}
            return Measured(probe.id, probe.version, superseded_by=newest.id)
        encoder = session.get(ModelVersion, probe.parent_id)
        if encoder is None or not encoder.artefacts.get("embeddings"):
            raise ConflictError(f"the encoder of probe v{probe.version} has no embeddings: retrain the probe")
        emb = load_embeddings(data_dir, encoder)
        names = list(probe.config.get("features") or [])
        columns = source_columns(session, emb.source_ids)  # read once: the probe's features and the baseline's
        features = catalogue_features(session, emb.source_ids, names, columns) if names else None
        photometric = photometric_columns(columns, emb.source_ids.size)
        baseline = catalogue_features(session, emb.source_ids, photometric, columns) if photometric else None
        folder = data_dir / probe.path
    model = ModelSession.load(folder, embeddings=emb.embeddings, features=features)
    accuracy = model.cross_validated_accuracy(folds=CV_FOLDS)
    comparison = {} if baseline is None else {**model.compare_with_features(baseline, folds=CV_FOLDS).metrics(),
                                              "features_baseline": photometric}
    seconds = time.perf_counter() - start
    with session_scope(sessions) as session:
        version = get_version(session, version_id)
        version.metrics = {**version.metrics, "validation_accuracy": accuracy,
                           "validation": f"{CV_FOLDS}-fold cross-validation on the labels",
                           "cv_seconds": round(seconds, 4), **comparison,
                           "seconds": round(float(version.metrics.get("seconds_to_scores") or 0.0) + seconds, 4)}
    return Measured(version_id, probe.version, accuracy, len(model.labels), round(seconds, 4))

