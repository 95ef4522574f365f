"""GeoJSON layers: the documented pixel / sky conventions, labels, outlines, bad files, round trips."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from backend.catalogues.errors import CatalogExportError, CatalogFormatError
from backend.catalogues.geojson import read_geojson
from backend.catalogues.geojson_export import geojson_document, write_geojson
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import Label, SourceCatalog


def collection(features: list[Any], **top: Any) -> bytes:
    return json.dumps({"type": "FeatureCollection", **top, "features": features}).encode()


def point(first: float, second: float, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [first, second]}, "properties": props}


def test_pixel_points_boxes_and_polygons() -> None:
    features = [
        point(10.5, 20.5, id="a", **{"class": 2}, annotator="alice", flux=3.5),
        {"type": "Feature", "bbox": [1, 2, 5, 8], "geometry": None, "properties": {"label": "cluster"}},
        {"type": "Feature", "id": 7, "properties": {},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [4, 0], [4, 2], [0, 2], [0, 0]]]}},
        {"type": "Feature", "properties": {"nested": {"k": 1}},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [6, 0], [0, 3], [0, 0]]]}},
    ]
    catalog = read_geojson(collection(features, **{"skylabel:coords": "pixel", "skylabel:pixel_origin": 0}))
    a, boxed, square, triangle = catalog.sources
    assert (a.id, a.x, a.y, a.geometry) == ("a", 10.5, 20.5, None)
    assert a.labels == [Label("alice", "2")] and a.columns == {"flux": 3.5}
    assert boxed.id == "2" and boxed.geometry is not None and boxed.geometry["bbox"] == [1, 2, 5, 8]
    assert (boxed.x, boxed.y) == (3.0, 5.0) and boxed.labels == [Label("imported", "cluster")]
    assert square.id == "7" and square.geometry["bbox"] == [0, 0, 4, 2]  # a 4-corner axis-aligned ring is a box
    assert "bbox" not in triangle.geometry and (triangle.x, triangle.y) == pytest.approx((2.0, 1.0))
    assert triangle.columns["nested"] == '{"k": 1}'
    assert catalog.meta.layer_kind == "annotation"


def test_one_based_pixels_are_shifted() -> None:
    catalog = read_geojson(collection([point(1, 1)], **{"skylabel:coords": "pixel", "pixel_origin": 1}))
    assert (catalog.sources[0].x, catalog.sources[0].y) == (0.0, 0.0)


def test_plain_rfc7946_is_ra_dec() -> None:
    catalog = read_geojson(collection([point(-10.0, 45.0), point(150.0, -30.0, x=3.0, y=4.0)]))
    first, second = catalog.sources
    assert (first.ra, first.dec, first.x) == (350.0, 45.0, None)  # lon -10 wraps to ra 350
    assert (second.ra, second.x, second.y) == (150.0, 3.0, 4.0)
    assert catalog.meta.layer_kind == "detections"


@pytest.mark.parametrize("content, where, reason", [
    (b"{not json", "line 1", "not valid JSON"),
    (b'{\n "type": "Feature"}', "line 1", "expected a GeoJSON FeatureCollection"),
    (collection([point(1, 2), {"type": "Feature", "properties": {}}]), "feature 1", "has no geometry"),
    (collection([{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]),
     "feature 0", "unsupported geometry type 'LineString'"),
    (collection([point(1, 2), point(10, 95)]), "feature 1", "out of range"),
    (collection([point(1, "a")], **{"skylabel:coords": "pixel"}), "feature 0", "two finite numbers"),
    (collection([point(1, 2, labels=[{"class": 1}])]), "feature 0", "needs both 'annotator' and 'class'"),
    (collection([point(1, 2, id="x"), point(1, 2, id="x")]), "", "source id 'x' repeats"),
    (collection([{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]}}],
                **{"skylabel:coords": "pixel"}), "feature 0", "at least 3 positions"),
])
def test_bad_geojson_names_line_or_feature(content: bytes, where: str, reason: str) -> None:
    with pytest.raises(CatalogFormatError) as info:
        read_geojson(content)
    assert reason in str(info.value)
    assert str(info.value).startswith(where)


@pytest.mark.parametrize("coords", ["pixel", "sky"])
def test_round_trip_keeps_sources_votes_history_and_outlines(
    coords: str, labelled_catalog: SourceCatalog, provenance: Provenance, same_sources: Callable[..., None]
) -> None:
    text = write_geojson(labelled_catalog, provenance, coords=coords)  # type: ignore[arg-type]
    back = read_geojson(text.encode())
    same_sources(labelled_catalog, back)  # full label history (times, rounds) included
    assert back.meta.extra["provenance"]["scheme"] == "legus-4"
    assert back.meta.columns["mag"].unit == "mag" and back.meta.layer_kind == "annotation"


def test_document_states_its_convention_and_consensus(
    labelled_catalog: SourceCatalog, provenance: Provenance
) -> None:
    document = geojson_document(labelled_catalog, provenance)
    assert document["skylabel:coords"] == "pixel" and document["skylabel:pixel_origin"] == 0
    props = [f["properties"] for f in document["features"]]
    assert props[0]["class"] == "1"  # alice and bob say 1, Jane Doe 2
    assert props[1]["class"] is None  # 3 against 4: a tie has no consensus
    assert props[5]["class"] == "1" and len(props[5]["labels"]) == 2  # history kept, current vote counted
    assert document["features"][3]["geometry"]["bbox"] == [40.0, 50.0, 48.0, 60.0]
    sky = geojson_document(labelled_catalog, provenance, coords="sky")
    assert sky["features"][3]["geometry"]["coordinates"] == pytest.approx([-0.1, -89.5])


def test_export_without_positions_is_refused(labelled_catalog: SourceCatalog, provenance: Provenance) -> None:
    labelled_catalog.sources[2].ra = None
    with pytest.raises(CatalogExportError, match="1 source\\(s\\) have no RA/Dec \\(ids 3\\)"):
        write_geojson(labelled_catalog, provenance, coords="sky")
