"""Read an uploaded or local catalogue file with the options a user gives (API form fields, CLI flags).

A thin layer over :func:`backend.catalogues.read_catalog`: it checks that each option suits the format and
turns the CSV/table column mapping from JSON into a :class:`ColumnMapping`. Errors are 422s naming the
option; the readers' own errors name the file line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend.catalogues import ColumnMapping, SourceCatalog, jsontext, read_catalog
from backend.errors import InputError

IMPORT_FORMATS = ("sextractor", "legus", "geojson", "ds9", "csv", "ecsv", "fits", "votable")
TABLE_FORMATS = ("csv", "ecsv", "fits", "votable")


def read_catalog_file(source: bytes | Path, name: str, fmt: str | None = None, layout: str | None = None,
                      mapping: str | None = None) -> SourceCatalog:
    """The catalogue in ``source`` (bytes of an upload or a path); ``name`` is the original file name."""
    if fmt is not None and fmt not in IMPORT_FORMATS:
        raise InputError(f"format {fmt!r} is unknown: use one of {', '.join(IMPORT_FORMATS)}")
    options: dict[str, Any] = {}
    if layout:
        if fmt not in (None, "legus"):
            raise InputError("layout applies to LEGUS catalogues only (format legus)")
        fmt = "legus"  # a layout names a LEGUS catalogue
        options["layout"] = layout
    if mapping:
        if fmt not in TABLE_FORMATS:
            raise InputError(f"a column mapping applies to {', '.join(TABLE_FORMATS)} tables: give the format too")
        options["mapping"] = column_mapping(mapping)
    return read_catalog(source, fmt, name=name, **options)


def column_mapping(text: str) -> ColumnMapping:
    """``{"x": "xc", "y": "yc", "class": "label", "pixel_origin": 1}`` as a :class:`ColumnMapping`."""
    try:
        data = jsontext.loads(text, max_depth=4)
    except json.JSONDecodeError as exc:
        raise InputError(f"mapping is not valid JSON: {exc.msg} (column {exc.colno})") from None
    except jsontext.TooDeepError:
        raise InputError('mapping nests too deep: it is a flat object such as {"x": "xc", "y": "yc"}') from None
    if not isinstance(data, dict):
        raise InputError('mapping must be a JSON object such as {"x": "xc", "y": "yc", "class": "label"}')
    if "class" in data:
        data["class_"] = data.pop("class")
    allowed = set(ColumnMapping.__dataclass_fields__)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InputError(f"mapping keys {', '.join(unknown)} are unknown: use {', '.join(sorted(allowed))}")
    return ColumnMapping(**data)
