"""Model versions and their files under ``<data_dir>/models/<image_id>/``.

Each encoder (``byol``) and probe (``probe``) version of an image is a ``model_versions`` row numbered per
image and kind, plus a folder: ``byol-run<task id>/`` holds the BYOL checkpoint (and, once embedded,
``embeddings.npy`` with the 0-based pixel positions ``positions.npy`` and representative ``source_ids.npy``
of its rows); ``probe-v<n>/`` holds the probe session (:meth:`models.session.ModelSession.save`, data only)
and ``labels.json``. Files are loaded with ``allow_pickle=False``; embeddings are cached in memory by path
and modification time, because the live loop reads them after every label.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.learning import ModelVersion
from backend.errors import ConflictError, NotFoundError
from backend.services.learning.data import PositionIndex

EMBEDDING_FILES = ("embeddings.npy", "positions.npy", "source_ids.npy")


def models_dir(data_dir: Path, image_id: int) -> Path:
    return data_dir / "models" / str(image_id)


def next_version(session: Session, image_id: int, kind: str) -> int:
    last = session.scalar(select(func.max(ModelVersion.version)).where(
        ModelVersion.image_id == image_id, ModelVersion.kind == kind))
    return int(last or 0) + 1


def latest_version(session: Session, image_id: int, kind: str, embedded: bool = False) -> ModelVersion | None:
    """The newest version of ``kind`` (with ``embedded``: the newest encoder whose embeddings exist)."""
    query = select(ModelVersion).where(ModelVersion.image_id == image_id, ModelVersion.kind == kind)
    for version in session.scalars(query.order_by(ModelVersion.version.desc())):
        if not embedded or version.artefacts.get("embeddings"):
            return version
    return None


def get_version(session: Session, version_id: int) -> ModelVersion:
    version = session.get(ModelVersion, version_id)
    if version is None:
        raise NotFoundError(f"no model version with id {version_id}; GET /api/images/{{id}}/learning "
                            "lists them")
    return version


def require_encoder(session: Session, image_id: int) -> ModelVersion:
    """The newest encoder with embeddings, or a 409 saying what to do first."""
    found = latest_version(session, image_id, "byol", embedded=True)
    if found is None:
        raise ConflictError(f"image {image_id} has no embeddings yet: pretrain an encoder first "
                            f"(POST /api/images/{image_id}/learning/pretrain or `skylabel train {image_id}`)")
    return found


def version_public(version: ModelVersion) -> dict[str, Any]:
    return {"id": version.id, "kind": version.kind, "version": version.version,
            "parent_id": version.parent_id, "task_id": version.task_run_id, "path": version.path,
            "config": version.config, "metrics": version.metrics, "labels": version.labels,
            "artefacts": version.artefacts, "created_at": version.created_at}


@dataclass(frozen=True)
class EmbeddingSet:
    """Embeddings (M, D) of an encoder version, 0-based positions (M, 2) and source ids (M,) of its rows."""

    embeddings: np.ndarray
    positions: np.ndarray
    source_ids: np.ndarray
    probe_sessions: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def index(self) -> PositionIndex:
        return PositionIndex(self.positions[:, 0], self.positions[:, 1])

    def __len__(self) -> int:
        return int(self.embeddings.shape[0])


def save_embeddings(folder: Path, embedding_set: EmbeddingSet) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in zip(EMBEDDING_FILES, (embedding_set.embeddings, embedding_set.positions,
                                             embedding_set.source_ids), strict=True):
        tmp = folder / f"{name}.tmp.npy"
        np.save(tmp, array)
        tmp.replace(folder / name)


_cache: dict[Path, tuple[float, EmbeddingSet]] = {}
_cache_lock = threading.Lock()
CACHE_SIZE = 4


def load_embeddings(data_dir: Path, version: ModelVersion) -> EmbeddingSet:
    """The embeddings of an encoder version (cached while the files are unchanged)."""
    folder = data_dir / version.path
    paths = [folder / name for name in EMBEDDING_FILES]
    missing = [p.name for p in paths if not p.is_file()]
    if missing or not version.artefacts.get("embeddings"):
        raise ConflictError(f"encoder v{version.version} of image {version.image_id} has no embeddings "
                            f"({', '.join(missing) or 'not computed'} missing under {folder}): run the "
                            "embed task")
    stamp = max(p.stat().st_mtime for p in paths)
    with _cache_lock:
        hit = _cache.get(folder)
        if hit is not None and hit[0] == stamp:
            return hit[1]
    loaded = EmbeddingSet(*(np.load(p, allow_pickle=False) for p in paths))
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[folder] = (stamp, loaded)
    return loaded
