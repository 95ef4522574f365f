"""ECSV, FITS table and VOTable export and import through astropy (layout in
:mod:`backend.catalogues.table_export`).

Provenance travels as ECSV meta (YAML), FITS header cards (8-character keywords in :data:`FITS_KEYWORDS`,
``DATE`` and ``CREATOR`` as the FITS standard names them) and VOTable ``INFO`` elements. The VOTable output
passes ``astropy.io.votable.validate`` with no warnings. Import reads both our exports and other people's
tables, through the column mapping of :mod:`backend.catalogues.mapping`.
"""

from __future__ import annotations

import csv
import io
import os
import warnings
from collections.abc import Iterator
from typing import Literal

import numpy as np
from astropy.io import fits
from astropy.io.votable import from_table, parse
from astropy.io.votable.tree import Info
from astropy.table import Column, MaskedColumn, Table
from astropy.utils.exceptions import AstropyWarning

from backend.catalogues.errors import CatalogExportError, CatalogFormatError
from backend.catalogues.inputs import CatalogInput, input_name, read_head, text_lines
from backend.catalogues.mapping import ColumnMapping, catalog_from_columns
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import LAYER_KINDS, ColumnInfo, LayerKind, SourceCatalog
from backend.catalogues.table_export import catalog_table, row_batches

TableFormat = Literal["ecsv", "fits", "votable"]
FITS_KEYWORDS: dict[str, str] = {
    "scheme": "SCHEME", "classes": "CLASSES", "exported_by": "EXPORTBY", "exported_at": "DATE",
    "image": "IMAGE", "software": "CREATOR", "pixel_origin": "PIXORIGN", "pixel_convention": "PIXCONV",
    "layer_kind": "LAYERKND", "source_format": "SRCFMT",
}
#: Longest text cell (bytes) of a fixed-width FITS column; longer text columns are variable-length.
FITS_FIXED_TEXT = 256
TEXT_COLUMNS = "TEXTCOLS"  # FITS card naming the variable-length UTF-8 text columns


def write_table(catalog: SourceCatalog, provenance: Provenance, fmt: TableFormat) -> bytes:
    """The catalogue as ECSV text, a FITS binary table (primary HDU + one BINTABLE) or a VOTable."""
    return b"".join(table_chunks(catalog, provenance, fmt))


def table_chunks(catalog: SourceCatalog, provenance: Provenance, fmt: TableFormat) -> Iterator[bytes]:
    """The file in chunks: ECSV rows ``table_export.CHUNK_ROWS`` at a time; FITS and VOTable as one piece,
    whose size is the output's (text columns are never padded to the longest cell)."""
    if fmt not in ("ecsv", "fits", "votable"):
        raise CatalogExportError(f"unknown table format {fmt!r}: use 'ecsv', 'fits' or 'votable'")
    table = catalog_table(catalog, provenance)
    if fmt == "ecsv":
        return (chunk.encode("utf-8") for chunk in ecsv_chunks(table))
    buffer = io.BytesIO()
    meta = dict(table.meta)
    table.meta.clear()
    if fmt == "fits":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)  # long strings become CONTINUE cards: fine
            hdu = fits_table_hdu(table, {FITS_KEYWORDS[key]: value for key, value in meta.items()})
            fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(buffer)
    else:
        votable = from_table(table)  # text columns: unicodeChar arraysize="*", each cell as long as it is
        resource_table = votable.get_first_table()
        resource_table.name = "skylabel_catalogue"
        for key, value in meta.items():
            resource_table.infos.append(Info(name=key, value=value))
        votable.to_xml(buffer)
    return iter([buffer.getvalue()])


def fits_table_hdu(table: Table, cards: dict[str, str]) -> fits.BinTableHDU:
    """The BINTABLE of ``table``: a text column whose longest cell is at most :data:`FITS_FIXED_TEXT` bytes
    is a fixed-width ``A`` column (ASCII, as FITS text is: other characters are written as ``\\xe9``,
    ``\\u2013``); a longer one (outlines) is a variable-length ``PB`` column of UTF-8 bytes after the others,
    named in the ``TEXTCOLS`` card, so one long cell does not widen every row. (Not ``PA``: astropy reads a
    ``PA`` cell padded to its own length squared, gigabytes for one 30 kB outline.) astropy writes the fixed
    part, its column descriptions (which keep annotators' exact names) in its serialized-columns header."""
    fixed = Table(meta=cards)
    long_text: list[fits.Column] = []
    for name in table.colnames:
        column = table[name]
        if column.dtype.kind != "O":
            fixed[name] = column
            continue
        values = [str(v) for v in column.tolist()]
        longest = max((len(v.encode("utf-8")) for v in values), default=0)
        if longest <= FITS_FIXED_TEXT:
            texts = [v.encode("ascii", "backslashreplace") for v in values]
            fixed[name] = Column(np.array(texts, dtype=f"S{max((len(t) for t in texts), default=1) or 1}"),
                                 unit=column.unit, description=column.description)
            continue
        cells = np.empty(len(values), dtype=object)
        cells[:] = [np.frombuffer(v.encode("utf-8"), dtype=np.uint8) for v in values]
        long_text.append(fits.Column(name=name, format=f"PB({longest})", array=cells,
                                     unit=None if column.unit is None else str(column.unit)))
    buffer = io.BytesIO()
    fixed.write(buffer, format="fits")
    hdu = fits.open(io.BytesIO(buffer.getvalue()))[1]
    if not long_text:
        return hdu
    hdu = fits.BinTableHDU.from_columns(hdu.columns + fits.ColDefs(long_text), header=hdu.header)
    hdu.header[TEXT_COLUMNS] = ",".join(c.name for c in long_text)
    return hdu


