"""Reading catalogue files with the user's options (backend/services/labelling/catalogue_files.py): each
option checked against the format, the column mapping parsed from JSON, errors naming the option."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.catalogues import ColumnMapping
from backend.errors import InputError
from backend.services.labelling.catalogue_files import column_mapping, read_catalog_file

CSV = b"xc,yc,label,who\n10.5,20.0,1,alice\n30.0,40.25,4,bob\n"


def test_a_csv_with_a_mapping_reads_its_columns_and_labels(tmp_path: Path) -> None:
    mapping = '{"x": "xc", "y": "yc", "class": "label", "annotator": "who"}'
    catalog = read_catalog_file(CSV, "sources.csv", fmt="csv", mapping=mapping)
    assert [(s.x, s.y) for s in catalog.sources] == [(10.5, 20.0), (30.0, 40.25)]  # 0-based by default
    assert [(lab.annotator, lab.class_) for s in catalog.sources for lab in s.labels] == [("alice", "1"),
                                                                                         ("bob", "4")]
    assert catalog.meta.source_file == "sources.csv"
    path = tmp_path / "on-disk.csv"
    path.write_bytes(CSV)
    from_path = read_catalog_file(path, path.name, fmt="csv", mapping=mapping)
    assert [(s.x, s.y) for s in from_path.sources] == [(10.5, 20.0), (30.0, 40.25)]


def test_pixel_origin_1_shifts_to_0_based() -> None:
    catalog = read_catalog_file(CSV, "s.csv", fmt="csv", mapping='{"x": "xc", "y": "yc", "pixel_origin": 1}')
    assert [(s.x, s.y) for s in catalog.sources] == [(9.5, 19.0), (29.0, 39.25)]


@pytest.mark.parametrize(("options", "message"), [
    ({"fmt": "excel"}, "format 'excel' is unknown: use one of sextractor, legus"),
    ({"fmt": "csv", "layout": "ngc628"}, "layout applies to LEGUS catalogues only"),
    ({"mapping": '{"x": "xc"}'}, "a column mapping applies to csv, ecsv, fits, votable tables: give the format"),
    ({"fmt": "ds9", "mapping": '{"x": "xc"}'}, "a column mapping applies to csv"),
])
def test_options_that_do_not_fit_the_format_are_refused(options: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_catalog_file(CSV, "s.csv", **options)


@pytest.mark.parametrize(("text", "message"), [
    ('{"x": "xc"', r"mapping is not valid JSON: .* \(column \d+\)"),
    ('["xc", "yc"]', "mapping must be a JSON object such as"),
    ('"xc"', "mapping must be a JSON object"),
    ('{"x": "xc", "colour": "c", "size": 3}', "mapping keys colour, size are unknown: use annotator, class_, dec"),
])
def test_bad_mappings_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        column_mapping(text)


def test_class_is_accepted_for_the_python_name_class_() -> None:
    assert column_mapping('{"class": "label", "ra": "RA", "votes": {"v1": "alice"}}') == ColumnMapping(
        class_="label", ra="RA", votes={"v1": "alice"})
    assert column_mapping('{"class_": "label"}') == ColumnMapping(class_="label")
    assert column_mapping("{}") == ColumnMapping()


def test_a_real_legus_upload_is_recognised_by_its_name() -> None:
    from tests.conftest import shared_file

    path = shared_file("legus/hlsp_legus_hst_acs-wfc3_ic4247_multiband_v2_padagb-mwext-avgapcor.tab")
    uploaded = read_catalog_file(path.read_bytes(), path.name)  # no format given: detected
    assert uploaded.meta.format == "legus" and len(uploaded) == 762 and uploaded.meta.source_file == path.name
    classes = sorted(label.class_ for s in uploaded.sources for label in s.labels)
    assert (classes.count("1"), classes.count("2"), classes.count("3"), classes.count("4")) == (1, 4, 3, 37)
    renamed = read_catalog_file(path, "clusters.tab", fmt="legus")  # a renamed file needs the format
    assert [(s.id, s.x, s.y) for s in renamed.sources] == [(s.id, s.x, s.y) for s in uploaded.sources]
    with pytest.raises(InputError, match="a column mapping applies to csv"):
        read_catalog_file(path, path.name, fmt="legus", mapping='{"x": "X"}')


def test_a_real_sextractor_catalogue_is_detected() -> None:
    from tests.conftest import shared_file

    path = shared_file("sextractor_pair/image.cat")
    catalog = read_catalog_file(path.read_bytes(), path.name)
    assert catalog.meta.format == "sextractor-ascii" and len(catalog) == 65
    with pytest.raises(InputError, match="layout applies to LEGUS catalogues only"):
        read_catalog_file(path, path.name, fmt="sextractor", layout="ngc628")
