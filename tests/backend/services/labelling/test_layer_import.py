"""Catalogue import into a layer: placement with the image WCS, outside sources reported, labels as
annotations of the catalogue's annotator, one transaction (nothing half-imported), on the real LEGUS and
SExtractor files."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.catalogues import CatalogMeta, Label, Source, SourceCatalog, read_legus, read_sextractor
from backend.db.annotations import Annotation, Annotator
from backend.db.session import session_scope
from backend.db.sources import Layer
from backend.db.sources import Source as DbSource
from backend.errors import ConflictError, InputError
from backend.services.labelling import layer_import
from backend.services.labelling.layer_import import import_catalog
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image, covering_header, make_sessions
from tests.conftest import shared_file


@pytest.fixture
def sessions(tmp_path: Path) -> sessionmaker[Session]:
    return make_sessions(tmp_path / "db")


def counts(sessions: sessionmaker[Session], layer_id: int) -> tuple[Counter[str], Counter[str | None], int]:
    """(class counts of the layer's annotations, consensus counts of its sources, number of sources)."""
    with sessions() as session:
        votes = Counter(session.scalars(select(Annotation.class_).join(DbSource, DbSource.id == Annotation.source_id)
                                        .where(DbSource.layer_id == layer_id)))
        consensus = Counter(session.scalars(select(DbSource.label_class).where(DbSource.layer_id == layer_id)))
        n = session.scalar(select(func.count(DbSource.id)).where(DbSource.layer_id == layer_id)) or 0
    return votes, consensus, n


def test_every_legus_field_keeps_its_class_counts(sessions: sessionmaker[Session], shared_data: Path) -> None:
    """LEGUS classes are the layer's reference classes (issue 9: references, not votes)."""
    files = sorted((shared_data / "legus").glob("hlsp_legus_*.tab"))
    assert len(files) == 26
    total = 0
    for path in files:
        catalog = read_legus(path)
        expected = Counter(label.class_ for source in catalog for label in source.labels)
        image_id = add_image(sessions, path.stem, 1500, 1500, covering_header(catalog, 1500))
        with session_scope(sessions) as session:
            report = import_catalog(session, image_id, catalog, positions="sky")
            layer_id = report.layer.id
            assert report.layer.kind == "reference" and report.layer.name.startswith("LEGUS ")
        assert (report.imported, report.outside, report.unplaced) == (len(catalog), [], []), path.name
        assert report.labels == 0 and report.references == sum(expected.values())
        votes, consensus, n = counts(sessions, layer_id)
        assert votes == Counter() and set(consensus) == {None}, path.name  # nothing labelled, no votes
        with sessions() as session:
            references = Counter(session.scalars(select(DbSource.reference_class).where(
                DbSource.layer_id == layer_id, DbSource.reference_class.is_not(None))))
        assert references == expected, path.name
        assert n == len(catalog)
        total += sum(expected.values())
    assert 6500 < total < 7500
    with sessions() as session:
        assert session.scalars(select(Annotator.kind).where(Annotator.name == "LEGUS")).first() is None


def test_sources_off_the_image_are_reported_not_stored(sessions: sessionmaker[Session]) -> None:
    path = shared_file("legus/hlsp_legus_hst_acs-wfc3_ngc4248_multiband_v2_padagb-mwext-avgapcor.tab")
    catalog = read_legus(path)
    xy = catalog.pixel_positions()
    width = int(np.median(xy[:, 0]))  # pixel positions only: half the sources lie right of the image
    image_id = add_image(sessions, "half", width, int(xy[:, 1].max()) + 10)
    with session_scope(sessions) as session:
        report = import_catalog(session, image_id, catalog)
        assert report.layer.meta["outside"]["count"] == len(report.outside)
    expected_out = [s.id for s in catalog if s.x >= width - 0.5]
    assert report.outside == expected_out and len(expected_out) > 10
    assert report.imported == len(catalog) - len(expected_out)
    assert any("outside" in note for note in report.notes)
    assert counts(sessions, report.layer.id)[2] == report.imported


def test_sextractor_pair_imports_its_65_sources_zero_based(sessions: sessionmaker[Session]) -> None:
    image = shared_file("sextractor_pair/image.fits")
    catalog = read_sextractor(shared_file("sextractor_pair/image.cat"))
    image_id = add_image(sessions, "pair", 256, 256, fits.getheader(image))
    with session_scope(sessions) as session:
        report = import_catalog(session, image_id, catalog, name="SExtractor")
    assert report.imported == 65 and report.outside == [] and report.labels == 0
    assert report.layer.kind == "detections" and report.layer.style["colour"] == "#ffd33d"
    with sessions() as session:
        first = session.scalars(select(DbSource).where(DbSource.layer_id == report.layer.id,
                                                       DbSource.catalog_id == "1")).one()
    assert first.x == pytest.approx(165.1449 - 1) and first.y == pytest.approx(24.0084 - 1)  # FITS 1-based in file
    assert first.row_band == 0 and first.columns["FLUX_AUTO"] == pytest.approx(7544.724)
    assert first.ra is None  # this ESO image has no celestial WCS


def labelled(n: int = 5, **sky: float) -> SourceCatalog:
    sources = [Source(str(i + 1), 10.0 + i, 20.0 + i, columns={"mag": 20.0 + i},
                      labels=[Label("alice", "1"), Label("bob", "2"), Label("alice", "3")] if i == 0 else [])
               for i in range(n)]
    return SourceCatalog(sources, CatalogMeta(format="test", layer_kind="annotation"))


def test_an_annotators_later_label_supersedes_the_earlier_one(sessions: sessionmaker[Session]) -> None:
    image_id = add_image(sessions)
    with session_scope(sessions) as session:
        report = import_catalog(session, image_id, labelled(), name="votes")
    with sessions() as session:
        source = session.scalars(select(DbSource).where(DbSource.catalog_id == "1")).one()
        rows = session.execute(select(Annotation.id, Annotator.name, Annotation.class_, Annotation.supersedes_id)
                               .join(Annotator).where(Annotation.source_id == source.id)
                               .order_by(Annotation.id)).all()
    assert [(r[1], r[2]) for r in rows] == [("alice", "1"), ("bob", "2"), ("alice", "3")]
    assert rows[2][3] == rows[0][0] and rows[0][3] is None and rows[1][3] is None
    assert (source.label_class, source.n_votes) == (None, 2)  # tie 2 vs 3: no consensus, as on export
    assert report.labels == 3


def test_a_failure_midway_leaves_nothing(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    image_id = add_image(sessions)

    def broken(*args: object, **kwargs: object) -> None:
        raise InputError("simulated failure after the sources were inserted")

    monkeypatch.setattr(layer_import, "get_or_create_annotator", broken)
    with pytest.raises(InputError, match="simulated"), session_scope(sessions) as session:
        import_catalog(session, image_id, labelled(), name="doomed")
    with sessions() as session:
        assert session.scalar(select(func.count(Layer.id))) == 0
        assert session.scalar(select(func.count(DbSource.id))) == 0


def test_refusals_name_the_problem(sessions: sessionmaker[Session]) -> None:
    image_id = add_image(sessions, width=50, height=50)
    with session_scope(sessions) as session:
        import_catalog(session, image_id, labelled(), name="taken")
    with pytest.raises(ConflictError, match="already has a layer named 'taken'"), session_scope(sessions) as s:
        import_catalog(s, image_id, labelled(), name="taken")
    far = SourceCatalog([Source("1", 500.0, 500.0)], CatalogMeta(format="test"))
    with pytest.raises(InputError, match="none of the 1 catalogue sources falls on image"), \
            session_scope(sessions) as s:
        import_catalog(s, image_id, far)
    with pytest.raises(InputError, match="no celestial WCS"), session_scope(sessions) as s:
        import_catalog(s, image_id, labelled(), positions="sky")
    with pytest.raises(InputError, match="layer kind 'stars' is unknown"), session_scope(sessions) as s:
        import_catalog(s, image_id, labelled(), kind="stars")


def test_sky_only_sources_are_placed_with_the_wcs_and_mismatch_is_noted(sessions: sessionmaker[Session]) -> None:
    header = tan_header(300, 200)
    image_id = add_image(sessions, header=header)
    from astropy.wcs import WCS

    ra, dec = WCS(header).all_pix2world([[40.0, 60.0]], 0)[0]
    sky_only = SourceCatalog([Source("a", ra=float(ra), dec=float(dec))], CatalogMeta(format="test"))
    shifted = SourceCatalog([Source("b", 140.0, 60.0, float(ra), float(dec))], CatalogMeta(format="test"))
    with session_scope(sessions) as session:
        placed = import_catalog(session, image_id, sky_only, name="sky")
        noted = import_catalog(session, image_id, shifted, name="shifted")
        by_sky = import_catalog(session, image_id, shifted, name="by sky", positions="sky")
    with sessions() as session:
        rows = {s.catalog_id + str(s.layer_id): s for s in session.scalars(select(DbSource))}
    a = rows[f"a{placed.layer.id}"]
    assert (a.x, a.y) == (pytest.approx(40.0, abs=1e-6), pytest.approx(60.0, abs=1e-6))
    assert any("median 100.0 px" in note for note in noted.notes)
    assert rows[f"b{by_sky.layer.id}"].x == pytest.approx(40.0, abs=1e-6)