def ecsv_text(table: Table) -> str:
    """ECSV of ``table`` as one text (see :func:`ecsv_chunks`)."""
    return "".join(ecsv_chunks(table))


def ecsv_chunks(table: Table) -> Iterator[str]:
    """ECSV of ``table``: astropy writes the header (datatypes, units, meta), the rows are written here,
    ``table_export.CHUNK_ROWS`` at a time.

    astropy formats every cell through ``MaskedColumn.__getitem__`` (about 10 us a cell: a minute for a
    100k-row catalogue); ``tolist`` plus a join gives the same text in well under a second. Text columns
    (object dtype, see :func:`catalog_table`) are declared as plain ``string`` columns.
    """
    head_table = table[:0].copy()
    for name in head_table.colnames:
        column = head_table[name]
        if column.dtype.kind == "O":
            head_table[name] = Column(np.array([], dtype=str), unit=column.unit, description=column.description,
                                      meta=column.meta)
    head = io.StringIO()
    head_table.write(head, format="ascii.ecsv")
    header = head.getvalue()

    def chunks() -> Iterator[str]:
        yield header
        for rows in row_batches(table, _ecsv_cell, '""'):
            yield "".join(" ".join(row) + "\n" for row in rows)

    return chunks()


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
        table = ecsv_table(source)
        return table, {k: str(v) for k, v in table.meta.items()}
    if fmt == "fits":
        with fits.open(_file(source), memmap=False, lazy_load_hdus=True) as hdus:
            index = next(i for i, h in enumerate(hdus) if isinstance(h, fits.BinTableHDU | fits.TableHDU))
            table = Table.read(hdus, hdu=index)
            text_columns = set(str(hdus[index].header.get(TEXT_COLUMNS, "")).split(","))
        for name in table.colnames:  # variable-length text: our UTF-8 bytes (PB), others' characters (PA)
            column = table[name]
            if column.dtype.kind != "O" or not len(column):
                continue
            if name in text_columns:
                texts = [bytes(np.asarray(v, dtype=np.uint8)).decode("utf-8", "replace") for v in column]
            elif all(isinstance(v, np.ndarray) and v.dtype.kind in "SU" for v in column):
                texts = ["".join(np.asarray(v).astype(str).tolist()) for v in column]
            else:
                continue
            cells = np.empty(len(texts), dtype=object)
            cells[:] = texts
            table[name] = Column(cells, unit=column.unit, description=column.description)
        table.meta.pop(TEXT_COLUMNS, None)
        inverse = {v: k for k, v in FITS_KEYWORDS.items()}
        return table, {inverse[k]: str(v) for k, v in table.meta.items() if k in inverse}
    votable = parse(_file(source))
    first = votable.get_first_table()
    infos = list(votable.infos) + [i for r in votable.resources for i in r.infos] + list(first.infos)
    return first.to_table(use_names_over_ids=True), {i.name: str(i.value) for i in infos}


def ecsv_table(source: CatalogInput) -> Table:
    """An ECSV table: astropy reads the header (datatypes, units, meta); the rows are read here a line at a
    time, text cells as Python strings -- astropy pads every text cell to the column's longest (one 30 kB
    outline among 3,000 rows cost 880 MB). Tables with multidimensional or JSON-typed columns go to astropy."""
    lines = text_lines(source, "an ECSV table")
    header: list[str] = []
    for line in lines:
        header.append(line)
        if not line.startswith("#") and line.strip():
            break  # the column names line
    head = Table.read("".join(header), format="ascii.ecsv")
    simple = all(head[c].ndim == 1 and head[c].dtype.kind in "iufbU" for c in head.colnames)
    if not simple:
        return Table.read(source.decode("utf-8") if isinstance(source, bytes) else os.fspath(source),
                          format="ascii.ecsv")
    delimiter = "," if "delimiter: ','" in "".join(header) else " "
    cells: list[list[str]] = [[] for _ in head.colnames]
    for number, row in enumerate(csv.reader((ln for ln in lines if ln.strip() and not ln.startswith("#")),
                                            delimiter=delimiter, quotechar='"'), start=len(header) + 1):
        if len(row) != len(cells):
            raise CatalogFormatError(f"expected {len(cells)} values (as the header names), found {len(row)}",
                                     line=number, path=input_name(source))
        for column, value in zip(cells, row, strict=True):
            column.append(value)
    table = Table(meta=head.meta)
    for name, values in zip(head.colnames, cells, strict=True):
        like = head[name]
        missing = [v == "" for v in values]
        if like.dtype.kind == "U":
            data = np.empty(len(values), dtype=object)
            data[:] = values
            table[name] = Column(data, unit=like.unit, description=like.description)
            continue
        filled = ["0" if m else v for v, m in zip(values, missing, strict=True)]
        try:
            array = np.array([v == "True" for v in filled] if like.dtype.kind == "b" else filled, dtype=like.dtype)
        except (ValueError, OverflowError):
            raise CatalogFormatError(f"column {name!r} holds a value that is not {like.dtype}",
                                     path=input_name(source)) from None
        table[name] = MaskedColumn(array, mask=missing, unit=like.unit, description=like.description)
    return table


def _file(source: CatalogInput) -> io.BytesIO | str:
    return io.BytesIO(source) if isinstance(source, bytes) else os.fspath(source)


def _origin(meta: dict[str, str]) -> int | None:
    return int(meta["pixel_origin"]) if meta.get("pixel_origin") in ("0", "1") else None


def _unit(unit: object) -> str | None:
    return None if unit is None else str(unit)
