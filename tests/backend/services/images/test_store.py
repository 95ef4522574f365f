"""The image store (backend/services/images/store.py): atomic ingest (files and row together or neither),
lookup with helpful 404s, listing order, deletion of row and files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.tables import Band, Image, Rendition
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.images import store
from backend.services.images.store import (
    delete_image,
    find_image_by_name,
    ingest_image,
    list_images,
    load_image,
)
from backend.services.labelling.projects import default_project
from backend.settings import Settings
from tests.backend.fits_factory import write_band
from tiles.errors import GridMismatchError
from tiles.ingest import BandInput


def inputs(bands: dict[str, Path]) -> list[BandInput]:
    return [BandInput(name=name, path=path) for name, path in bands.items()]


def image_folders(settings: Settings) -> list[Path]:
    return sorted(p for p in settings.images_dir.iterdir()) if settings.images_dir.is_dir() else []


def n_images(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(Image.id))) or 0


def test_ingest_writes_the_row_and_the_cogs(settings: Settings, sessions: sessionmaker[Session],
                                            small_bands: dict[str, Path]) -> None:
    stages: list[tuple[str, float]] = []
    image_id = ingest_image(settings, sessions, "  NGC 628 / east  ", inputs(small_bands),
                            progress=lambda stage, fraction: stages.append((stage, fraction)))
    with sessions() as session:
        image = load_image(session, image_id)
        assert image.name == "NGC 628 / east"  # stripped
        assert (image.width, image.height) == (64, 48)
        assert [b.name for b in image.bands] == ["F435W", "F555W", "F814W"]  # the order given
        assert [b.position for b in image.bands] == [0, 1, 2]
        assert image.default_rendition in [r.name for r in image.renditions]
        assert image.project_id == default_project(session).id
        assert image.wcs_header and "RA---TAN" in image.wcs_header
        assert all(b.photflam == pytest.approx(1e-19) and b.stats for b in image.bands)
        folder = settings.data_dir / image.folder
        assert folder.parent == settings.images_dir and folder.name.startswith("NGC-628-east-")
        assert all((folder / b.cog).is_file() for b in image.bands)
        assert all((folder / r.cog).is_file() for r in image.renditions)
    assert stages and all(0.0 <= f <= 1.0 for _, f in stages)


def test_a_taken_name_is_refused_before_any_file_is_written(settings: Settings, sessions: sessionmaker[Session],
                                                            small_bands: dict[str, Path]) -> None:
    first = ingest_image(settings, sessions, "field", inputs(small_bands))
    before = image_folders(settings)
    with pytest.raises(ConflictError, match=rf"an image named 'field' already exists \(id {first}\); choose"):
        ingest_image(settings, sessions, " field ", inputs(small_bands))
    assert image_folders(settings) == before and n_images(sessions) == 1


def test_an_empty_name_is_refused(settings: Settings, sessions: sessionmaker[Session],
                                  small_bands: dict[str, Path]) -> None:
    with pytest.raises(ConflictError, match="non-empty name"):
        ingest_image(settings, sessions, "   ", inputs(small_bands))
    assert n_images(sessions) == 0 and image_folders(settings) == []


def test_a_name_longer_than_the_column_is_refused_before_any_cog_is_built(
        settings: Settings, sessions: sessionmaker[Session], small_bands: dict[str, Path]) -> None:
    with pytest.raises(InputError, match="image name is 201 characters long: at most 200"):
        ingest_image(settings, sessions, "n" * 201, inputs(small_bands))  # PostgreSQL refused it only after
    long_band = [BandInput(name="b" * 101, path=small_bands["F555W"])]
    with pytest.raises(InputError, match="band name 'bbbbbbbbbbbbbbbbbbbb'... is 101 characters long: at most 100"):
        ingest_image(settings, sessions, "field", long_band)
    assert n_images(sessions) == 0 and image_folders(settings) == []


def test_bands_on_different_grids_leave_nothing_behind(settings: Settings, sessions: sessionmaker[Session],
                                                       small_bands: dict[str, Path], tmp_path: Path) -> None:
    odd = write_band(tmp_path / "odd.fits", width=60, height=48, bright=None)
    with pytest.raises(GridMismatchError):
        ingest_image(settings, sessions, "odd", [*inputs(small_bands), BandInput(name="F336W", path=odd)])
    assert n_images(sessions) == 0
    assert image_folders(settings) == []  # not even a partial folder


def test_a_failed_database_write_removes_the_built_folder(settings: Settings, sessions: sessionmaker[Session],
                                                          small_bands: dict[str, Path],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> Image:
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_image_from_manifest", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_image(settings, sessions, "field", inputs(small_bands))
    assert image_folders(settings) == [] and n_images(sessions) == 0


def test_slugs_are_safe_folder_names() -> None:
    assert store._slug("NGC 628 / east") == "NGC-628-east"
    assert store._slug("m51_f555w.v2") == "m51_f555w.v2"
    assert store._slug("../../etc") == "..-..-etc"  # no slash survives: the folder stays under images/
    assert store._slug("???") == "image"
    assert len(store._slug("x" * 200)) == 60


def test_lookup_listing_and_unknown_ids(settings: Settings, sessions: sessionmaker[Session],
                                        small_bands: dict[str, Path]) -> None:
    a = ingest_image(settings, sessions, "b-first", inputs(small_bands))
    b = ingest_image(settings, sessions, "a-second", inputs({"F555W": small_bands["F555W"]}))
    with sessions() as session:
        assert [i.id for i in list_images(session)] == [a, b]  # by id, not by name
        assert [len(i.bands) for i in list_images(session)] == [3, 1]
        found = find_image_by_name(session, "a-second")
        assert found is not None and found.id == b
        assert find_image_by_name(session, "A-SECOND") is None
        with pytest.raises(NotFoundError, match=r"no image with id 99; GET /api/images lists"):
            load_image(session, 99)


def test_delete_removes_the_row_its_bands_and_its_files(settings: Settings, sessions: sessionmaker[Session],
                                                        small_bands: dict[str, Path]) -> None:
    keep = ingest_image(settings, sessions, "keep", inputs(small_bands))
    gone = ingest_image(settings, sessions, "gone", inputs(small_bands))
    with sessions() as session:
        folder = settings.data_dir / load_image(session, gone).folder
    delete_image(settings, sessions, gone)
    assert not folder.exists() and len(image_folders(settings)) == 1
    with sessions() as session:
        assert [i.id for i in list_images(session)] == [keep]
        assert session.scalar(select(func.count(Band.id)).where(Band.image_id == gone)) == 0
        assert session.scalar(select(func.count(Rendition.id)).where(Rendition.image_id == gone)) == 0
    with pytest.raises(NotFoundError):
        delete_image(settings, sessions, gone)
