"""A database with image rows but no COGs, for fast service tests of layers, labels and exports.

Catalogue import, labelling and export never read pixels: an image row with a size and a WCS header is all
they need, so these tests skip ingest (which builds COGs) and stay fast.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits
from sqlalchemy.orm import Session, sessionmaker

from backend.catalogues import SourceCatalog
from backend.db.migrate import upgrade
from backend.db.session import make_engine, make_sessionmaker, session_scope
from backend.db.tables import Image
from backend.services.labelling.projects import default_project
from tests.backend.fits_factory import tan_header


def make_sessions(folder: Path) -> sessionmaker[Session]:
    """A migrated SQLite database file in WAL mode, as the app makes it."""
    folder.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{folder / 'labels.db'}")
    upgrade(engine)
    return make_sessionmaker(engine)


def add_image(sessions: sessionmaker[Session], name: str = "img", width: int = 300, height: int = 200,
              header: fits.Header | None = None) -> int:
    """An image row (in the default project) of ``width`` x ``height`` pixels with ``header``'s WCS."""
    with session_scope(sessions) as session:
        image = Image(name=name, width=width, height=height, folder=f"images/{name}",
                      wcs_header=header.tostring() if header is not None else None, default_rendition="rgb",
                      project_id=default_project(session).id)
        session.add(image)
        session.flush()
        return image.id


def app_client(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A TestClient of a fresh app on its own data directory (the image rows are added with add_image)."""
    from fastapi.testclient import TestClient

    from backend.app import create_app
    from backend.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path / "no-frontend")
    return TestClient(create_app(settings))


def covering_header(catalog: SourceCatalog, size: int) -> fits.Header:
    """A TAN WCS (rotated 12 degrees) centred on the catalogue whose size x size pixels cover every source."""
    sky = catalog.sky_positions()
    ra0, dec0 = np.nanmean(sky[:, 0]), np.nanmean(sky[:, 1])
    offsets = np.hypot((sky[:, 0] - ra0) * np.cos(np.radians(dec0)), sky[:, 1] - dec0) * 3600
    return tan_header(size, size, ra=float(ra0), dec=float(dec0), scale_arcsec=2.3 * np.nanmax(offsets) / size)
