"""GeoJSON export in the convention :mod:`backend.catalogues.geojson` reads (pixel or RA/Dec variant).

The pixel variant is the layer the map loads back (0-based pixels, ``"skylabel:pixel_origin": 0``); the sky
variant is plain RFC 7946 (``[ra, dec]`` as ``[lon, lat]``, ra wrapped to -180..180) for other tools, with
the pixel outline kept in the ``pixel_geometry`` property. Every feature carries the full vote history in
``labels`` and the consensus (mode) in ``class``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any, Literal

from backend.catalogues import table_export
from backend.catalogues.errors import CatalogExportError
from backend.catalogues.geojson import COLUMNS_KEY, COORDS_KEY, LAYER_KEY, ORIGIN_KEY, PROVENANCE_KEY, RESERVED
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import Source, SourceCatalog
from backend.catalogues.votes import consensus

Coords = Literal["pixel", "sky"]


def geojson_document(catalog: SourceCatalog, provenance: Provenance, coords: Coords = "pixel") -> dict[str, Any]:
    """The FeatureCollection as a dict (for an API response); :func:`write_geojson` serialises it."""
    if coords not in ("pixel", "sky"):
        raise CatalogExportError(f"GeoJSON coordinates must be 'pixel' or 'sky', got {coords!r}")
    _require_positions(catalog, coords)
    document: dict[str, Any] = {"type": "FeatureCollection", COORDS_KEY: coords}
    if coords == "pixel":
        document[ORIGIN_KEY] = 0
    document[LAYER_KEY] = catalog.meta.layer_kind
    document[PROVENANCE_KEY] = provenance.items()
    infos = {k: {"unit": v.unit, "description": v.description} for k, v in catalog.meta.columns.items()}
    if infos:
        document[COLUMNS_KEY] = infos
    document["features"] = [_feature(source, coords) for source in catalog.sources]
    return document


def write_geojson(catalog: SourceCatalog, provenance: Provenance, coords: Coords = "pixel") -> str:
    """GeoJSON text (UTF-8, one feature per line so diffs of exported layers stay readable)."""
    return "".join(geojson_chunks(catalog, provenance, coords))


def geojson_chunks(catalog: SourceCatalog, provenance: Provenance, coords: Coords = "pixel") -> Iterator[str]:
    """:func:`write_geojson`'s text, ``table_export.CHUNK_ROWS`` features a chunk (a streamed download); the
    checks run first, so a refused export is an error before any byte is sent."""
    document = geojson_document(SourceCatalog([], catalog.meta), provenance, coords)
    _require_positions(catalog, coords)
    document.pop("features")
    head = json.dumps(document, ensure_ascii=False)[:-1] + ', "features": [\n'
    sources = catalog.sources

    rows = table_export.CHUNK_ROWS

    def chunks() -> Iterator[str]:
        yield head
        for start in range(0, len(sources), rows):
            text = ",\n".join(json.dumps(_feature(s, coords), ensure_ascii=False, allow_nan=False)
                               for s in sources[start:start + rows])
            yield text if start == 0 else ",\n" + text
        yield "\n]}\n"

    return chunks()


def _feature(source: Source, coords: Coords) -> dict[str, Any]:
    props: dict[str, Any] = {"class": consensus(source.labels)}
    if source.labels:
        props["labels"] = [label.to_dict() for label in source.labels]
    if source.shape is not None and not source.shape.is_empty():
        props["shape"] = source.shape.to_dict()
    if coords == "pixel":
        if source.geometry is not None and source.geometry.get("type") != "Point":
            geometry = source.geometry
            props["x"], props["y"] = source.x, source.y  # exact position, not only the outline's centroid
        else:
            geometry = {"type": "Point", "coordinates": [source.x, source.y]}
        if source.has_sky:
            props["ra"], props["dec"] = source.ra, source.dec
    else:
        ra = source.ra if source.ra <= 180.0 else source.ra - 360.0  # type: ignore[operator]
        geometry = {"type": "Point", "coordinates": [ra, source.dec]}
        if source.has_pixel:
            props["x"], props["y"] = source.x, source.y
        if source.geometry is not None and source.geometry.get("type") != "Point":
            props["pixel_geometry"] = source.geometry
    for name, value in source.columns.items():
        props[f"col_{name}" if name in RESERVED else name] = _json_value(value)
    return {"type": "Feature", "id": source.id, "geometry": geometry, "properties": props}


def _json_value(value: Any) -> Any:
    """JSON has no NaN: a stray non-finite float (columns should hold ``None``) is written as null."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def _require_positions(catalog: SourceCatalog, coords: Coords) -> None:
    missing = [s.id for s in catalog.sources if not (s.has_pixel if coords == "pixel" else s.has_sky)]
    if missing:
        what = "pixel positions" if coords == "pixel" else "RA/Dec"
        raise CatalogExportError(
            f"{len(missing)} source(s) have no {what} (ids {', '.join(missing[:5])}"
            f"{' ...' if len(missing) > 5 else ''}): complete them with crossmatch.complete_positions "
            "and the image WCS first"
        )
