"""The probe's cross-validated accuracy (backend/services/learning/probe_accuracy.py): measured on the saved
session of a version and written into its metrics; a version a newer probe replaced is skipped, saying so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import session_scope
from backend.errors import ConflictError, NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.learning.model_store import get_version
from backend.services.learning.probe_accuracy import CV_FOLDS, record_accuracy
from backend.services.learning.probe_fitting import ProbeParams, fit_probe
from tests.backend.labels_db import add_image
from tests.backend.services.conftest import add_sources
from tests.backend.services.learning.conftest import add_encoder

N = 20


@pytest.fixture
def ids(sessions: sessionmaker[Session], data_dir: Path, image_id: int) -> list[int]:
    """20 sources whose embeddings separate the even ones (class "1") from the odd ones ("4")."""
    rng = np.random.default_rng(0)
    embeddings = rng.normal(scale=0.3, size=(N, 4))
    embeddings[:, 0] += np.where(np.arange(N) % 2 == 0, 2.0, -2.0)
    _, found = add_sources(sessions, image_id, [(5.0 + 12 * i, 50.0) for i in range(N)],
                           columns=[{"ci": float(i % 2)} for i in range(N)])
    add_encoder(sessions, data_dir, image_id, embeddings.astype(np.float32))
    return found


def label(sessions: sessionmaker[Session], image_id: int, ids: list[int], n: int, shuffle: bool = False) -> None:
    classes = ["1" if i % 2 == 0 else "4" for i in range(n)]
    if shuffle:  # labels unrelated to the embeddings
        classes = list(np.random.default_rng(3).permutation(classes))
    for sid, cls in zip(ids[:n], classes, strict=True):
        save_annotation(sessions, image_id, "alice", cls, source_id=sid)


def metrics(sessions: sessionmaker[Session], version_id: int) -> dict:
    with sessions() as session:
        return dict(get_version(session, version_id).metrics)


def test_the_accuracy_of_the_current_probe_is_stored(sessions: sessionmaker[Session], data_dir: Path,
                                                     image_id: int, ids: list[int]) -> None:
    label(sessions, image_id, ids, N)
    version_id = fit_probe(sessions, data_dir, image_id, ProbeParams()).version["id"]
    measured = record_accuracy(sessions, data_dir, image_id, version_id)
    assert (measured.version_id, measured.version, measured.superseded_by) == (version_id, 1, None)
    assert measured.accuracy == 1.0 and measured.n_labels == N and measured.seconds >= 0
    stored = metrics(sessions, version_id)
    assert stored["validation_accuracy"] == 1.0
    assert stored["validation"] == f"{CV_FOLDS}-fold cross-validation on the labels"
    assert stored["n_labels"] == N and stored["cv_seconds"] >= 0  # the fit's own metrics are kept
    assert stored["seconds"] >= stored["seconds_to_scores"]
    again = record_accuracy(sessions, data_dir, image_id, version_id)  # a retried task: the same answer
    assert again.accuracy == 1.0 and metrics(sessions, version_id)["validation_accuracy"] == 1.0


def test_labels_unrelated_to_the_embeddings_score_near_chance(sessions: sessionmaker[Session], data_dir: Path,
                                                              image_id: int, ids: list[int]) -> None:
    label(sessions, image_id, ids, N, shuffle=True)
    version_id = fit_probe(sessions, data_dir, image_id, ProbeParams()).version["id"]
    accuracy = record_accuracy(sessions, data_dir, image_id, version_id).accuracy
    assert accuracy is not None and accuracy <= 0.7


def test_features_are_read_for_a_probe_that_used_them(sessions: sessionmaker[Session], data_dir: Path,
                                                      image_id: int, ids: list[int]) -> None:
    label(sessions, image_id, ids, N)
    version_id = fit_probe(sessions, data_dir, image_id, ProbeParams(features=["ci"])).version["id"]
    assert record_accuracy(sessions, data_dir, image_id, version_id).accuracy == 1.0


def test_too_few_labels_give_no_accuracy(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                         ids: list[int]) -> None:
    label(sessions, image_id, ids, 2 * CV_FOLDS - 1)
    version_id = fit_probe(sessions, data_dir, image_id, ProbeParams()).version["id"]
    measured = record_accuracy(sessions, data_dir, image_id, version_id)
    assert measured.accuracy is None and measured.n_labels == 2 * CV_FOLDS - 1
    assert metrics(sessions, version_id)["validation_accuracy"] is None


def test_a_replaced_probe_is_skipped_and_says_why(sessions: sessionmaker[Session], data_dir: Path,
                                                  image_id: int, ids: list[int]) -> None:
    label(sessions, image_id, ids, 12)
    old = fit_probe(sessions, data_dir, image_id, ProbeParams()).version["id"]
    label(sessions, image_id, ids, 14)
    new = fit_probe(sessions, data_dir, image_id, ProbeParams()).version
    measured = record_accuracy(sessions, data_dir, image_id, old)
    assert measured.superseded_by == new["id"] and measured.accuracy is None
    stored = metrics(sessions, old)
    assert stored["validation_accuracy"] is None and stored["validation"] == "not computed: probe v2 replaced it first"


def test_refusals(sessions: sessionmaker[Session], data_dir: Path, image_id: int, ids: list[int]) -> None:
    label(sessions, image_id, ids, 12)
    version = fit_probe(sessions, data_dir, image_id, ProbeParams()).version
    other = add_image(sessions, name="other")
    with pytest.raises(ConflictError, match=f"model version {version['id']} is not a probe of image {other}"):
        record_accuracy(sessions, data_dir, other, version["id"])
    with pytest.raises(ConflictError, match=f"model version {version['parent_id']} is not a probe"):
        record_accuracy(sessions, data_dir, image_id, version["parent_id"])  # the encoder
    with pytest.raises(NotFoundError, match="no model version with id 999"):
        record_accuracy(sessions, data_dir, image_id, 999)
    with session_scope(sessions) as session:  # the encoder's embeddings are gone
        encoder = get_version(session, version["parent_id"])
        encoder.artefacts = {k: v for k, v in encoder.artefacts.items() if k != "embeddings"}
    with pytest.raises(ConflictError, match="the encoder of probe v1 has no embeddings: retrain the probe"):
        record_accuracy(sessions, data_dir, image_id, version["id"])


def test_the_probe_is_compared_with_photometric_features_on_the_same_labels(
        sessions: sessionmaker[Session], data_dir: Path, image_id: int) -> None:
    """The embeddings separate the classes, the photometric columns (mag_V, ci) weakly: the features-only
    accuracy is stored beside the probe's, and the labels the probe saves against them are positive."""
    n = 80
    rng = np.random.default_rng(1)
    embeddings = rng.normal(scale=0.3, size=(n, 4))
    embeddings[:, 0] += np.where(np.arange(n) % 2 == 0, 2.0, -2.0)
    columns = [{"ci": float(rng.normal() + (0.4 if i % 2 == 0 else -0.4)), "mag_V": float(22 + rng.normal()),
                "mag_err_V": 0.1, "flag": i % 2} for i in range(n)]
    _, found = add_sources(sessions, image_id, [(5.0 + 12 * (i % 20), 20.0 + 12 * (i // 20)) for i in range(n)],
                           columns=columns)
    add_encoder(sessions, data_dir, image_id, embeddings.astype(np.float32))
    label(sessions, image_id, found, n)
    version_id = fit_probe(sessions, data_dir, image_id, ProbeParams()).version["id"]
    record_accuracy(sessions, data_dir, image_id, version_id)
    stored = metrics(sessions, version_id)
    assert stored["features_baseline"] == ["ci", "mag_V"]  # not the error, not a flag
    assert stored["validation_accuracy"] == 1.0
    assert stored["features_only_accuracy"] is not None and stored["features_only_accuracy"] < 0.75
    assert stored["labels_compared"] == 64 and stored["labels_saved"] > 10
    assert stored["probe_labels_to_target"] < stored["features_labels_to_target"]


def test_without_photometric_columns_there_is_no_comparison(sessions: sessionmaker[Session], data_dir: Path,
                                                            image_id: int, ids: list[int]) -> None:
    label(sessions, image_id, ids, N)
    with session_scope(sessions) as session:  # the fixture's sources carry "ci": drop it
        from backend.db.sources import Source
        for source in session.query(Source).filter(Source.id.in_(ids)):
            source.columns = {}
    version_id = fit_probe(sessions, data_dir, image_id, ProbeParams()).version["id"]
    record_accuracy(sessions, data_dir, image_id, version_id)
    assert "labels_saved" not in metrics(sessions, version_id)
