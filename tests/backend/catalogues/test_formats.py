"""Format detection and the single read / export entry points the web layer calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.catalogues.errors import CatalogExportError, CatalogFormatError
from backend.catalogues.formats import EXPORTS, detect_format, export_catalog, read_catalog
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import CatalogMeta, SourceCatalog
from tests.conftest import shared_file

LEGUS_NGC4449 = "legus/hlsp_legus_hst_acs-wfc3_ngc4449_multiband_v2_padagb-mwext-avgapcor.tab"


@pytest.mark.parametrize("name, head, expected", [
    ("x.cat", b"#   1 NUMBER  Running object number\n", "sextractor"),
    ("x.fits", b"SIMPLE  =  T ... XTENSION LDAC_OBJECTS", "sextractor"),
    ("x.fits", b"SIMPLE  =  T ... XTENSION", "fits"),
    ("x.ecsv", b"# %ECSV 1.0\n", "ecsv"),
    ("x.xml", b'<?xml version="1.0"?>\n<VOTABLE version="1.4">', "votable"),
    ("x.json", b'  {"type": "FeatureCollection"}', "geojson"),
    ("x.reg", b"image\ncircle(1,2,3)\n", "ds9"),
    ("regions.txt", b"# Region file format: DS9 version 4.1\n", "ds9"),
    ("catalogue.tab", b"1 2.0 3.0 150.0 2.0\n", "legus"),
    ("sources.txt", b"id,x,y\n1,2,3\n", "csv"),
])
def test_detect_format(name: str, head: bytes, expected: str) -> None:
    assert detect_format(name, head) == expected


def test_detect_format_refuses_to_guess() -> None:
    with pytest.raises(CatalogFormatError, match="cannot tell the catalogue format"):
        detect_format("numbers.dat", b"1 2 3\n")


def test_uploaded_legus_bytes_use_the_file_name_for_the_layout() -> None:
    path = shared_file(LEGUS_NGC4449)
    catalog = read_catalog(path.read_bytes(), name=Path(LEGUS_NGC4449).name)
    assert catalog.meta.format == "legus" and catalog.meta.extra["layout"] == "ngc4449"
    assert catalog.meta.source_file == Path(LEGUS_NGC4449).name
    assert sum(len(s.labels) for s in catalog) == 143 + 282 + 182 + 874


def test_real_sextractor_catalogue_by_path() -> None:
    assert len(read_catalog(shared_file("sextractor_pair/image.cat"))) == 65


@pytest.mark.parametrize("fmt", sorted(EXPORTS))
def test_every_export_reads_back(fmt: str, labelled_catalog: SourceCatalog, provenance: Provenance) -> None:
    data, spec = export_catalog(labelled_catalog, fmt, provenance)
    assert isinstance(data, bytes) and spec.extension.startswith(".") and "/" in spec.media_type
    back = read_catalog(data, name=f"export{spec.extension}")
    assert back.ids() == labelled_catalog.ids()


def test_unknown_formats_are_named() -> None:
    with pytest.raises(CatalogFormatError, match="unknown catalogue format 'xls'"):
        read_catalog(b"id,x,y\n1,2,3\n", fmt="xls")
    with pytest.raises(CatalogExportError, match="unknown export format 'xls'"):
        export_catalog(SourceCatalog([], CatalogMeta(format="t")), "xls", Provenance())
