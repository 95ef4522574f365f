"""The worker tasks (backend/worker/tasks.py) run inline on a real image: idempotency, resume, failures,
pseudo-labels kept apart from human labels."""

from __future__ import annotations

import csv
from typing import Any

import pytest
from sqlalchemy import func, select

from backend.db.annotations import Annotation
from backend.db.learning import ModelVersion, Prediction, PseudoLabel, TaskRun
from backend.db.session import session_scope
from backend.db.sources import Source
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.export import export_image
from backend.services.learning.pretraining import PretrainParams
from backend.worker import tasks
from backend.worker.submit import submit_fit_probe, submit_pretrain
from tests.backend.learning_image import TINY_PRETRAIN, LearningImage

pytest_plugins = ["tests.backend.learning_fixtures"]
pytestmark = pytest.mark.usefixtures("single_torch_thread")


def versions(ctx: Any, kind: str) -> list[ModelVersion]:
    with ctx.sessions() as session:
        return list(session.scalars(select(ModelVersion).where(ModelVersion.kind == kind)))


def label(image: LearningImage, ctx: Any, n: int, classes: tuple[str, ...] = ("1", "4")) -> list[int]:
    ids = image.source_ids(ctx)[:n]
    for i, sid in enumerate(ids):
        save_annotation(ctx.sessions, image.image_id, "ann", classes[i % len(classes)], source_id=sid)
    return ids


def test_pretrain_twice_records_one_encoder_and_embeds_every_source(untrained_image: LearningImage) -> None:
    ctx = untrained_image.context()
    first = submit_pretrain(ctx, untrained_image.image_id, PretrainParams(**TINY_PRETRAIN))
    second = submit_pretrain(ctx, untrained_image.image_id, PretrainParams(**TINY_PRETRAIN))
    assert first.status == "done" and second.id == first.id and second.result == first.result
    (encoder,) = versions(ctx, "byol")
    assert encoder.metrics["steps"] == TINY_PRETRAIN["steps"]
    assert encoder.config["normalisation"]["band_names"] == ["g", "r", "i"]
    assert (untrained_image.settings.data_dir / encoder.path / "checkpoint.pt").is_file()
    embeddings = encoder.artefacts["embeddings"]
    assert embeddings["n_sources"] == len(untrained_image.source_ids(ctx)) and embeddings["dim"] == 16
    names = [data["name"] for data in ctx.events.kinds("task") if data["status"] == "done"]
    assert names == ["pretrain", "embed"]  # nothing labelled yet: no probe
    steps = [e["detail"] for e in ctx.events.kinds("task") if e["name"] == "pretrain" and "detail" in e]
    assert [d["step"] for d in steps] == [1, 2, 3, 4] and all(d["images_per_s"] > 0 for d in steps)
    with ctx.sessions() as session:
        run = session.get(TaskRun, first.id)
        assert run.progress == 1.0 and "images/s" in run.message and run.attempts == 1


