"""Catalogue formats: readers that turn SExtractor, LEGUS, GeoJSON, DS9, CSV, ECSV, FITS and VOTable files
into one :class:`SourceCatalog`, writers that publish one, and the cross-match that places it on an image.

Pure domain code (no database, no web): the web layer stores what these return. Pixel positions are
0-based everywhere here (numpy / astropy origin 0); each reader and writer of a 1-based format converts.
"""

from backend.catalogues.crossmatch import (
    FootprintReport,
    MatchResult,
    complete_positions,
    match_known,
    split_by_footprint,
)
from backend.catalogues.csvtable import read_csv, write_csv
from backend.catalogues.ds9 import read_ds9
from backend.catalogues.ds9_export import write_ds9
from backend.catalogues.errors import CatalogExportError, CatalogFormatError, CrossmatchError
from backend.catalogues.formats import (
    EXPORTS,
    READERS,
    ExportFormat,
    detect_format,
    export_catalog,
    export_chunks,
    read_catalog,
)
from backend.catalogues.geojson import read_geojson
from backend.catalogues.geojson_export import geojson_document, write_geojson
from backend.catalogues.legus import read_legus
from backend.catalogues.legus_layouts import LAYOUTS, LegusLayout, custom_layout
from backend.catalogues.mapping import ColumnMapping
from backend.catalogues.provenance import Provenance
from backend.catalogues.sextractor import read_sextractor
from backend.catalogues.table import CatalogMeta, ColumnInfo, Label, Shape, Source, SourceCatalog
from backend.catalogues.table_formats import read_table, write_table
from backend.catalogues.votes import consensus, current_votes

__all__ = [
    "EXPORTS", "LAYOUTS", "READERS", "CatalogExportError", "CatalogFormatError", "CatalogMeta", "ColumnInfo",
    "ColumnMapping", "CrossmatchError", "ExportFormat", "FootprintReport", "Label", "LegusLayout", "MatchResult",
    "Provenance", "Shape", "Source", "SourceCatalog", "complete_positions", "consensus", "current_votes",
    "custom_layout", "detect_format", "export_catalog", "export_chunks", "geojson_document", "match_known",
    "read_catalog",
    "read_csv", "read_ds9", "read_geojson", "read_legus", "read_sextractor", "read_table", "split_by_footprint",
    "write_csv", "write_ds9", "write_geojson", "write_table",
]
