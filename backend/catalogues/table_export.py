"""A :class:`SourceCatalog` as an astropy Table: the column layout shared by the ECSV, FITS, VOTable and CSV
exports.

Columns: ``id``; ``x``, ``y`` (0-based pixels, numpy/astropy origin 0 -- said in their descriptions and in
the meta); ``ra``, ``dec`` (ICRS deg); ``class`` (consensus = mode of current votes, empty on a tie);
``class_<annotator>`` (each annotator's current vote; the exact name is in the description, the column name
keeps only ``[A-Za-z0-9_.-]``); ``shape_a`` ... ``shape_flags`` and ``geometry`` (GeoJSON text of box /
polygon outlines) when any source has them; then the catalogue columns. A catalogue column whose name
collides with these gets the prefix ``col_``. Tables carry current votes only; the GeoJSON export carries
the full history (times, rounds).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from astropy.table import Column, MaskedColumn, Table

from backend.catalogues.mapping import GEOMETRY_COLUMN, SHAPE_COLUMNS, VOTE_PREFIX, is_curated
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import SHAPE_FIELDS, ColumnValue, SourceCatalog
from backend.catalogues.votes import consensus, current_votes

PIXEL_NOTE = "0-based pixel coordinates (numpy/astropy origin 0; add 1 for FITS/DS9 1-based pixels)"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_BASE = ("id", "x", "y", "ra", "dec", "class")
_INTEGER = re.compile(r"-?[1-9]\d{0,17}|0")


def vote_column(annotator: str) -> str:
    """``class_<annotator>`` with characters FITS/VOTable names dislike replaced by ``_``."""
    return VOTE_PREFIX + _UNSAFE.sub("_", annotator)


def catalog_table(catalog: SourceCatalog, provenance: Provenance) -> Table:
    """The export table; provenance and the pixel convention go to ``table.meta`` (flat string pairs).

    Text columns hold Python strings (object dtype), never fixed-width numpy strings, whose every cell is as
    wide as the longest one: one 1,000-vertex polygon outline made a CSV export of 36,000 sources take 4 GB.
    The writers keep it so (ECSV, CSV and VOTable write the strings as they are; FITS gives long text columns
    variable-length fields, :func:`backend.catalogues.table_formats.fits_table_hdu`)."""
    sources = catalog.sources

    table = Table()
    table["id"] = typed_column([s.id for s in sources], int_like=True)
    table["id"].description = "source id"
    for name, attr, unit, text in (
        ("x", "x", "pix", f"column position, {PIXEL_NOTE}"), ("y", "y", "pix", f"row position, {PIXEL_NOTE}"),
        ("ra", "ra", "deg", "right ascension (ICRS)"), ("dec", "dec", "deg", "declination (ICRS)"),
    ):
        table[name] = typed_column([getattr(s, attr) for s in sources])
        table[name].unit, table[name].description = unit, text
    table["class"] = typed_column([consensus(s.labels) for s in sources], int_like=True)
    table["class"].description = "consensus class: mode of the annotators' current votes (empty on a tie)"
    votes = [current_votes(s.labels) for s in sources]
    for annotator in catalog.annotators():
        name = vote_column(annotator)
        table[name] = typed_column([v.get(annotator) for v in votes], int_like=True)
        table[name].description = f"class voted by annotator '{annotator}'"
    for name, (curated_info, values) in catalog.curated.items():
        table[name] = typed_column(values, int_like=name.startswith(("n_votes", "votes_")) or (
            name.startswith("class_") and name != "class_mean"))
        table[name].unit, table[name].description = curated_info.unit, curated_info.description
    if any(s.shape is not None for s in sources):
        for key, name in zip(SHAPE_FIELDS, SHAPE_COLUMNS, strict=True):
            table[name] = typed_column([getattr(s.shape, key) if s.shape else None for s in sources])
        table["shape_a"].unit = table["shape_b"].unit = table["shape_fwhm"].unit = "pix"
        table["shape_theta"].unit = "deg"
    if any(s.geometry is not None and s.geometry.get("type") != "Point" for s in sources):
        table[GEOMETRY_COLUMN] = typed_column([_geometry_text(s.geometry) for s in sources])
        table[GEOMETRY_COLUMN].description = f"GeoJSON outline (box / polygon), {PIXEL_NOTE}"
    taken = set(table.colnames)
    for name in catalog.column_names():
        out = f"col_{name}" if name in taken or name.startswith(VOTE_PREFIX) or name in _BASE or is_curated(name) \
            else name
        table[out] = typed_column([s.columns.get(name) for s in sources])
        info = catalog.meta.columns.get(name)
        if info is not None:
            known_unit, note = astropy_unit(info.unit)
            if known_unit is not None:
                table[out].unit = known_unit
            table[out].description = " ".join(t for t in (info.description, note) if t) or None
    table.meta.update(table_meta(catalog, provenance))
    return table


def astropy_unit(text: str | None) -> tuple[str | None, str | None]:
    """``(unit, note)``: the unit when astropy parses it (so reading the file back gives no UnitsWarning),
    else no unit and the text kept in the description as ``(unit: ...)``: "detection-image units" is true
    but no unit astropy knows."""
    if not text:
        return None, None
    import warnings

    from astropy import units as u

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            u.Unit(text, format="generic", parse_strict="raise")
    except (ValueError, Warning):
        return None, f"(unit: {text})"
    return text, None


def table_meta(catalog: SourceCatalog, provenance: Provenance) -> dict[str, str]:
    """Provenance plus what a reader of the file needs to interpret it."""
    return {
        **provenance.items(),
        "pixel_origin": "0",
        "pixel_convention": PIXEL_NOTE,
        "layer_kind": catalog.meta.layer_kind,
        "source_format": catalog.meta.format,
    }


def typed_column(values: list[ColumnValue], int_like: bool = False) -> Column:
    """One column typed by content; ``None`` is NaN in float columns, ``""`` in string columns (every
    reader, ours included, takes both as missing) and masked only in integer columns, which have no
    other way to say it. Booleans become int16 0/1 (FITS cannot mask a logical column).

    ``int_like`` turns strings that are all plain integers ("1", "42") into int64 (ids, LEGUS classes), which
    table tools sort and filter as numbers; re-import turns them back into strings.
    """
    present = [v for v in values if v is not None]
    missing = len(present) < len(values)
    if int_like and present and all(isinstance(v, str) and _INTEGER.fullmatch(v) for v in present):
        return _integers([None if v is None else int(v) for v in values], missing, np.int64)  # type: ignore[arg-type]
    kinds = {type(v) for v in present}
    if not present or kinds <= {int, float} and float in kinds:
        return Column([np.nan if v is None else float(v) for v in values], dtype=np.float64)  # type: ignore[arg-type]
    if kinds <= {bool}:
        return _integers([None if v is None else int(v) for v in values], missing, np.int16)  # type: ignore[arg-type]
    if kinds <= {int}:
        return _integers(values, missing, np.int64)  # type: ignore[arg-type]
    column = np.empty(len(values), dtype=object)
    column[:] = ["" if v is None else str(v) for v in values]
    return Column(column, dtype=object)


def _integers(values: list[int | None], missing: bool, dtype: type) -> Column:
    data: np.ndarray = np.array([0 if v is None else v for v in values], dtype=dtype)
    if not missing:
        return Column(data)
    return MaskedColumn(data, mask=[v is None for v in values])


def _geometry_text(geometry: dict[str, Any] | None) -> str | None:
    if geometry is None or geometry.get("type") == "Point":
        return None
    return json.dumps(geometry, separators=(",", ":"))


#: Rows formatted per chunk of a streamed export (a chunk of a typical catalogue is a few hundred kB).
CHUNK_ROWS = 2000


def row_batches(table: Table, cell: Callable[[Any], str], missing: str) -> Iterator[list[tuple[str, ...]]]:
    """The table's rows as text cells, :data:`CHUNK_ROWS` at a time: ``cell`` formats a value, masked cells are
    ``missing``.

    Column-wise ``tolist`` per slice (fast) and only one slice's cells alive at a time, so a streamed export
    holds one chunk of text, not the whole file."""
    rows = CHUNK_ROWS
    for start in range(0, len(table), rows):
        cells = []
        for name in table.colnames:
            column = table[name][start:start + rows]
            values = [cell(v) for v in np.asarray(column).tolist()]
            if isinstance(column, MaskedColumn):
                for index in np.flatnonzero(np.ma.getmaskarray(column)).tolist():
                    values[index] = missing
            cells.append(values)
        yield list(zip(*cells, strict=True))