def test_a_retry_after_a_crash_resumes_from_the_checkpoint(untrained_image: LearningImage,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = untrained_image.context()
    report = tasks.Reporter.__call__

    def crash_at_step_3(self: tasks.Reporter, fraction: float, message: str, detail: Any = None) -> None:
        if (detail or {}).get("step") == 3:
            raise RuntimeError("simulated crash")
        report(self, fraction, message, detail)

    params = PretrainParams(**{**TINY_PRETRAIN, "steps": 6, "checkpoint_every": 2})
    monkeypatch.setattr(tasks.Reporter, "__call__", crash_at_step_3)
    failed = submit_pretrain(ctx, untrained_image.image_id, params)
    assert failed.status == "failed" and "simulated crash" in (failed.error or "")
    assert versions(ctx, "byol") == []
    monkeypatch.setattr(tasks.Reporter, "__call__", report)
    retried = submit_pretrain(ctx, untrained_image.image_id, params)
    assert retried.id == failed.id and retried.status == "done" and retried.attempts == 2
    (encoder,) = versions(ctx, "byol")
    assert encoder.metrics["resumed_from_step"] == 2 and encoder.metrics["steps"] == 6


def test_a_failing_task_records_its_message(untrained_image: LearningImage) -> None:
    ctx = untrained_image.context()
    with session_scope(ctx.sessions) as session:
        session.query(Source).delete()
    run = submit_pretrain(ctx, untrained_image.image_id, PretrainParams(**TINY_PRETRAIN))
    assert run.status == "failed"
    assert "no sources" in (run.error or "") and run.message.startswith("failed: ")
    assert ctx.events.kinds("task")[-1]["status"] == "failed"


def test_fit_probe_is_idempotent_and_scores_every_source(trained_image: LearningImage) -> None:
    ctx = trained_image.context()
    label(trained_image, ctx, 12)
    first = submit_fit_probe(ctx, trained_image.image_id)
    second = submit_fit_probe(ctx, trained_image.image_id)
    assert first.status == "done" and second.id == first.id
    (probe,) = versions(ctx, "probe")
    assert probe.metrics["n_labels"] == 12 and probe.labels["n_labels"] == 12
    assert 0.0 <= probe.metrics["validation_accuracy"] <= 1.0
    with ctx.sessions() as session:
        n_sources = session.scalar(select(func.count(Source.id)))
        rows = session.execute(select(Prediction.class_, Prediction.probs, Prediction.score)).all()
    assert len(rows) == n_sources
    classes = probe.config["classes"]
    for cls, probs, score in rows[:20]:  # stored as a list in the probe's class order
        assert sum(probs) == pytest.approx(1.0, abs=1e-3) and classes[probs.index(max(probs))] == cls
        assert score == pytest.approx(max(probs), abs=1e-3)
    (scores,) = ctx.events.kinds("scores")
    assert scores["model_version"] == probe.id
    assert scores["n_changed"] == n_sources
    assert sorted(scores["changed"]) == sorted(trained_image.source_ids(ctx))


def test_a_new_label_makes_a_new_probe_version(trained_image: LearningImage) -> None:
    ctx = trained_image.context()
    ids = label(trained_image, ctx, 10)
    submit_fit_probe(ctx, trained_image.image_id)
    save_annotation(ctx.sessions, trained_image.image_id, "other", "2", source_id=ids[0] + 20)
    run = submit_fit_probe(ctx, trained_image.image_id)
    assert [v.metrics["n_labels"] for v in versions(ctx, "probe")] == [10, 11]
    assert run.result["version"] == 2


def test_pseudo_labels_stay_out_of_annotations_and_exports(trained_image: LearningImage) -> None:
    ctx = trained_image.context()
    label(trained_image, ctx, 16)
    run = submit_fit_probe(ctx, trained_image.image_id, {"pseudo": {"start": 0.3, "end": 0.3, "rounds": 1}})
    assert run.status == "done", run.error
    with ctx.sessions() as session:
        pseudo = session.scalars(select(PseudoLabel)).all()
        assert pseudo, "a 0.3 threshold over 2 classes must let pseudo-labels in"
        assert session.scalar(select(func.count(Annotation.id))) == 16
        pseudo_ids = [p.source_id for p in pseudo]
        assert session.scalar(select(func.count(Source.id)).where(
            Source.id.in_(pseudo_ids), Source.label_class.is_not(None))) == 0
        exported = export_image(session, trained_image.image_id, "csv")
    text = exported.content.decode() if isinstance(exported.content, bytes) else exported.content
    rows = list(csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#")))
    assert sum(1 for row in rows if row["class"]) == 16  # the human labels, not one pseudo-label more
    curated = {"class_mode", "class_mean", "class_ds", "class_adjudicated", "class_reference", "class_curated"}
    assert all(key in curated or key == "class" or not key.startswith("class") or key == "class_ann"
               for key in rows[0])  # no class_<pseudo-annotator> column (the curated columns are issue 9's)
