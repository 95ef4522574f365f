"""Cross-match: positions filled through a real image WCS, inside / outside split reported, KD-tree links."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from backend.catalogues.crossmatch import complete_positions, match_known, split_by_footprint
from backend.catalogues.errors import CrossmatchError
from backend.catalogues.table import CatalogMeta, Source, SourceCatalog
from tests.conftest import shared_file


def catalog_of(sources: list[Source]) -> SourceCatalog:
    return SourceCatalog(sources, CatalogMeta(format="test"))


@pytest.mark.filterwarnings("ignore::astropy.wcs.FITSFixedWarning")
def test_complete_positions_with_the_sdss_wcs() -> None:
    header = fits.getheader(shared_file("images/sdss_gri/reprojected_sdss_g.fits"))
    wcs = WCS(header)
    ny, nx = header["NAXIS2"], header["NAXIS1"]
    ra, dec = wcs.pixel_to_world_values(np.array([10.0, 300.0]), np.array([20.0, 400.0]))
    catalog = catalog_of([
        Source("sky-only", ra=float(ra[0]), dec=float(dec[0])),
        Source("pixel-only", x=300.0, y=400.0),
        Source("both", x=1.0, y=2.0, ra=1.0, dec=2.0),  # never overwritten
        Source("nothing"),
    ])
    done = complete_positions(catalog, world2pix=wcs.world_to_pixel_values, pix2world=wcs.pixel_to_world_values)
    sky_only, pixel_only, both, nothing = done.sources
    assert (sky_only.x, sky_only.y) == pytest.approx((10.0, 20.0), abs=1e-6)
    assert (pixel_only.ra, pixel_only.dec) == pytest.approx((ra[1], dec[1]), abs=1e-10)
    assert (both.x, both.ra) == (1.0, 1.0) and not nothing.has_pixel
    assert catalog.sources[0].x is None  # the input is left alone
    report = split_by_footprint(done, (ny, nx))
    assert report.inside.ids() == ["sky-only", "pixel-only", "both"] and report.unplaced_ids == ["nothing"]


def test_split_reports_outside_ids_at_the_pixel_edges() -> None:
    catalog = catalog_of([
        Source("corner", x=-0.5, y=-0.5), Source("last", x=99.49, y=49.49), Source("right", x=99.5, y=10.0),
        Source("below", x=10.0, y=49.5), Source("far", x=-3.0, y=5.0), Source("lost", ra=10.0, dec=10.0),
    ])
    report = split_by_footprint(catalog, (50, 100))
    assert report.inside.ids() == ["corner", "last"]
    assert report.outside_ids == ["right", "below", "far"] and report.unplaced_ids == ["lost"]
    assert report.summary() == ("2 source(s) inside the 100x50 image; 3 outside it (ids right, below, far); "
                                "1 without a pixel position (ids lost)")
    with pytest.raises(CrossmatchError, match="image shape"):
        split_by_footprint(catalog, (0, 100))


def test_match_known_is_one_to_one_within_the_radius() -> None:
    catalog = catalog_of([
        Source("a", x=10.0, y=10.0), Source("b", x=10.4, y=10.0), Source("c", x=50.0, y=50.0),
        Source("d", x=80.0, y=80.2), Source("e"),
    ])
    known_xy = np.array([[10.3, 10.0], [80.0, 80.0], [200.0, 200.0]])
    result = match_known(catalog, ["k1", "k2", "k3"], known_xy, radius=1.0)
    assert result.links == {"b": "k1", "d": "k2"}  # b is closer to k1 than a is
    assert result.distances["b"] == pytest.approx(0.1) and result.distances["d"] == pytest.approx(0.2)
    assert sorted(result.unmatched) == ["a", "c", "e"] and result.contested == ["a"]
    with pytest.raises(CrossmatchError, match="radius must be positive"):
        match_known(catalog, ["k1"], known_xy[:1], radius=0.0)


def test_match_known_finds_every_pair_in_a_crowd() -> None:
    # five known positions crowd one source's neighbourhood: a nearest-4 query left the fifth (the only free
    # partner of the last source) out, so one pair that exists within the radius was never made
    known_xy = np.array([[0.0, 0.0], [0.1, 0.0], [0.2, 0.0], [0.3, 0.0], [0.9, 0.0]])
    sources = [Source(f"s{i}", x=0.05 * i, y=0.0) for i in range(4)] + [Source("far", x=-0.05, y=0.0)]
    result = match_known(catalog_of(sources), [f"k{i}" for i in range(5)], known_xy, radius=1.0)
    assert len(result.links) == 5 and sorted(result.links.values()) == [f"k{i}" for i in range(5)]
    assert result.unmatched == [] and result.contested == []


def test_match_known_scales_to_a_large_catalogue() -> None:
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 4000, (20_000, 2))
    catalog = catalog_of([Source(str(i), x=float(p[0]), y=float(p[1])) for i, p in enumerate(xy)])
    known = xy[::2] + rng.normal(0, 0.05, (10_000, 2))
    result = match_known(catalog, [f"k{i}" for i in range(10_000)], known, radius=0.5)
    assert len(result.links) >= 9_990
    assert all(result.links[str(2 * i)] == f"k{i}" for i in range(0, 10_000, 97))


def test_a_bad_transform_is_reported() -> None:
    catalog = catalog_of([Source("a", ra=1.0, dec=2.0)])
    with pytest.raises(CrossmatchError, match="returned 3 values for 1 positions"):
        complete_positions(catalog, world2pix=lambda ra, dec: (np.zeros(3), np.zeros(3)))
