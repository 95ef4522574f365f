"""One entry point per direction: :func:`read_catalog` (format given or sniffed from name and content) and
:func:`export_catalog` (bytes plus the media type and file extension an HTTP response needs;
:func:`export_chunks` the same as chunks, for a streamed download)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from backend.catalogues.csvtable import csv_chunks, read_csv
from backend.catalogues.ds9 import read_ds9
from backend.catalogues.ds9_export import ds9_chunks
from backend.catalogues.errors import CatalogExportError, CatalogFormatError
from backend.catalogues.geojson import read_geojson
from backend.catalogues.geojson_export import geojson_chunks
from backend.catalogues.inputs import CatalogInput, input_name, read_head
from backend.catalogues.legus import read_legus
from backend.catalogues.provenance import Provenance
from backend.catalogues.sextractor import read_sextractor
from backend.catalogues.table import SourceCatalog
from backend.catalogues.table_formats import read_table, table_chunks

READERS: dict[str, Callable[..., SourceCatalog]] = {
    "sextractor": read_sextractor,
    "legus": read_legus,
    "geojson": read_geojson,
    "ds9": read_ds9,
    "csv": read_csv,
    "ecsv": lambda source, **kw: read_table(source, "ecsv", **kw),
    "fits": lambda source, **kw: read_table(source, "fits", **kw),
    "votable": lambda source, **kw: read_table(source, "votable", **kw),
}
_SEXTRACTOR_HEADER = re.compile(rb"^#\s+1\s+[A-Z_]+", re.MULTILINE)
_DS9_SHAPE = re.compile(rb"^\s*[-+]?(circle|point|box|polygon|ellipse)\s*\(", re.MULTILINE)
_NUMBERS_ONLY = re.compile(rb"^[\s0-9eE+.\-]+$")


def detect_format(name: str | None, raw: bytes) -> str:
    """The reader for a file, from its signature first and its name second (raises when unsure); ``raw``
    is the file's first bytes (:func:`backend.catalogues.inputs.read_head`) or all of it."""
    head = raw[:4096].lstrip()
    lower = (name or "").lower()
    if head.startswith(b"SIMPLE  ="):
        return "sextractor" if b"LDAC_OBJECTS" in raw[:200_000] else "fits"
    if head.startswith(b"# %ECSV"):
        return "ecsv"
    if b"<VOTABLE" in raw[:8192]:
        return "votable"
    if head.startswith(b"{"):
        return "geojson"
    if lower.endswith(".reg") or b"# Region file format" in head or _DS9_SHAPE.search(head):
        return "ds9"
    if _SEXTRACTOR_HEADER.match(head):
        return "sextractor"
    first_line = head.split(b"\n", 1)[0]
    if "hlsp_legus" in lower or (lower.endswith(".tab") and _NUMBERS_ONLY.match(first_line)):
        return "legus"
    if lower.endswith((".csv", ".tsv")) or (first_line and not _NUMBERS_ONLY.match(first_line)):
        return "csv"
    raise CatalogFormatError(f"cannot tell the catalogue format: pass one of {sorted(READERS)}",
                             line=1, path=name)


def read_catalog(source: CatalogInput, fmt: str | None = None, name: str | None = None,
                 **options: Any) -> SourceCatalog:
    """Read any supported catalogue. ``name`` is the original file name of uploaded bytes (it helps
    detection and, for LEGUS, picks the field's layout); ``options`` go to the format's reader."""
    fmt = fmt or detect_format(name or input_name(source), read_head(source))
    if fmt not in READERS:
        raise CatalogFormatError(f"unknown catalogue format {fmt!r}: use one of {sorted(READERS)}")
    if fmt == "legus" and name is not None:
        options.setdefault("file_name", name)
    try:
        catalog = READERS[fmt](source, **options)
    except CatalogFormatError as exc:
        if name is None or exc.path is None or exc.path == name:
            raise
        # a spooled upload is read from its temporary path: messages name the file the user sent
        raise CatalogFormatError(exc.reason.replace(exc.path, name), exc.line, exc.feature, name) from None
    if name is not None:
        catalog.meta.source_file = name
    return catalog


@dataclass(frozen=True)
class ExportFormat:
    media_type: str
    extension: str
    #: the file in chunks (str or bytes); checks run when it is called, before the first chunk
    chunks: Callable[..., Iterator[str] | Iterator[bytes]]


EXPORTS: dict[str, ExportFormat] = {
    "geojson": ExportFormat("application/geo+json", ".geojson",
                            lambda c, p, **kw: geojson_chunks(c, p, coords="pixel", **kw)),
    "geojson-sky": ExportFormat("application/geo+json", ".geojson",
                                lambda c, p, **kw: geojson_chunks(c, p, coords="sky", **kw)),
    "ecsv": ExportFormat("text/plain", ".ecsv", lambda c, p, **kw: table_chunks(c, p, "ecsv")),
    "fits": ExportFormat("application/fits", ".fits", lambda c, p, **kw: table_chunks(c, p, "fits")),
    "votable": ExportFormat("application/x-votable+xml", ".vot", lambda c, p, **kw: table_chunks(c, p, "votable")),
    "ds9": ExportFormat("text/plain", ".reg", lambda c, p, **kw: ds9_chunks(c, p, coords="image", **kw)),
    "ds9-fk5": ExportFormat("text/plain", ".reg", lambda c, p, **kw: ds9_chunks(c, p, coords="fk5", **kw)),
    "csv": ExportFormat("text/csv", ".csv", lambda c, p, **kw: csv_chunks(c, p)),
}


def export_chunks(
    catalog: SourceCatalog, fmt: str, provenance: Provenance, **options: Any
) -> tuple[Iterator[bytes], ExportFormat]:
    """The exported file as an iterator of byte chunks (for a streamed download; memory is one chunk for the
    text formats, the output for FITS and VOTable) and its :class:`ExportFormat`. Refusals raise here."""
    if fmt not in EXPORTS:
        raise CatalogExportError(f"unknown export format {fmt!r}: use one of {sorted(EXPORTS)}")
    spec = EXPORTS[fmt]
    parts = spec.chunks(catalog, provenance, **options)
    return ((part.encode("utf-8") if isinstance(part, str) else part) for part in parts), spec


def export_catalog(
    catalog: SourceCatalog, fmt: str, provenance: Provenance, **options: Any
) -> tuple[bytes, ExportFormat]:
    """The exported file's bytes and its :class:`ExportFormat` (media type, extension)."""
    chunks, spec = export_chunks(catalog, fmt, provenance, **options)
    return b"".join(chunks), spec
