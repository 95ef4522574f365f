"""DS9 regions: 1-based image coordinates, sky frames to ICRS, the tag convention, bad lines, round trips."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from astropy.coordinates import SkyCoord

from backend.catalogues.ds9 import read_ds9
from backend.catalogues.ds9_export import write_ds9
from backend.catalogues.errors import CatalogExportError, CatalogFormatError
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import Label, SourceCatalog
from backend.catalogues.votes import current_votes

REGIONS = """# Region file format: DS9 version 4.1
global color=green dashlist=8 3 width=1 font="helvetica 10 normal roman"
image
circle(10.5,20.5,3) # text={17} tag={vote:alice=2} tag={vote:Jane Doe=1} tag={class=2}
point(1,1) # point=x tag={class=cluster} tag={annotator=bob}
box(10,10,4,6,0)
box(30,30,4,6,45)
polygon(1,1,5,1,3,4)
ellipse(50,50,4,2,30) # text={e}
-circle(5,5,1)
# text(100,100) text={a note}
fk5; circle(150.1,2.2,1.5") # text={sky}
icrs
point(10:00:00,+02:00:00)
"""


def test_shapes_frames_and_tags() -> None:
    catalog = read_ds9(REGIONS.encode())
    ids = catalog.ids()
    assert ids == ["17", "2", "3", "4", "5", "e", "sky", "8"]
    by_id = {s.id: s for s in catalog}
    circle = by_id["17"]
    assert (circle.x, circle.y) == (9.5, 19.5)  # DS9 image pixels are 1-based
    assert circle.shape is not None and circle.shape.a == 3.0
    assert circle.labels == [Label("alice", "2"), Label("Jane Doe", "1")]  # vote tags win over class=
    assert by_id["2"].labels == [Label("bob", "cluster")] and (by_id["2"].x, by_id["2"].y) == (0.0, 0.0)
    assert by_id["3"].geometry["bbox"] == [7.0, 6.0, 11.0, 12.0]  # box centre (9, 9) 0-based, 4 x 6
    assert "bbox" not in by_id["4"].geometry and len(by_id["4"].geometry["coordinates"][0]) == 5
    assert by_id["5"].geometry["coordinates"][0][0] == [0.0, 0.0]
    assert by_id["e"].shape.a == 4.0 and by_id["e"].shape.b == 2.0 and by_id["e"].shape.theta == pytest.approx(30)
    sky = by_id["sky"]
    expected = SkyCoord(150.1, 2.2, unit="deg", frame="fk5").icrs
    assert (sky.ra, sky.dec) == pytest.approx((expected.ra.deg, expected.dec.deg), abs=1e-10)
    assert sky.columns["ds9_radius_arcsec"] == pytest.approx(1.5)
    assert (by_id["8"].ra, by_id["8"].dec) == pytest.approx((150.0, 2.0))
    assert catalog.meta.notes == ["1 text region(s) skipped: they are not sources",
                                  "1 excluded region(s) skipped: they are not sources"]


@pytest.mark.parametrize("text, line, reason", [
    ("image\ncircle(1,2,3)\nannulus(1,1,2,3)\n", 3, "CircleAnnulusPixelRegion is not supported"),
    ("image\ncircle(1,2,3)\ncircle(1,2\n", 3, "cannot parse 'circle(1,2'"),
    ("image\ncircle(a,2,3)\n", 2, "cannot parse"),
    ("image\nfoo(1,2)\n", 2, "cannot parse 'foo(1,2)'"),
    ("physical\ncircle(1,2,3)\n", 2, "coordinate system 'physical'"),
    ("circle(1,2,3)\n", 1, "no coordinate system line"),
    ("fk5\npolygon(1,1,2,2,3,1)\n", 2, "PolygonSkyRegion is not supported"),
    ("image\ncircle(1,2,3) # text={a}\ncircle(3,4,3) # text={a}\n", 3, "source id 'a' repeats"),
    ("# Region file format: DS9\nimage\n", 1, "no regions that could be sources"),
    ("", 1, "empty"),
])
def test_bad_regions_name_their_line(text: str, line: int, reason: str) -> None:
    with pytest.raises(CatalogFormatError) as info:
        read_ds9(text.encode())
    assert info.value.line == line and reason in str(info.value)


@pytest.mark.parametrize("coords", ["image", "fk5"])
def test_round_trip_positions_and_votes(
    coords: str, labelled_catalog: SourceCatalog, provenance: Provenance, same_sources: Callable[..., None]
) -> None:
    text = write_ds9(labelled_catalog, provenance, coords=coords)  # type: ignore[arg-type]
    back = read_ds9(text.encode())
    assert "# skylabel scheme: legus-4" in text
    # DS9 carries each annotator's current vote (no times or rounds)
    assert [current_votes(s.labels) for s in back] == [current_votes(s.labels) for s in labelled_catalog]
    assert back.ids() == labelled_catalog.ids()
    if coords == "image":
        assert "ellipse(11.2500000000,21.5000000000,3.0000000000,2.0000000000,30" in text  # 1-based
        same_sources(labelled_catalog, back, columns=False, votes_only=True, shapes=False, sky=False)
        assert back.sources[0].shape.a == 3.0 and back.sources[0].shape.theta == pytest.approx(30.0)
    else:
        for a, b in zip(labelled_catalog, back, strict=True):
            assert (b.ra, b.dec) == pytest.approx((a.ra, a.dec), abs=1e-9)


def test_export_refuses_what_ds9_cannot_hold(labelled_catalog: SourceCatalog, provenance: Provenance) -> None:
    labelled_catalog.sources[0].id = "a}b"
    with pytest.raises(CatalogExportError, match="brace"):
        write_ds9(labelled_catalog, provenance)
    with pytest.raises(CatalogExportError, match="'image' or 'fk5'"):
        write_ds9(labelled_catalog, provenance, coords="galactic")  # type: ignore[arg-type]
