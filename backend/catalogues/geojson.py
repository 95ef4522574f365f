"""GeoJSON label layers (the paper keeps labels in GeoJSON, Section 3) -- reader and the shared convention.

Convention (top-level foreign members, allowed by RFC 7946 section 6.1):

- ``"skylabel:coords": "pixel"`` -- coordinates are image pixels ``[x, y]`` (x the column, y the row, as
  numpy indexes an image; y grows downwards). ``"skylabel:pixel_origin"`` (or ``"pixel_origin"``) is 0
  (numpy / astropy origin 0, our export) or 1 (FITS / DS9 counting); 0 when absent.
- ``"skylabel:coords": "sky"`` or no member at all -- standard RFC 7946 positions ``[lon, lat]`` read as
  ``[ra, dec]`` in ICRS degrees (ra may be written in -180..180; it is wrapped to 0..360).

Features: ``Point``; ``Polygon`` (a 4-corner axis-aligned ring is a box); ``geometry: null`` with a feature
``bbox`` ``[xmin, ymin, xmax, ymax]`` is a box. Properties with a meaning: ``id`` (or the feature ``id``),
``labels`` (a list of ``{annotator, class, time?, round?}``, the full vote history -- when present,
``class`` is ignored as derived), else ``class`` or ``label`` with ``annotator``, ``round``, ``time``;
``shape`` (``{a, b, theta, fwhm, flags}``); ``ra``/``dec`` in pixel files, ``x``/``y`` (0-based) and
``pixel_geometry`` in sky files. Every other property is kept as a catalogue column.
"""

from __future__ import annotations

import json
from typing import Any

from backend.catalogues import jsontext
from backend.catalogues.columnar import check_unique_ids
from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.geometry import box, centroid, finite_pair, polygon, shifted
from backend.catalogues.inputs import CatalogInput, input_name, read_text
from backend.catalogues.table import (
    LAYER_KINDS,
    SHAPE_FIELDS,
    CatalogMeta,
    ColumnInfo,
    Geometry,
    Label,
    LayerKind,
    Shape,
    Source,
    SourceCatalog,
    class_text,
)

COORDS_KEY = "skylabel:coords"
ORIGIN_KEY = "skylabel:pixel_origin"
PROVENANCE_KEY = "skylabel:provenance"
COLUMNS_KEY = "skylabel:columns"
LAYER_KEY = "skylabel:layer_kind"
RESERVED = frozenset({
    "id", "labels", "class", "label", "annotator", "round", "time", "shape", "x", "y", "ra", "dec",
    "pixel_geometry",
})


def read_geojson(
    source: CatalogInput, default_annotator: str = "imported", layer_kind: LayerKind | None = None
) -> SourceCatalog:
    """Read a FeatureCollection; ``default_annotator`` names votes given as a bare ``class`` property."""
    name = input_name(source)
    text = read_text(source, "a GeoJSON FeatureCollection")
    try:
        document = jsontext.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogFormatError(f"not valid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno,
                                 path=name) from None
    except jsontext.TooDeepError as exc:
        raise CatalogFormatError(f"{exc}: a FeatureCollection needs about 7", line=1, path=name) from None
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        kind = document.get("type") if isinstance(document, dict) else type(document).__name__
        raise CatalogFormatError(f"expected a GeoJSON FeatureCollection, found {kind!r}", line=1, path=name)
    features = document.get("features")
    if not isinstance(features, list):
        raise CatalogFormatError("the FeatureCollection has no 'features' list", line=1, path=name)
    coords = document.get(COORDS_KEY, "sky")
    origin = document.get(ORIGIN_KEY, document.get("pixel_origin", 0))
    if coords not in ("pixel", "sky") or origin not in (0, 1):
        raise CatalogFormatError(
            f'"{COORDS_KEY}" must be "pixel" or "sky" and "{ORIGIN_KEY}" 0 or 1, got {coords!r} and {origin!r}',
            line=1, path=name,
        )
    sources = [_source(f, i, coords, origin, default_annotator, name) for i, f in enumerate(features)]
    check_unique_ids([s.id for s in sources], lambda i: None, name)
    columns = _column_infos(document.get(COLUMNS_KEY))
    has_labels = any(s.labels for s in sources)
    kind = layer_kind or document.get(LAYER_KEY) or ("annotation" if has_labels else "detections")
    if kind not in LAYER_KINDS:
        raise CatalogFormatError(f'"{LAYER_KEY}" must be one of {LAYER_KINDS}, got {kind!r}', line=1, path=name)
    extra: dict[str, Any] = {"coords": coords, "pixel_origin": origin}
    if isinstance(document.get(PROVENANCE_KEY), dict):
        extra["provenance"] = document[PROVENANCE_KEY]
    meta = CatalogMeta(format="geojson", source_file=name, layer_kind=kind, columns=columns, extra=extra)
    return SourceCatalog(sources, meta)


