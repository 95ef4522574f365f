"""The linear probe on the human labels (backend/services/learning/probe_fitting.py), on chosen embeddings:
a version per new label set, the same version for the same labels, predictions for every source, the
accuracy left to its own task, catalogue features and pseudo-labels, re-prediction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import ModelVersion, Prediction, PseudoLabel
from backend.errors import ConflictError, InputError
from backend.services.labelling.annotations import save_annotation
from backend.services.learning.model_store import load_embeddings, require_encoder
from backend.services.learning.probe_fitting import ProbeParams, fit_probe, prepare_probe, repredict
from tests.backend.labels_db import add_image
from tests.backend.services.conftest import add_sources
from tests.backend.services.learning.conftest import add_encoder

N = 24


@pytest.fixture
def field(sessions: sessionmaker[Session], data_dir: Path, image_id: int) -> list[int]:
    """24 sources whose 4-d embeddings say their class: first axis +2 for the even ones ("1"), -2 for the odd
    ones ("4"); column ``ci`` agrees."""
    rng = np.random.default_rng(0)
    truth = np.arange(N) % 2
    embeddings = rng.normal(scale=0.3, size=(N, 4))
    embeddings[:, 0] += np.where(truth == 0, 2.0, -2.0)
    columns = [{"ci": 1.0 if t == 0 else 2.0} for t in truth]
    _, ids = add_sources(sessions, image_id, [(5.0 + 10 * (i % 12), 5.0 + 20 * (i // 12)) for i in range(N)],
                         name="det", columns=columns)
    add_encoder(sessions, data_dir, image_id, embeddings.astype(np.float32))
    return ids


def label(sessions: sessionmaker[Session], image_id: int, ids: list[int], indices: range | list[int]) -> None:
    for i in indices:
        save_annotation(sessions, image_id, "alice", "1" if i % 2 == 0 else "4", source_id=ids[i])


def count(sessions: sessionmaker[Session], model: Any) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(model.id))) or 0


def test_probe_params_check_l2_and_round_trip() -> None:
    for bad in (0.0, -1.0, 2e6):
        with pytest.raises(InputError, match="l2 must be positive"):
            ProbeParams(l2=bad)
    params = ProbeParams(l2=0.5, features=["ci"])
    assert ProbeParams.from_dict({**params.to_dict(), "unknown": 1}) == params


def test_nothing_to_fit_says_what_to_do_first(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                              field: list[int]) -> None:
    with pytest.raises(ConflictError, match=f"image {image_id} has no labelled source with an embedding yet: "
                                            r"label some first \(0 labelled sources are not embedded\)"):
        fit_probe(sessions, data_dir, image_id, ProbeParams())
    _, (late,) = add_sources(sessions, image_id, [(250.0, 150.0)], name="late")  # not embedded
    save_annotation(sessions, image_id, "alice", "1", source_id=late)
    with pytest.raises(ConflictError, match=r"\(1 labelled sources are not embedded\)"):
        fit_probe(sessions, data_dir, image_id, ProbeParams())
    bare = add_image(sessions, name="bare")
    with pytest.raises(ConflictError, match="pretrain an encoder first"):
        fit_probe(sessions, data_dir, bare, ProbeParams())


def test_a_fit_records_a_version_and_scores_every_source_its_accuracy_pending(
        sessions: sessionmaker[Session], data_dir: Path, image_id: int, field: list[int]) -> None:
    label(sessions, image_id, field, range(12))
    published: list[tuple[dict[str, Any], dict[str, Any]]] = []
    fitted = fit_probe(sessions, data_dir, image_id, ProbeParams(),
                       on_scores=lambda version, scores: published.append((version, scores)))
    version = fitted.version
    with sessions() as session:
        encoder = require_encoder(session, image_id)
    assert (version["kind"], version["version"], version["parent_id"]) == ("probe", 1, encoder.id)
    assert version["config"]["classes"] == ["1", "2", "3", "4"] and version["config"]["l2"] == 1.0
    assert version["metrics"]["n_labels"] == 12
    assert version["metrics"]["skipped_labels"] == {"not_embedded": 0, "unknown_class": 0}
    assert version["metrics"]["validation_accuracy"] is None  # measured by its own task (probe_accuracy)
    assert version["metrics"]["validation"] == "5-fold cross-validation on the labels (pending)"
    assert fitted.scores is not None and fitted.scores["n"] == N and fitted.scores["n_changed"] == N
    (at_scores, scores), = published
    assert at_scores == version and scores == fitted.scores  # the scores are published with the version
    folder = data_dir / version["path"]
    saved = json.loads((folder / "labels.json").read_text())
    assert saved["labels"] == {str(field[i]): "1" if i % 2 == 0 else "4" for i in range(12)}
    assert (folder / "session.json").is_file()
    with sessions() as session:
        predicted = dict(session.execute(select(Prediction.source_id, Prediction.class_)).all())
    assert predicted == {sid: "1" if i % 2 == 0 else "4" for i, sid in enumerate(field)}  # unlabelled ones too


def test_the_same_labels_reuse_the_version_and_a_new_one_makes_another(
        sessions: sessionmaker[Session], data_dir: Path, image_id: int, field: list[int]) -> None:
    label(sessions, image_id, field, range(4))
    first = fit_probe(sessions, data_dir, image_id, ProbeParams())
    again = fit_probe(sessions, data_dir, image_id, ProbeParams())
    assert again.version["id"] == first.version["id"] and again.scores is None
    assert count(sessions, ModelVersion) == 2  # the encoder and one probe
    other_l2 = fit_probe(sessions, data_dir, image_id, ProbeParams(l2=0.1))
    assert other_l2.version["version"] == 2  # other settings, another probe
    label(sessions, image_id, field, [4])
    third = fit_probe(sessions, data_dir, image_id, ProbeParams(l2=0.1))
    assert third.version["version"] == 3 and third.version["metrics"]["n_labels"] == 5
    save_annotation(sessions, image_id, "alice", "4", source_id=field[0])  # a changed label, same count
    changed = fit_probe(sessions, data_dir, image_id, ProbeParams(l2=0.1))
    assert changed.version["version"] == 4 and changed.scores is not None


def test_catalogue_features_are_appended(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                         field: list[int]) -> None:
    label(sessions, image_id, field, range(10))
    fitted = fit_probe(sessions, data_dir, image_id, ProbeParams(features=["ci"]))
    assert fitted.version["config"]["features"] == ["ci"]
    with sessions() as session:
        predicted = dict(session.execute(select(Prediction.source_id, Prediction.class_)).all())
    assert predicted == {sid: "1" if i % 2 == 0 else "4" for i, sid in enumerate(field)}
    with pytest.raises(InputError, match=r"catalogue column\(s\) mag have no numeric value"):
        fit_probe(sessions, data_dir, image_id, ProbeParams(features=["mag"]))


def test_pseudo_labels_are_stored_apart(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                        field: list[int]) -> None:
    label(sessions, image_id, field, range(6))
    fitted = fit_probe(sessions, data_dir, image_id,
                       ProbeParams(pseudo={"start": 0.5, "end": 0.5, "rounds": 1, "max_count": 4}))
    n_pseudo = fitted.version["metrics"]["n_pseudo"]
    assert 0 < n_pseudo <= 4 and count(sessions, PseudoLabel) == n_pseudo
    with sessions() as session:
        pseudo = session.execute(select(PseudoLabel.source_id, PseudoLabel.class_)).all()
    labelled = set(field[:6])
    assert all(sid not in labelled and cls == ("1" if field.index(sid) % 2 == 0 else "4") for sid, cls in pseudo)
    from backend.db.annotations import Annotation

    assert count(sessions, Annotation) == 6  # the model's opinion never becomes an annotation


def test_repredict_writes_the_newest_probe_s_scores_again(sessions: sessionmaker[Session], data_dir: Path,
                                                          image_id: int, field: list[int]) -> None:
    with pytest.raises(ConflictError, match=f"image {image_id} has no probe yet: label some sources"):
        repredict(sessions, data_dir, image_id)
    label(sessions, image_id, field, range(6))
    fitted = fit_probe(sessions, data_dir, image_id, ProbeParams(features=["ci"]))
    with sessions() as session:
        before = dict(session.execute(select(Prediction.source_id, Prediction.score)).all())
    result = repredict(sessions, data_dir, image_id)
    assert result["model_version"] == fitted.version["id"] and result["n"] == N and result["n_changed"] == 0
    with sessions() as session:
        after = dict(session.execute(select(Prediction.source_id, Prediction.score)).all())
    assert after == pytest.approx(before)


def test_prepare_builds_the_session_before_the_first_label(sessions: sessionmaker[Session], data_dir: Path,
                                                           image_id: int, field: list[int]) -> None:
    bare = add_image(sessions, name="bare")
    assert prepare_probe(sessions, data_dir, bare, ProbeParams()) is False
    assert prepare_probe(sessions, data_dir, image_id, ProbeParams()) is True
    with sessions() as session:
        emb = load_embeddings(data_dir, require_encoder(session, image_id))
    assert len(emb.probe_sessions) == 1  # the first refit will reuse it
