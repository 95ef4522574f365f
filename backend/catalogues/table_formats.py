"""ECSV, FITS table and VOTable export and import through astropy (layout in
:mod:`backend.catalogues.table_export`).

Provenance travels as ECSV meta (YAML), FITS header cards (8-character keywords in :data:`FITS_KEYWORDS`,
``DATE`` and ``CREATOR`` as the FITS standard names them) and VOTable ``INFO`` elements. The VOTable output
passes ``astropy.io.votable.validate`` with no warnings. Import reads both our exports and other people's
tables, through the column mapping of :mod:`backend.catalogues.mapping`.
"""

from __future__ import annotations

import io
import os
import warnings
from typing import Literal

import numpy as np
from astropy.io import fits
from astropy.io.votable import from_table, parse
from astropy.io.votable.tree import Info
from astropy.table import MaskedColumn, Table
from astropy.utils.exceptions import AstropyWarning

from backend.catalogues.errors import CatalogExportError, CatalogFormatError
from backend.catalogues.inputs import CatalogInput, input_name, read_head
from backend.catalogues.mapping import ColumnMapping, catalog_from_columns
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import LAYER_KINDS, ColumnInfo, LayerKind, SourceCatalog
from backend.catalogues.table_export import catalog_table

TableFormat = Literal["ecsv", "fits", "votable"]
FITS_KEYWORDS: dict[str, str] = {
    "scheme": "SCHEME", "classes": "CLASSES", "exported_by": "EXPORTBY", "exported_at": "DATE",
    "image": "IMAGE", "software": "CREATOR", "pixel_origin": "PIXORIGN", "pixel_convention": "PIXCONV",
    "layer_kind": "LAYERKND", "source_format": "SRCFMT",
}


def write_table(catalog: SourceCatalog, provenance: Provenance, fmt: TableFormat) -> bytes:
    """The catalogue as ECSV text, a FITS binary table (primary HDU + one BINTABLE) or a VOTable."""
    table = catalog_table(catalog, provenance)
    buffer = io.BytesIO()
    if fmt == "ecsv":
        return ecsv_text(table).encode("utf-8")
    if fmt == "fits":
        meta = dict(table.meta)
        table.meta.clear()
        for key, value in meta.items():
            table.meta[FITS_KEYWORDS[key]] = value
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)  # long strings become CONTINUE cards: fine
            table.write(buffer, format="fits")
        return buffer.getvalue()
    if fmt == "votable":
        meta = dict(table.meta)
        table.meta.clear()
        votable = from_table(table)
        resource_table = votable.get_first_table()
        resource_table.name = "skylabel_catalogue"
        for key, value in meta.items():
            resource_table.infos.append(Info(name=key, value=value))
        votable.to_xml(buffer)
        return buffer.getvalue()
    raise CatalogExportError(f"unknown table format {fmt!r}: use 'ecsv', 'fits' or 'votable'")


def ecsv_text(table: Table) -> str:
    """ECSV of ``table``: astropy writes the header (datatypes, units, meta), the rows are written here.

    astropy formats every cell through ``MaskedColumn.__getitem__`` (about 10 us a cell: a minute for a
    100k-row catalogue); ``tolist`` plus the csv module gives the same text in well under a second.
    """
    head = io.StringIO()
    table[:0].write(head, format="ascii.ecsv")
    out = io.StringIO()
    out.write(head.getvalue())
    cells = []
    for name in table.colnames:
        column = table[name]
        values = [_ecsv_cell(v) for v in np.asarray(column).tolist()]
        if isinstance(column, MaskedColumn):
            for index in np.flatnonzero(np.ma.getmaskarray(column)).tolist():
                values[index] = '""'
        cells.append(values)
    out.writelines(" ".join(row) + "\n" for row in zip(*cells, strict=True))
    return out.getvalue()