def _source(feature: Any, index: int, coords: str, origin: int, annotator: str, path: str | None) -> Source:
    def fail(reason: str) -> CatalogFormatError:
        return CatalogFormatError(reason, feature=index, path=path)

    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise fail("not a GeoJSON Feature (needs \"type\": \"Feature\")")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise fail("'properties' must be an object")
    geometry = feature.get("geometry")
    sid = feature.get("id", props.get("id", index + 1))
    source = Source(id=str(sid))
    if geometry is None:
        bbox = feature.get("bbox")
        if not (isinstance(bbox, list) and len(bbox) == 4 and finite_pair(bbox[:2]) and finite_pair(bbox[2:])):
            raise fail("the feature has no geometry (and no 'bbox' [xmin, ymin, xmax, ymax] to make a box)")
        geometry = {"type": "Polygon", "coordinates": [box(*bbox)["coordinates"][0]]}
    if not isinstance(geometry, dict):
        raise fail("'geometry' must be an object")
    if coords == "pixel":
        _place_pixel(source, geometry, origin, fail)
        source.ra, source.dec = _pair(props, "ra", "dec", fail)
        _check_sky(source.ra, source.dec, fail)
    else:
        _place_sky(source, geometry, fail)
        source.x, source.y = _pair(props, "x", "y", fail)
        if props.get("pixel_geometry") is not None:
            source.geometry = _pixel_geometry(props["pixel_geometry"], 0, fail)
    source.labels = _labels(props, annotator, fail)
    source.shape = _shape(props.get("shape"), fail)
    source.columns = {k: _scalar(v) for k, v in props.items() if k not in RESERVED}
    return source


def _place_pixel(source: Source, geometry: Geometry, origin: int, fail: Any) -> None:
    parsed = _pixel_geometry(geometry, origin, fail)
    if parsed["type"] == "Point":
        source.x, source.y = parsed["coordinates"]
    else:
        source.geometry = parsed
        source.x, source.y = centroid(parsed)


def _pixel_geometry(geometry: Any, origin: int, fail: Any) -> Geometry:
    """Validate a Point/Polygon in pixels and return it 0-based (a box keeps its ``bbox``)."""
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if kind == "Point":
        pair = finite_pair(coordinates)
        if pair is None:
            raise fail(f"Point coordinates must be two finite numbers, got {coordinates!r}")
        return {"type": "Point", "coordinates": [pair[0] - origin, pair[1] - origin]}
    if kind == "Polygon":
        if not isinstance(coordinates, list) or len(coordinates) != 1 or not isinstance(coordinates[0], list):
            raise fail("a Polygon needs exactly one ring (holes are not supported)")
        points = [finite_pair(p) for p in coordinates[0]]
        if any(p is None for p in points) or len(points) < 3:
            raise fail("a Polygon ring needs at least 3 positions of two finite numbers")
        return shifted(polygon(points), -origin)  # type: ignore[arg-type]
    raise fail(f"unsupported geometry type {kind!r}: use Point or Polygon (a box is a 4-corner Polygon)")


def _place_sky(source: Source, geometry: Geometry, fail: Any) -> None:
    if geometry.get("type") not in ("Point", "Polygon"):
        raise fail(f"unsupported geometry type {geometry.get('type')!r}: use Point (or Polygon in pixel files)")
    if geometry.get("type") != "Point":
        raise fail(f"{geometry.get('type')!r} in sky coordinates is not supported: sky files carry Points; "
                   f'write outlines with "{COORDS_KEY}": "pixel"')
    pair = finite_pair(geometry.get("coordinates"))
    if pair is None:
        raise fail(f"Point coordinates must be two finite numbers, got {geometry.get('coordinates')!r}")
    _check_sky(*pair, fail)
    source.ra, source.dec = pair[0] % 360.0, pair[1]


def _check_sky(ra: float | None, dec: float | None, fail: Any) -> None:
    if ra is None or dec is None:
        return
    if not -90.0 <= dec <= 90.0 or not -180.0 <= ra <= 360.0:
        raise fail(f"sky position ({ra}, {dec}) is out of range: dec must be within -90..90 and ra within "
                   f'-180..360 degrees (pixel coordinates need "{COORDS_KEY}": "pixel")')


def _pair(props: dict[str, Any], first: str, second: str, fail: Any) -> tuple[float | None, float | None]:
    a, b = props.get(first), props.get(second)
    if a is None and b is None:
        return None, None
    pair = finite_pair([a, b])
    if pair is None:
        raise fail(f"properties {first!r} and {second!r} must both be finite numbers, got {a!r}, {b!r}")
    return pair


def _labels(props: dict[str, Any], annotator: str, fail: Any) -> list[Label]:
    if props.get("labels") is not None:
        if not isinstance(props["labels"], list):
            raise fail("'labels' must be a list of {annotator, class, time?, round?}")
        try:
            return [Label.from_dict(item) for item in props["labels"]]
        except ValueError as exc:
            raise fail(str(exc)) from None
    value = props.get("class", props.get("label"))
    if value is None or value == "":
        return []
    vote = {"annotator": props.get("annotator") or annotator, "class": class_text(value),
            "time": props.get("time"), "round": props.get("round")}
    try:
        return [Label.from_dict(vote)]
    except ValueError as exc:
        raise fail(str(exc)) from None


def _shape(value: Any, fail: Any) -> Shape | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - set(SHAPE_FIELDS):
        raise fail(f"'shape' must be an object with keys among {SHAPE_FIELDS}, got {value!r}")
    try:
        floats = {k: None if value.get(k) is None else float(value[k]) for k in ("a", "b", "theta", "fwhm")}
        flags = None if value.get("flags") is None else int(value["flags"])
    except (TypeError, ValueError):
        raise fail(f"'shape' members must be numbers, got {value!r}") from None
    return Shape(**floats, flags=flags)


def _scalar(value: Any) -> Any:
    """Columns hold scalars; a nested property value is kept as its JSON text."""
    return json.dumps(value) if isinstance(value, dict | list) else value


def _column_infos(value: Any) -> dict[str, ColumnInfo]:
    if not isinstance(value, dict):
        return {}
    return {
        k: ColumnInfo(v.get("unit"), v.get("description")) for k, v in value.items() if isinstance(v, dict)
    }
