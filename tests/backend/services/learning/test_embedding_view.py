"""The embedding space for people (backend/services/learning/embedding_view.py): a 2-D PCA map with labels
and scores, and "more like this" by cosine similarity."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import session_scope
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.learning.embedding_view import embedding_map, pca_2d, similar_sources
from backend.services.learning.model_store import load_embeddings, require_encoder
from backend.services.learning.predictions import write_predictions
from tests.backend.services.conftest import add_sources
from tests.backend.services.learning.conftest import add_encoder, add_probe_row

# mean zero, so the centred cosines the service ranks by are the plain cosines of these rows
EMBEDDINGS = np.array([[2.0, 0.0, 0.0], [1.8, 0.2, 0.0], [0.0, 2.0, 0.0], [-3.8, -2.2, -2.0], [0.0, 0.0, 2.0]])


@pytest.fixture
def field(sessions: sessionmaker[Session], data_dir: Path, image_id: int) -> dict[str, list[int]]:
    """Five detections with chosen embeddings, a LEGUS duplicate of det[2] (0.5 px away), labelled "4"."""
    _, det = add_sources(sessions, image_id, [(10, 10), (20, 10), (30, 10), (40, 10), (50, 10)], name="det")
    _, legus = add_sources(sessions, image_id, [(30.5, 10)], name="legus", kind="reference")
    add_encoder(sessions, data_dir, image_id, EMBEDDINGS)
    save_annotation(sessions, image_id, "LEGUS-import", "4", source_id=legus[0])
    return {"det": det, "legus": legus}


def test_pca_finds_the_main_axes_with_a_fixed_sign() -> None:
    rng = np.random.default_rng(0)
    t = rng.normal(size=500)
    x = np.column_stack([3 * t, 3 * t, 0.1 * rng.normal(size=500), np.zeros(500)]) + [5.0, -2.0, 1.0, 7.0]
    coords, explained = pca_2d(x)
    assert coords.shape == (500, 2) and explained[0] > 0.99 and explained[0] >= explained[1] >= 0
    np.testing.assert_allclose(coords.mean(axis=0), 0.0, atol=1e-9)  # centred
    np.testing.assert_allclose(np.abs(np.corrcoef(coords[:, 0], t)[0, 1]), 1.0, atol=1e-6)
    flipped, _ = pca_2d(-x)  # the sign follows each axis' largest component, not the eigen-solver
    assert np.corrcoef(coords[:, 0], t)[0, 1] * np.corrcoef(flipped[:, 0], -t)[0, 1] > 0
    shifted, explained_shifted = pca_2d(x + 100.0)
    np.testing.assert_allclose(shifted, coords, atol=1e-6)
    assert explained_shifted == pytest.approx(explained)
    one, _ = pca_2d(np.ones((1, 3)))
    assert one.shape == (1, 2)


def test_the_map_has_every_row_with_labels_of_duplicates_and_predictions(
        sessions: sessionmaker[Session], data_dir: Path, image_id: int, field: dict[str, list[int]]) -> None:
    det = field["det"]
    with session_scope(sessions) as session:
        encoder = require_encoder(session, image_id)
        probe = add_probe_row(sessions, image_id, encoder.id, ["1", "4"])
        probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.5, 0.5], [0.4, 0.6]])
        write_predictions(session, image_id, probe, ["1", "4"], probs, load_embeddings(data_dir, encoder))
    with sessions() as session:
        found = embedding_map(session, data_dir, image_id)
    assert found["model_version"] == encoder.id and found["version"] == 1 and found["count"] == 5
    assert [i["source_id"] for i in found["items"]] == det
    by_id = {i["source_id"]: i for i in found["items"]}
    assert by_id[det[2]]["label_class"] == "4"  # labelled through its LEGUS duplicate
    assert [by_id[s]["label_class"] for s in (det[0], det[1], det[3], det[4])] == [None] * 4
    assert (by_id[det[0]]["class"], by_id[det[0]]["score"]) == ("1", pytest.approx(0.9))
    assert (by_id[det[2]]["class"], by_id[det[2]]["score"]) == ("4", pytest.approx(0.7))
    assert all(len(i["pc"]) == 2 for i in found["items"]) and len(found["explained_variance"]) == 2


def test_the_map_without_predictions_or_embeddings(sessions: sessionmaker[Session], data_dir: Path,
                                                   image_id: int, field: dict[str, list[int]]) -> None:
    with sessions() as session:
        items = embedding_map(session, data_dir, image_id)["items"]
        assert all(i["class"] is None and i["score"] is None for i in items)
        with pytest.raises(NotFoundError, match="no image with id 99"):
            embedding_map(session, data_dir, 99)
    from tests.backend.labels_db import add_image

    bare = add_image(sessions, name="bare")
    with sessions() as session, pytest.raises(ConflictError, match="pretrain an encoder first"):
        embedding_map(session, data_dir, bare)


def test_similar_sources_are_ranked_by_cosine(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                              field: dict[str, list[int]]) -> None:
    det = field["det"]
    with sessions() as session:
        found = similar_sources(session, data_dir, det[0], k=3)
    assert found["source_id"] == det[0] and found["too_young"] is False and found["note"] is None
    assert [i["source_id"] for i in found["items"]] == [det[1], det[2], det[4]]  # itself left out
    assert [i["similarity"] for i in found["items"]] == pytest.approx([0.99388, 0.0, 0.0], abs=1e-5)
    assert [i["distance"] for i in found["items"]] == pytest.approx([0.00612, 1.0, 1.0], abs=1e-5)
    assert [(i["rank"], i["farther"]) for i in found["items"]] == [(1, 0.75), (2, 0.5), (3, 0.25)]
    assert (found["items"][0]["x"], found["items"][0]["y"]) == (20.0, 10.0)
    assert found["items"][1]["label_class"] == "4"
    with sessions() as session:
        everyone = similar_sources(session, data_dir, det[0], k=500)["items"]
        assert len(everyone) == 4 and everyone[-1]["source_id"] == det[3]  # the opposite direction, last
        assert everyone[-1]["similarity"] == pytest.approx(-3.8 / np.sqrt(3.8**2 + 2.2**2 + 2.0**2), abs=1e-5)
        # a duplicate finds its row's neighbours: det[2]'s, whose nearest is det[1] (cosine 0.110)
        of_duplicate = similar_sources(session, data_dir, field["legus"][0], k=2)["items"]
        assert [i["source_id"] for i in of_duplicate] == [det[1], det[0]]


def test_an_encoder_that_sees_every_source_alike_says_so(sessions: sessionmaker[Session], data_dir: Path,
                                                         image_id: int) -> None:
    _, ids = add_sources(sessions, image_id, [(10.0 * i, 10.0) for i in range(1, 21)], name="det")
    rng = np.random.default_rng(0)
    young = np.array([5.0, 5.0, 5.0, 5.0]) + rng.normal(scale=0.01, size=(20, 4))  # raw cosines all ~1
    add_encoder(sessions, data_dir, image_id, young.astype(np.float32))
    with sessions() as session:
        found = similar_sources(session, data_dir, ids[0], k=5)
    assert found["too_young"] is True and found["raw_cosine_p5"] > 0.99
    assert "encoder v1 is too young to tell these sources apart" in found["note"] and "pretrain longer" in found["note"]
    assert len(found["items"]) == 5  # still answered, ranked on the centred embeddings


def test_a_lone_source_has_no_neighbours_and_no_verdict_on_the_encoder(sessions: sessionmaker[Session],
                                                                       data_dir: Path, image_id: int) -> None:
    _, (only,) = add_sources(sessions, image_id, [(10.0, 10.0)], name="det")
    add_encoder(sessions, data_dir, image_id, np.ones((1, 4), dtype=np.float32))
    with sessions() as session:
        found = similar_sources(session, data_dir, only, k=5)
    assert found["items"] == [] and found["too_young"] is False and found["note"] is None


def test_similar_sources_refusals(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                                  field: dict[str, list[int]]) -> None:
    _, (late,) = add_sources(sessions, image_id, [(200, 150)], name="late")
    with sessions() as session:
        for k in (0, 501):
            with pytest.raises(InputError, match=f"k must be 1 to 500, got {k}"):
                similar_sources(session, data_dir, field["det"][0], k=k)
        with pytest.raises(NotFoundError, match="no source with id 999"):
            similar_sources(session, data_dir, 999)
        with pytest.raises(NotFoundError, match=f"source {late} has no embedding .*: run the embed task again"):
            similar_sources(session, data_dir, late)
