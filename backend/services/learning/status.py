"""Where an image's learning loop stands, for the learning panel: encoder, embeddings, probe, history.

``history`` lists every probe version with its number of labels and cross-validated accuracy, the data of the
accuracy-versus-labels plot (the paper's Figure 3 for one image, as it is being labelled).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.learning import ModelVersion, TaskRun
from backend.db.sources import Source
from backend.services.labelling.layers import require_image
from backend.services.learning.model_store import latest_version
from backend.services.task_runs import ACTIVE, run_event


def _encoder_public(version: ModelVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    spec = version.config.get("encoder_spec", {})
    return {"model_version": version.id, "version": version.version, "kind": spec.get("kind"),
            "steps": version.metrics.get("steps"), "final_loss": version.metrics.get("final_loss"),
            "n_cutouts": version.metrics.get("n_cutouts"), "created_at": version.created_at}


def learning_status(session: Session, image_id: int) -> dict[str, Any]:
    require_image(session, image_id)
    encoder = latest_version(session, image_id, "byol")
    embedded = latest_version(session, image_id, "byol", embedded=True)
    probes = list(session.scalars(select(ModelVersion).where(
        ModelVersion.image_id == image_id, ModelVersion.kind == "probe").order_by(ModelVersion.version)))
    probe = probes[-1] if probes else None
    n_labels = session.scalar(select(func.count(Source.id)).where(
        Source.image_id == image_id, Source.label_class.is_not(None))) or 0
    active = session.scalars(select(TaskRun).where(TaskRun.image_id == image_id, TaskRun.status.in_(ACTIVE))
                             .order_by(TaskRun.id)).all()
    return {
        "image_id": image_id,
        "has_encoder": encoder is not None,
        "encoder": _encoder_public(encoder),
        "embeddings": None if embedded is None else {
            "model_version": embedded.id, "version": embedded.version, **embedded.artefacts["embeddings"]},
        "probe": None if probe is None else {
            "model_version": probe.id, "version": probe.version, "encoder_version_id": probe.parent_id,
            "n_labels": probe.metrics.get("n_labels"),
            "validation_accuracy": probe.metrics.get("validation_accuracy"),
            "validation": probe.metrics.get("validation"), "n_pseudo": probe.metrics.get("n_pseudo"),
            "skipped_labels": probe.metrics.get("skipped_labels"),
            **_comparison(probe.metrics), "created_at": probe.created_at},
        "n_labels": int(n_labels),
        "validation_accuracy": None if probe is None else probe.metrics.get("validation_accuracy"),
        "history": [{"model_version": p.id, "version": p.version, "n_labels": p.metrics.get("n_labels"),
                     "validation_accuracy": p.metrics.get("validation_accuracy"),
                     "features_only_accuracy": p.metrics.get("features_only_accuracy"), "created_at": p.created_at}
                    for p in probes],
        "active_tasks": [run_event(run) for run in active],
    }


COMPARISON = ("features_only_accuracy", "labels_compared", "target_accuracy", "probe_labels_to_target",
              "features_labels_to_target", "labels_saved", "features_baseline")


def _comparison(metrics: dict[str, Any]) -> dict[str, Any]:
    """The probe against photometric features alone (:mod:`models.labels_saved`), None until measured."""
    return {name: metrics.get(name) for name in COMPARISON}
