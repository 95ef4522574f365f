"""Fixtures of the catalogue tests: a small labelled catalogue exercising every feature, and a comparison
that states what "the same sources" means for a round trip."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from backend.catalogues.geometry import box, polygon
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import CatalogMeta, ColumnInfo, Label, Shape, Source, SourceCatalog
from backend.catalogues.votes import current_votes


@pytest.fixture
def labelled_catalog() -> SourceCatalog:
    """Six sources: points, a box and a polygon; votes by three annotators (one tie); shapes; a missing
    magnitude; a string column; an annotator name with a space."""
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    sources = [
        Source("1", 10.25, 20.5, 150.1, 2.2, Shape(a=3.0, b=2.0, theta=30.0, fwhm=2.5, flags=0),
               columns={"mag": 21.5, "note": "bright", "npix": 12},
               labels=[Label("alice", "1", when, 1), Label("bob", "1", when, 1), Label("Jane Doe", "2")]),
        Source("2", 0.0, 0.0, 150.2, 2.3, columns={"mag": None, "note": "edge", "npix": 3},
               labels=[Label("alice", "3", when, 1), Label("bob", "4", when, 2)]),
        Source("3", 100.125, 7.75, 150.3, 2.4, columns={"mag": 19.25, "note": None, "npix": None}),
        Source("4", 44.0, 55.0, 359.9, -89.5, geometry=box(40.0, 50.0, 48.0, 60.0),
               columns={"mag": 22.0, "note": "box", "npix": 80}, labels=[Label("alice", "cluster")]),
        Source("5", 5.0, 6.0, 0.5, 89.9, geometry=polygon([(3.0, 4.0), (7.0, 4.0), (5.0, 9.0)]),
               columns={"mag": 23.0, "note": "poly", "npix": 9}, labels=[Label("bob", "2")]),
        Source("6", 250.5, 3.25, 150.6, 2.7, columns={"mag": 18.0, "note": "x", "npix": 1},
               labels=[Label("alice", "2"), Label("alice", "1")]),  # alice changed her mind: current vote 1
    ]
    sources[4].x, sources[4].y = 5.0, 17.0 / 3.0  # the polygon's centroid, as readers compute it
    meta = CatalogMeta(format="test", layer_kind="annotation",
                       columns={"mag": ColumnInfo("mag", "F555W magnitude"), "note": ColumnInfo(None, "comment"),
                                "npix": ColumnInfo("pix", "area")})
    return SourceCatalog(sources, meta)


@pytest.fixture
def provenance() -> Provenance:
    return Provenance(scheme="legus-4", classes=("1", "2", "3", "4"), exported_by="tester",
                      exported_at=datetime(2024, 6, 1, tzinfo=UTC), image="ngc628.fits", software="skylabel test")


@pytest.fixture
def same_sources() -> Callable[..., None]:
    """The round-trip comparison, as a fixture so test modules need no import from a conftest."""
    return assert_same_sources


def assert_same_sources(
    before: SourceCatalog, after: SourceCatalog, *, columns: bool = True, votes_only: bool = False,
    shapes: bool = True, geometry: bool = True, sky: bool = True, tol: float = 1e-6,
) -> None:
    """Same ids in order, positions within ``tol`` pixels (and 1e-9 deg unless not ``sky``), labels (all
    of them, or the current vote per annotator when ``votes_only``), shapes, outlines and column values
    (missing = None)."""
    assert after.ids() == before.ids()
    for a, b in zip(before.sources, after.sources, strict=True):
        for attr, limit in (("x", tol), ("y", tol)) + ((("ra", 1e-9), ("dec", 1e-9)) if sky else ()):
            va, vb = getattr(a, attr), getattr(b, attr)
            assert (va is None) == (vb is None), (a.id, attr, va, vb)
            if va is not None:
                assert abs(va - vb) <= limit, (a.id, attr, va, vb)
        if votes_only:
            assert current_votes(b.labels) == current_votes(a.labels), a.id
        else:
            assert b.labels == a.labels, a.id
        if shapes:
            assert (b.shape or Shape()) == (a.shape or Shape()), a.id
        if geometry:
            assert b.geometry == a.geometry, a.id
        if columns:
            for name in set(a.columns) | set(b.columns):
                assert b.columns.get(name) == a.columns.get(name), (a.id, name)