def _ecsv_cell(value: object) -> str:
    """One ECSV cell as astropy writes it: ``repr`` of floats, strings quoted when empty or spaced."""
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    if text == "" or any(c in text for c in ' "\t\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def read_table(
    source: CatalogInput,
    fmt: TableFormat | None = None,
    mapping: ColumnMapping | None = None,
    default_annotator: str = "imported",
    layer_kind: LayerKind | None = None,
) -> SourceCatalog:
    """Read an ECSV / FITS / VOTable catalogue (format sniffed from the content when ``fmt`` is None)."""
    name = input_name(source)
    fmt = fmt or sniff_table_format(read_head(source))
    if fmt is None:
        raise CatalogFormatError("not an ECSV, FITS or VOTable file (no '# %ECSV', 'SIMPLE' or '<VOTABLE')",
                                 line=1, path=name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            table, meta = _load(source, fmt)
    except Exception as exc:  # astropy raises many types for malformed files; all mean "unreadable"
        raise CatalogFormatError(f"not a readable {fmt} table: {exc}", path=name) from None
    if len(table) == 0:
        raise CatalogFormatError(f"the {fmt} table has no rows", path=name)
    columns = {c: np.ma.asanyarray(table[c]) for c in table.colnames if table[c].ndim == 1}
    infos = {c: ColumnInfo(_unit(table[c].unit), table[c].description or None) for c in columns}
    kind = layer_kind or meta.get("layer_kind")
    catalog = catalog_from_columns(
        columns, infos, mapping or ColumnMapping(pixel_origin=_origin(meta)), fmt, name,
        line_of=lambda i: None, header_line=None, default_annotator=default_annotator,
        layer_kind=kind if kind in LAYER_KINDS else None,  # type: ignore[arg-type]
    )
    provenance_keys = set(Provenance().items()) | {"scheme", "classes", "exported_by", "image"}
    catalog.meta.extra["provenance"] = {k: v for k, v in meta.items() if k in provenance_keys}
    return catalog


def sniff_table_format(raw: bytes) -> TableFormat | None:
    head = raw[:2048].lstrip()
    if head.startswith(b"# %ECSV"):
        return "ecsv"
    if head.startswith(b"SIMPLE  ="):
        return "fits"
    if b"<VOTABLE" in head or (head.startswith(b"<?xml") and b"VOTABLE" in raw[:8192]):
        return "votable"
    return None


def _load(source: CatalogInput, fmt: str) -> tuple[Table, dict[str, str]]:
    """The table and its meta, read from the path (FITS: only the table's HDU is loaded; VOTable: parsed
    incrementally) or from uploaded bytes."""
    if fmt == "ecsv":
        table = Table.read(source.decode("utf-8") if isinstance(source, bytes) else os.fspath(source),
                           format="ascii.ecsv")
        return table, {k: str(v) for k, v in table.meta.items()}
    if fmt == "fits":
        with fits.open(_file(source), memmap=False, lazy_load_hdus=True) as hdus:
            index = next(i for i, h in enumerate(hdus) if isinstance(h, fits.BinTableHDU | fits.TableHDU))
            table = Table.read(hdus, hdu=index)
        inverse = {v: k for k, v in FITS_KEYWORDS.items()}
        return table, {inverse[k]: str(v) for k, v in table.meta.items() if k in inverse}
    votable = parse(_file(source))
    first = votable.get_first_table()
    infos = list(votable.infos) + [i for r in votable.resources for i in r.infos] + list(first.infos)
    return first.to_table(use_names_over_ids=True), {i.name: str(i.value) for i in infos}


def _file(source: CatalogInput) -> io.BytesIO | str:
    return io.BytesIO(source) if isinstance(source, bytes) else os.fspath(source)


def _origin(meta: dict[str, str]) -> int | None:
    return int(meta["pixel_origin"]) if meta.get("pixel_origin") in ("0", "1") else None


def _unit(unit: object) -> str | None:
    return None if unit is None else str(unit)
