"""Where an image's learning loop stands (backend/services/learning/status.py): encoder, embeddings, probe,
the accuracy-versus-labels history and the tasks still running."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.errors import NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.learning.status import learning_status
from backend.services.task_runs import begin, finish, submit_run
from tests.backend.labels_db import add_image
from tests.backend.services.conftest import add_sources
from tests.backend.services.learning.conftest import add_encoder, add_probe_row


def status(sessions: sessionmaker[Session], image_id: int) -> dict:
    with sessions() as session:
        return learning_status(session, image_id)


def test_a_fresh_image_has_nothing_yet(sessions: sessionmaker[Session], image_id: int) -> None:
    found = status(sessions, image_id)
    assert found == {"image_id": image_id, "has_encoder": False, "encoder": None, "embeddings": None, "probe": None,
                     "n_labels": 0, "validation_accuracy": None, "history": [], "active_tasks": []}
    with pytest.raises(NotFoundError, match="no image with id 99"):
        status(sessions, 99)


def test_encoder_embeddings_probe_and_history(sessions: sessionmaker[Session], data_dir: Path,
                                              image_id: int) -> None:
    _, ids = add_sources(sessions, image_id, [(1, 1), (10, 10), (20, 20)])
    embedded = add_encoder(sessions, data_dir, image_id)
    newer = add_encoder(sessions, data_dir, image_id, embedded=False)  # trained, embedding still to come
    add_probe_row(sessions, image_id, embedded, ["1", "4"], n_labels=2, validation_accuracy=None)
    last = add_probe_row(sessions, image_id, embedded, ["1", "4"], n_labels=3, validation_accuracy=0.75,
                         validation="5-fold cross-validation on the labels", n_pseudo=0,
                         skipped_labels={"not_embedded": 1, "unknown_class": 0})
    for sid in ids[:2]:
        save_annotation(sessions, image_id, "alice", "1", source_id=sid)
    found = status(sessions, image_id)
    assert found["has_encoder"] and found["encoder"]["model_version"] == newer
    assert found["encoder"]["version"] == 2 and found["encoder"]["kind"] == "test"
    assert found["encoder"]["steps"] == 3 and found["encoder"]["n_cutouts"] == 3
    assert found["embeddings"]["model_version"] == embedded and found["embeddings"]["n"] == 3
    assert found["probe"]["model_version"] == last and found["probe"]["version"] == 2
    assert found["probe"]["encoder_version_id"] == embedded
    assert found["probe"]["skipped_labels"] == {"not_embedded": 1, "unknown_class": 0}
    assert found["validation_accuracy"] == 0.75 and found["n_labels"] == 2  # labelled sources now
    assert [(h["version"], h["n_labels"], h["validation_accuracy"]) for h in found["history"]] == [
        (1, 2, None), (2, 3, 0.75)]  # oldest first: the accuracy-versus-labels plot


def test_active_tasks_are_the_queued_and_running_ones_of_this_image(sessions: sessionmaker[Session],
                                                                    image_id: int) -> None:
    queued, _ = submit_run(sessions, "pretrain", image_id, {"steps": 1})
    running, _ = submit_run(sessions, "embed", image_id, {})
    begin(sessions, running.id)
    done, _ = submit_run(sessions, "predict", image_id, {})
    begin(sessions, done.id)
    finish(sessions, done.id, {}, "ok")
    other = add_image(sessions, name="other")
    submit_run(sessions, "pretrain", other, {})
    active = status(sessions, image_id)["active_tasks"]
    assert [(t["id"], t["name"], t["status"]) for t in active] == [(queued.id, "pretrain", "queued"),
                                                                   (running.id, "embed", "running")]
    assert set(active[0]) == {"id", "name", "status", "progress", "message"}
