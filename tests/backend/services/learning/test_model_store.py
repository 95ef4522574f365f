"""Model versions and their files (backend/services/learning/model_store.py): numbering per image and kind,
the newest encoder with embeddings, 409s saying what to do, embeddings saved and loaded (cached by mtime)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import ModelVersion
from backend.db.session import session_scope
from backend.errors import ConflictError, NotFoundError
from backend.services.learning import model_store
from backend.services.learning.model_store import (
    EmbeddingSet,
    get_version,
    latest_version,
    load_embeddings,
    models_dir,
    next_version,
    require_encoder,
    save_embeddings,
    version_public,
)
from tests.backend.labels_db import add_image
from tests.backend.services.conftest import add_sources
from tests.backend.services.learning.conftest import add_encoder


def emb_set(n: int = 3, dim: int = 4, seed: int = 0) -> EmbeddingSet:
    rng = np.random.default_rng(seed)
    return EmbeddingSet(rng.normal(size=(n, dim)).astype(np.float32), rng.uniform(0, 100, (n, 2)),
                        np.arange(1, n + 1, dtype=np.int64))


def test_versions_are_numbered_per_image_and_kind(sessions: sessionmaker[Session], data_dir: Path,
                                                  image_id: int) -> None:
    add_sources(sessions, image_id, [(1, 1), (10, 10)])
    other = add_image(sessions, name="other")
    with sessions() as session:
        assert next_version(session, image_id, "byol") == 1 and latest_version(session, image_id, "byol") is None
    first = add_encoder(sessions, data_dir, image_id)
    second = add_encoder(sessions, data_dir, image_id, embedded=False)  # trained, not embedded yet
    with sessions() as session:
        assert next_version(session, image_id, "byol") == 3
        assert next_version(session, image_id, "probe") == 1 and next_version(session, other, "byol") == 1
        assert latest_version(session, image_id, "byol").id == second  # type: ignore[union-attr]
        assert latest_version(session, image_id, "byol", embedded=True).id == first  # type: ignore[union-attr]
        assert require_encoder(session, image_id).id == first
        assert latest_version(session, other, "byol") is None
    assert models_dir(data_dir, image_id) == data_dir / "models" / str(image_id)


def test_missing_versions_say_what_to_do(sessions: sessionmaker[Session], image_id: int) -> None:
    with sessions() as session:
        with pytest.raises(ConflictError, match=rf"image {image_id} has no embeddings yet: pretrain an encoder first "
                                                rf"\(POST /api/images/{image_id}/learning/pretrain or `skylabel train"):
            require_encoder(session, image_id)
        with pytest.raises(NotFoundError, match=r"no model version with id 5; GET /api/images/\{id\}/learning"):
            get_version(session, 5)


def test_version_public(sessions: sessionmaker[Session], data_dir: Path, image_id: int) -> None:
    add_sources(sessions, image_id, [(1, 1)])
    version_id = add_encoder(sessions, data_dir, image_id)
    with sessions() as session:
        public = version_public(get_version(session, version_id))
    assert public["id"] == version_id and public["kind"] == "byol" and public["version"] == 1
    assert public["path"].startswith(f"models/{image_id}/") and public["task_id"] is None
    assert set(public) == {"id", "kind", "version", "parent_id", "task_id", "path", "config", "metrics", "labels",
                           "artefacts", "created_at"}


def test_embeddings_round_trip_and_index_their_positions(tmp_path: Path) -> None:
    original = emb_set()
    save_embeddings(tmp_path / "v1", original)
    assert sorted(p.name for p in (tmp_path / "v1").iterdir()) == ["embeddings.npy", "positions.npy",
                                                                   "source_ids.npy"]  # no temporary files left
    version = ModelVersion(image_id=1, kind="byol", version=1, path="v1", artefacts={"embeddings": {"n": 3}})
    loaded = load_embeddings(tmp_path, version)
    np.testing.assert_array_equal(loaded.embeddings, original.embeddings)
    np.testing.assert_array_equal(loaded.positions, original.positions)
    assert loaded.source_ids.tolist() == [1, 2, 3] and len(loaded) == 3
    x, y = original.positions[:, 0], original.positions[:, 1]
    assert loaded.index.rows(x + 0.5, y).tolist() == [0, 1, 2]


def test_embeddings_are_cached_until_their_files_change(tmp_path: Path) -> None:
    save_embeddings(tmp_path / "v1", emb_set(seed=1))
    version = ModelVersion(image_id=1, kind="byol", version=1, path="v1", artefacts={"embeddings": {"n": 3}})
    first = load_embeddings(tmp_path, version)
    assert load_embeddings(tmp_path, version) is first
    save_embeddings(tmp_path / "v1", emb_set(n=5, seed=2))
    later = os.stat(tmp_path / "v1" / "embeddings.npy").st_mtime + 10
    os.utime(tmp_path / "v1" / "embeddings.npy", (later, later))  # a re-embed, whatever the clock resolution
    reloaded = load_embeddings(tmp_path, version)
    assert reloaded is not first and len(reloaded) == 5


def test_the_cache_holds_a_few_encoders_only(tmp_path: Path) -> None:
    for i in range(model_store.CACHE_SIZE + 3):
        save_embeddings(tmp_path / f"v{i}", emb_set(seed=i))
        load_embeddings(tmp_path, ModelVersion(image_id=1, kind="byol", version=i, path=f"v{i}",
                                               artefacts={"embeddings": {"n": 3}}))
        assert len(model_store._cache) <= model_store.CACHE_SIZE


def test_missing_embeddings_name_the_files_and_the_fix(tmp_path: Path) -> None:
    save_embeddings(tmp_path / "v1", emb_set())
    (tmp_path / "v1" / "positions.npy").unlink()
    version = ModelVersion(image_id=4, kind="byol", version=2, path="v1", artefacts={"embeddings": {"n": 3}})
    with pytest.raises(ConflictError, match=r"encoder v2 of image 4 has no embeddings \(positions.npy missing "
                                            r"under .*v1\): run the embed task"):
        load_embeddings(tmp_path, version)
    not_embedded = ModelVersion(image_id=4, kind="byol", version=3, path="v2", artefacts={})
    save_embeddings(tmp_path / "v2", emb_set())
    with pytest.raises(ConflictError, match=r"\(not computed missing"):
        load_embeddings(tmp_path, not_embedded)


def test_pickles_are_never_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "v1"
    save_embeddings(folder, emb_set())
    np.save(folder / "source_ids.npy", np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    version = ModelVersion(image_id=1, kind="byol", version=9, path="v1", artefacts={"embeddings": {"n": 3}})
    with pytest.raises(ValueError, match="allow_pickle"):
        load_embeddings(tmp_path, version)


def test_the_newest_encoder_s_rows_are_its_deduplicated_sources(sessions: sessionmaker[Session], data_dir: Path,
                                                               image_id: int) -> None:
    _, ids = add_sources(sessions, image_id, [(1, 1), (1.5, 1), (40, 40)])  # two within 1 px: one row
    add_encoder(sessions, data_dir, image_id)
    with session_scope(sessions) as session:
        version = require_encoder(session, image_id)
        emb = load_embeddings(data_dir, version)
    assert (data_dir / version.path).is_dir()
    assert len(emb) == 2 and emb.source_ids.tolist() == [ids[0], ids[2]]
    assert emb.index.rows(np.array([1.5, 40.0]), np.array([1.0, 40.0])).tolist() == [0, 1]
