"""The tile-serving cache (backend/services/images/serving_cache.py): one database read per image until it
is forgotten, renditions and bands by name, the WCS parsed once."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import session_scope
from backend.db.tables import Image
from backend.errors import NotFoundError
from backend.services.images.serving_cache import ImageView, PlaneView, ServingCache
from backend.services.images.store import ingest_image
from backend.settings import Settings
from tests.backend.labels_db import add_image
from tiles.errors import NoCelestialWcsError
from tiles.ingest import BandInput


@pytest.fixture
def ingested(settings: Settings, sessions: sessionmaker[Session], small_bands: dict[str, Path]) -> int:
    return ingest_image(settings, sessions, "field", [BandInput(n, p) for n, p in small_bands.items()])


def test_a_view_holds_what_a_tile_needs(settings: Settings, sessions: sessionmaker[Session], ingested: int) -> None:
    view = ServingCache(sessions, settings.data_dir).get(ingested)
    assert (view.id, view.name, view.width, view.height) == (ingested, "field", 64, 48)
    assert list(view.bands) == ["F435W", "F555W", "F814W"]
    assert all(p.cog.is_file() and len(p.stats) == 1 for p in view.bands.values())
    assert view.renditions and all(p.cog.is_file() for p in view.renditions.values())
    rgb = next(p for p in view.renditions.values() if len(p.stats) == 3)  # one stats entry per channel
    assert rgb.name in view.renditions
    assert view.version.startswith(f"{ingested}-") and view.version.split("-")[1].isdigit()
    assert view.rendition("colour") is view.renditions["colour"]
    assert view.rendition("F555W") is view.renditions["F555W"]  # the grey rendition, not the band
    assert view.rendition("F555W").cog == view.bands["F555W"].cog  # ... which reuses the band's COG


def test_a_band_without_a_rendition_of_its_name_is_addressable_too(tmp_path: Path) -> None:
    band = PlaneView("F336W", tmp_path / "b.tif", [{"median": 1.0}])
    grey = PlaneView("grey", tmp_path / "r.tif", [{"median": 2.0}])
    view = ImageView(1, "x", 10, 10, "1-0", bands={"F336W": band}, renditions={"grey": grey}, wcs_header=None)
    assert view.rendition("F336W") is band and view.rendition("grey") is grey
    with pytest.raises(NotFoundError, match="available: grey, F336W"):  # renditions first, then bands
        view.rendition("nope")


def test_an_unknown_rendition_lists_the_known_ones(settings: Settings, sessions: sessionmaker[Session],
                                                   ingested: int) -> None:
    view = ServingCache(sessions, settings.data_dir).get(ingested)
    with pytest.raises(NotFoundError, match=rf"image {ingested} has no rendition 'F999W'; available: .*F814W"):
        view.rendition("F999W")


def test_views_are_cached_until_forgotten(settings: Settings, sessions: sessionmaker[Session], ingested: int) -> None:
    cache = ServingCache(sessions, settings.data_dir)
    view = cache.get(ingested)
    with session_scope(sessions) as session:  # the row goes away behind the cache's back
        session.delete(session.get(Image, ingested))
    assert cache.get(ingested) is view  # no database read on the hot path
    cache.forget(ingested)
    cache.forget(ingested)  # forgetting twice (or an image never seen) is harmless
    with pytest.raises(NotFoundError, match=f"no image with id {ingested}"):
        cache.get(ingested)


def test_the_wcs_is_parsed_once_and_a_pixel_only_image_says_so(settings: Settings,
                                                                sessions: sessionmaker[Session],
                                                                ingested: int) -> None:
    cache = ServingCache(sessions, settings.data_dir)
    view = cache.get(ingested)
    wcs = view.wcs
    assert wcs.has_celestial and view.wcs is wcs
    pixel_only = cache.get(add_image(sessions, name="no-wcs"))
    assert pixel_only.bands == {} and pixel_only.renditions == {}
    with pytest.raises(NoCelestialWcsError):
        _ = pixel_only.wcs


def test_ids_lists_every_image_oldest_first(settings: Settings, sessions: sessionmaker[Session],
                                             ingested: int) -> None:
    cache = ServingCache(sessions, settings.data_dir)
    assert cache.ids() == [ingested]
    later = add_image(sessions, name="later")
    assert cache.ids() == [ingested, later]  # read from the database, not from the cached views


def test_threads_asking_at_once_all_get_a_usable_view(settings: Settings, sessions: sessionmaker[Session],
                                                      ingested: int) -> None:
    cache = ServingCache(sessions, settings.data_dir)
    views: list[object] = []
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            view = cache.get(ingested)
            views.append((view.id, view.wcs.has_celestial))
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and views == [(ingested, True)] * 8
    assert cache.get(ingested) is cache.get(ingested)
