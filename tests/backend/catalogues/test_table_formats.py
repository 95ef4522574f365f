"""ECSV, FITS and VOTable exports: layout, provenance, validator, and export -> import round trips."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.io.votable import parse, validate
from astropy.table import Table

from backend.catalogues.csvtable import read_csv, write_csv
from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.geojson import read_geojson
from backend.catalogues.geojson_export import write_geojson
from backend.catalogues.legus import read_legus
from backend.catalogues.provenance import Provenance
from backend.catalogues.table import SourceCatalog
from backend.catalogues.table_formats import read_table, write_table

FORMATS = ("ecsv", "fits", "votable")


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(fmt: str, labelled_catalog: SourceCatalog, provenance: Provenance,
                    same_sources: Callable[..., None]) -> None:
    back = read_table(write_table(labelled_catalog, provenance, fmt))  # type: ignore[arg-type]
    # tables carry each annotator's current vote; the GeoJSON export carries the full history
    same_sources(labelled_catalog, back, votes_only=True)
    assert back.meta.extra["provenance"]["scheme"] == "legus-4"
    assert back.meta.extra["provenance"]["exported_by"] == "tester"
    assert back.meta.layer_kind == "annotation"
    assert back.meta.columns["mag"].unit == "mag"


@pytest.mark.parametrize("fmt", FORMATS)
def test_layout_and_zero_based_statement(fmt: str, labelled_catalog: SourceCatalog, provenance: Provenance) -> None:
    data = write_table(labelled_catalog, provenance, fmt)  # type: ignore[arg-type]
    table = Table.read(io.BytesIO(data), format={"ecsv": "ascii.ecsv", "fits": "fits", "votable": "votable"}[fmt])
    assert table.colnames[:6] == ["id", "x", "y", "ra", "dec", "class"]
    assert {"class_alice", "class_bob", "class_Jane_Doe"} <= set(table.colnames)
    assert "0-based" in table["x"].description and "0-based" in table["y"].description
    assert table["class_Jane_Doe"].description == "class voted by annotator 'Jane Doe'"
    assert table["id"].dtype.kind == "i" and table["class"].dtype.kind in "USO"  # "cluster": text (VOTable: object)
    assert np.ma.is_masked(table["class"][1]) or table["class"][1] == ""  # tie: no consensus


def test_fits_header_and_ecsv_meta_carry_provenance(labelled_catalog: SourceCatalog, provenance: Provenance) -> None:
    with fits.open(io.BytesIO(write_table(labelled_catalog, provenance, "fits"))) as hdus:
        header = hdus[1].header
        assert header["SCHEME"] == "legus-4" and header["CLASSES"] == "1,2,3,4"
        assert header["EXPORTBY"] == "tester" and header["IMAGE"] == "ngc628.fits"
        assert header["PIXORIGN"] == "0" and header["CREATOR"] == "skylabel test"
        assert header["DATE"].startswith("2024-06-01")
    ecsv = write_table(labelled_catalog, provenance, "ecsv").decode()
    assert ecsv.startswith("# %ECSV") and "pixel_origin: '0'" in ecsv and "scheme: legus-4" in ecsv


def test_votable_validates_and_carries_info(labelled_catalog: SourceCatalog, provenance: Provenance) -> None:
    data = write_table(labelled_catalog, provenance, "votable")
    report = io.StringIO()
    assert validate(io.BytesIO(data), output=report) is True, report.getvalue()
    assert "found no violations" in report.getvalue()
    infos = {info.name: info.value for info in parse(io.BytesIO(data)).get_first_table().infos}
    assert infos["scheme"] == "legus-4" and infos["pixel_origin"] == "0" and infos["image"] == "ngc628.fits"


def test_real_legus_catalogue_survives_every_table_export(shared_data: Path, provenance: Provenance,
                                                          same_sources: Callable[..., None]) -> None:
    path = shared_data / "legus" / "hlsp_legus_hst_acs-wfc3_ngc628-e_multiband_v1_padagb-mwext-avgapcor.tab"
    if not path.exists():
        pytest.skip(f"real data file missing: {path}")
    catalog = read_legus(path)
    for fmt in ("ecsv", "fits", "votable"):
        back = read_table(write_table(catalog, provenance, fmt))  # type: ignore[arg-type]
        same_sources(catalog, back, tol=0.0)
        assert back.meta.layer_kind == "reference"
    same_sources(catalog, read_csv(write_csv(catalog, provenance).encode()), tol=0.0)
    same_sources(catalog, read_geojson(write_geojson(catalog, provenance).encode()), tol=0.0)


def test_foreign_table_with_sky_columns() -> None:
    table = Table({"Seq": [1, 2], "RAJ2000": [150.1, 150.2], "DEJ2000": [2.2, 2.3], "Vmag": [20.1, 21.2]})
    buffer = io.BytesIO()
    table.write(buffer, format="votable")
    catalog = read_table(buffer.getvalue())
    assert catalog.ids() == ["1", "2"] and catalog.sources[1].ra == 150.2 and catalog.sources[1].x is None
    assert catalog.sources[0].columns == {"Seq": 1, "Vmag": 20.1}


@pytest.mark.parametrize("content, reason", [
    (b"just some text\n", "not an ECSV, FITS or VOTable file"),
    (b"# %ECSV 1.0\n# ---\n# garbage: [\n", "not a readable ecsv table"),
    (b"SIMPLE  =                    T" + b"\x00" * 50, "not a readable fits table"),
])
def test_unreadable_tables(content: bytes, reason: str) -> None:
    with pytest.raises(CatalogFormatError, match=reason):
        read_table(content)


def test_ecsv_rows_are_read_here_with_masks_and_a_short_row_is_named(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from backend.catalogues.errors import CatalogFormatError
    from backend.catalogues.table_formats import ecsv_table

    head = ("# %ECSV 1.0\n# ---\n# datatype:\n# - {name: x, datatype: float64, unit: pix}\n"
            "# - {name: n, datatype: int64}\n# - {name: note, datatype: string}\n# - {name: ok, datatype: bool}\n"
            "# schema: astropy-2.0\nx n note ok\n")
    table = ecsv_table((head + '1.5 "" "two words" True\n2.5 7 "" False\n').encode())
    assert table["x"].tolist() == [1.5, 2.5] and str(table["x"].unit) == "pix"
    assert table["n"].mask.tolist() == [True, False] and table["n"][1] == 7
    assert table["note"].dtype.kind == "O" and table["note"].tolist() == ["two words", ""]
    assert table["ok"].tolist() == [True, False]
    with pytest.raises(CatalogFormatError, match="line 11: expected 4 values"):
        ecsv_table((head + "1 2 a True\n3 4\n").encode())
