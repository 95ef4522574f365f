"""The image of the AI-loop tests: real sources on a real image, built once per session and copied per test.

The image is SDSS g, r, i of one field (../shared/data/images/sdss_gri, 496 x 682 px on one TAN grid) with its
sep detections at 5 sigma on r (about 500 sources); without the shared data, a synthetic 3-band field with
Gaussian stars stands in, so the worker logic is still tested. ``trained`` adds an encoder pretrained with a
tiny ResNet on 16 px cutouts and the embeddings (seconds on a CPU). Each test gets its own copy of the data
directory (database and files), so tests never see each other's labels or models.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from sqlalchemy import select

from backend.db.session import make_engine, make_sessionmaker, session_scope
from backend.db.sources import Source
from backend.services.images.detection import DetectParams, detect_into_layer
from backend.services.images.store import ingest_image
from backend.settings import Settings
from backend.worker.context import WorkerContext
from backend.worker.dispatch import InlineDispatcher
from backend.worker.events import Publisher
from backend.worker.runner import run_task
from tests.backend.fits_factory import tan_header
from tests.conftest import SHARED_DATA
from tiles.ingest import BandInput

SDSS = SHARED_DATA / "images" / "sdss_gri"
TINY_PRETRAIN: dict[str, Any] = {"steps": 4, "batch_size": 16, "encoder": "resnet", "size": 16,
                                 "encoder_options": {"widths": [8, 16], "out_dim": 16}, "checkpoint_every": 2}


class Recorder:
    """A publisher that keeps every event, for assertions."""

    def __init__(self) -> None:
        self.events: list[tuple[int, str, dict[str, Any]]] = []

    def publish(self, image_id: int, kind: str, data: dict[str, Any]) -> None:
        self.events.append((image_id, kind, data))

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [data for _, k, data in self.events if k == kind]


@dataclass
class LearningImage:
    settings: Settings
    image_id: int

    def context(self, events: Publisher | None = None) -> WorkerContext:
        """A worker context running tasks inline (as the CLI does) on this copy's database."""
        self.settings.ensure_dirs()
        sessions = make_sessionmaker(make_engine(self.settings.resolved_database_url))
        ctx = WorkerContext(self.settings, sessions, events or Recorder(), inline=True)
        ctx.dispatcher = InlineDispatcher(partial(run_task, ctx))
        return ctx

    def source_ids(self, ctx: WorkerContext, n: int | None = None) -> list[int]:
        with ctx.sessions() as session:
            ids = list(session.scalars(select(Source.id).where(Source.image_id == self.image_id)
                                       .order_by(Source.id)))
        return ids[:n] if n else ids


def _synthetic_bands(folder: Path) -> list[BandInput]:
    """Three 200 x 160 px bands with 60 Gaussian stars and noise (sigma 0.1), sharing one TAN header."""
    rng = np.random.default_rng(1)
    folder.mkdir(parents=True, exist_ok=True)
    yy, xx = np.mgrid[0:160, 0:200]
    stars = rng.uniform([8, 8], [192, 152], size=(60, 2))
    inputs = []
    for i, name in enumerate(("g", "r", "i")):
        data = rng.normal(1.0, 0.1, (160, 200))
        for sx, sy in stars:
            data += (2.0 + 3 * i) * np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * 1.5**2))
        path = folder / f"{name}.fits"
        fits.PrimaryHDU(data.astype(np.float32), header=tan_header(200, 160)).writeto(path)
        inputs.append(BandInput(name=name, path=path))
    return inputs


def build_image(root: Path, database_url: str | None = None) -> LearningImage:
    """Ingest the field into ``root`` (SQLite there, or ``database_url``) and detect its sources."""
    settings = Settings(data_dir=root, frontend_dir=root / "no-frontend", database_url=database_url)
    settings.ensure_dirs()
    engine = make_engine(settings.resolved_database_url)
    from backend.db.migrate import upgrade

    upgrade(engine)
    sessions = make_sessionmaker(engine)
    if SDSS.is_dir():
        bands = [BandInput(name=b, path=SDSS / f"reprojected_sdss_{b}.fits") for b in "gri"]
    else:
        bands = _synthetic_bands(root.parent / "fits")
    image_id = ingest_image(settings, sessions, "field", bands)
    with session_scope(sessions) as session:
        detect_into_layer(session, root, image_id, DetectParams(bands=["r"], threshold=5.0))
    engine.dispose()  # the copies open their own
    return LearningImage(settings, image_id)


def copy_image(template: LearningImage, target: Path) -> LearningImage:
    shutil.copytree(template.settings.data_dir, target)
    return LearningImage(Settings(data_dir=target, frontend_dir=target / "no-frontend"), template.image_id)
