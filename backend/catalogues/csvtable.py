"""CSV catalogues: import with a column mapping (auto-detected names by default) and plain CSV export.

Import: a header row, then one source a row; ``,`` ``;`` or tab separated (guessed from the header), empty
cells are missing values, leading ``#`` comment lines are skipped. Which column is x, y, ra, dec, id, class
and annotator comes from :class:`backend.catalogues.mapping.ColumnMapping` (x, y 0-based unless said
otherwise or named like SExtractor's 1-based ``X_IMAGE``). Export: the columns of
:mod:`backend.catalogues.table_export` (x, y 0-based); CSV has no place for provenance, so use ECSV, FITS or
VOTable to publish it with the catalogue.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator, Sequence

import numpy as np
from astropy.table import Column

from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.inputs import CatalogInput, input_name, text_lines
from backend.catalogues.mapping import MAX_COLUMNS, VOTE_DESCRIPTION, VOTE_PREFIX, ColumnMapping, catalog_from_columns
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import ColumnInfo, LayerKind, SourceCatalog
from backend.catalogues.table_export import catalog_table, row_batches


def read_csv(
    source: CatalogInput,
    mapping: ColumnMapping | None = None,
    delimiter: str | None = None,
    default_annotator: str = "imported",
    layer_kind: LayerKind | None = None,
) -> SourceCatalog:
    """Read a CSV catalogue; errors name the file line (1-based, as an editor shows it)."""
    name = input_name(source)
    lines = text_lines(source, "a CSV table with a header row")
    skipped = 0
    header_text = None
    for line in lines:  # leading blank and comment lines, read and dropped one at a time
        if line.strip() and not line.lstrip().startswith("#"):
            header_text = line
            break
        skipped += 1
    if header_text is None:
        raise CatalogFormatError("no header row: the file holds only comments", line=1, path=name)
    delimiter = delimiter or _guess_delimiter(header_text)
    reader = csv.reader(itertools.chain([header_text], lines), delimiter=delimiter)
    header = [h.strip() for h in next(reader)]
    header_line = skipped + 1
    duplicate = next((h for i, h in enumerate(header) if h in header[:i] or not h), None)
    if duplicate is not None:
        reason = "an empty column name" if not duplicate else f"column name {duplicate!r} twice"
        raise CatalogFormatError(f"the header has {reason}: names must be unique", line=header_line, path=name)
    if len(header) > MAX_COLUMNS:
        raise CatalogFormatError(f"the table has {len(header)} columns: at most {MAX_COLUMNS} (drop the ones not "
                                 "needed before importing)", line=header_line, path=name)
    rows: list[list[str]] = []
    row_lines: list[int] = []
    try:
        for row in reader:
            line_number = skipped + reader.line_num
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise CatalogFormatError(
                    f"expected {len(header)} fields (as in the header), found {len(row)}", line=line_number,
                    path=name,
                )
            rows.append(row)
            row_lines.append(line_number)
    except csv.Error as exc:
        raise CatalogFormatError(f"malformed CSV: {exc}", line=skipped + reader.line_num, path=name) from None
    if not rows:
        raise CatalogFormatError("no data rows after the header", line=header_line, path=name)
    columns = {h: typed_strings(cells) for h, cells in zip(header, zip(*rows, strict=True), strict=True)}
    return catalog_from_columns(
        columns, {h: ColumnInfo() for h in header}, mapping or ColumnMapping(), "csv", name,
        line_of=lambda i: row_lines[i], header_line=header_line, default_annotator=default_annotator,
        layer_kind=layer_kind,
    )


def typed_strings(values: Sequence[str]) -> np.ndarray:
    """A masked int64, float64 or text (object) array from CSV cells; empty cells are masked."""
    cells = [v.strip() for v in values]
    mask = np.array([c == "" for c in cells])
    filled = [c if c else "0" for c in cells]
    for dtype in (np.int64, np.float64):
        try:
            return np.ma.MaskedArray(np.array(filled, dtype=dtype), mask=mask)
        except (ValueError, OverflowError):
            continue
    texts = np.empty(len(cells), dtype=object)  # not fixed-width: one long outline would widen every row
    texts[:] = cells
    return np.ma.MaskedArray(texts, mask=mask)


def write_csv(catalog: SourceCatalog, provenance: Provenance | None = None) -> str:
    """CSV text: header row then one source a row; missing values are empty cells."""
    return "".join(csv_chunks(catalog, provenance))


def csv_chunks(catalog: SourceCatalog, provenance: Provenance | None = None) -> Iterator[str]:
    """The CSV text in chunks of :data:`backend.catalogues.table_export.CHUNK_ROWS` rows (a streamed download)."""
    table = catalog_table(catalog, provenance or Provenance())
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([_header_name(table[n]) for n in table.colnames])
    head = out.getvalue()

    def chunks() -> Iterator[str]:
        yield head
        for rows in row_batches(table, _csv_cell, ""):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            yield buffer.getvalue()

    return chunks()


def _csv_cell(value: object) -> str:
    return "" if _blank(value) else (repr(value) if isinstance(value, float) else str(value))


def _header_name(column: Column) -> str:
    """Vote columns get the exact annotator name back (CSV has no descriptions to keep it in)."""
    match = VOTE_DESCRIPTION.match(column.description or "")
    return f"{VOTE_PREFIX}{match[1]}" if match else column.name


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _guess_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","
