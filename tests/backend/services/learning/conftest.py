"""Fixtures of the learning-service tests: an "encoder" whose embeddings are written by the test.

Most learning services read an encoder's embeddings, not its network: a ``byol`` model version whose
``embeddings.npy`` the test chooses makes their behaviour exact (which source is most similar, which is most
uncertain) and needs no training. Only test_pretraining.py trains, a tiny network on a tiny image.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import ModelVersion
from backend.db.session import session_scope
from backend.services.learning.data import deduplicate, image_sources
from backend.services.learning.model_store import EmbeddingSet, models_dir, next_version, save_embeddings


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def add_encoder(sessions: sessionmaker[Session], data_dir: Path, image_id: int,
                embeddings: np.ndarray | None = None, embedded: bool = True, seed: int = 0) -> int:
    """A ``byol`` version of the image embedding its de-duplicated sources (as embed_sources stores them).

    ``embeddings`` (one row per kept source, in (layer, id) order) default to random 8-d vectors.
    """
    with sessions() as session:
        table = image_sources(session, image_id)
    keep = deduplicate(table.x, table.y)
    if embeddings is None:
        embeddings = np.random.default_rng(seed).normal(size=(keep.size, 8)).astype(np.float32)
    assert len(embeddings) == keep.size, "one embedding row per de-duplicated source"
    with session_scope(sessions) as session:
        number = next_version(session, image_id, "byol")
        folder = models_dir(data_dir, image_id) / f"byol-test{number}"
        artefacts: dict = {"checkpoint": "checkpoint.pt"}
        if embedded:
            save_embeddings(folder, EmbeddingSet(np.asarray(embeddings, dtype=np.float32),
                                                 np.column_stack([table.x[keep], table.y[keep]]), table.ids[keep]))
            artefacts["embeddings"] = {"n": int(keep.size), "dim": int(embeddings.shape[1]),
                                       "n_sources": len(table)}
        version = ModelVersion(image_id=image_id, kind="byol", version=number, path=str(folder.relative_to(data_dir)),
                               config={"encoder_spec": {"kind": "test"}},
                               metrics={"steps": 3, "final_loss": 0.5, "n_cutouts": int(keep.size)},
                               labels={}, artefacts=artefacts)
        session.add(version)
        session.flush()
        return version.id


def add_probe_row(sessions: sessionmaker[Session], image_id: int, encoder_id: int,
                  classes: list[str], **metrics: object) -> int:
    """A ``probe`` version row (no files) of ``classes``, for services that only read its row."""
    with session_scope(sessions) as session:
        version = ModelVersion(image_id=image_id, kind="probe", version=next_version(session, image_id, "probe"),
                               parent_id=encoder_id, path=f"models/{image_id}/probe", config={"classes": classes},
                               metrics=dict(metrics), labels={}, artefacts={})
        session.add(version)
        session.flush()
        return version.id
