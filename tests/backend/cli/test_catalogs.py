"""``skylabel ingest`` + ``import-catalog`` + ``export`` + ``detect`` on the real SExtractor pair, as a user
runs them: JSON out on success; a broken catalogue exits non-zero with the line on stderr, storing nothing."""

from __future__ import annotations

import contextlib
import io
import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from astropy.table import Table

from backend.catalogues import read_sextractor
from backend.cli import main
from tests.conftest import shared_file


def run_cli(args: list[str], data_dir: Path) -> SimpleNamespace:
    """``skylabel ARGS`` in this process (the entry point's ``main``, as the console script calls it):
    exit code, stdout and stderr. In-process keeps the interpreter start-up (seconds) out of each call."""
    out, err = io.StringIO(), io.StringIO()
    saved = {k: os.environ.get(k) for k in ("SKYLABEL_DATA_DIR", "SKYLABEL_DATABASE_URL")}
    os.environ["SKYLABEL_DATA_DIR"] = str(data_dir)
    os.environ.pop("SKYLABEL_DATABASE_URL", None)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """The ESO image ingested by the CLI (data dir, image id)."""
    data = tmp_path_factory.mktemp("cli") / "data"
    image = shared_file("sextractor_pair/image.fits")
    done = run_cli(["ingest", "--name", "pair", f"--band=R={image}", "--json"], data)
    assert done.returncode == 0, done.stderr
    return data, json.loads(done.stdout.strip().splitlines()[-1])["id"]


def test_import_then_export(pair: tuple[Path, int], tmp_path: Path) -> None:
    data, image_id = pair
    catalog = shared_file("sextractor_pair/image.cat")
    done = run_cli(["import-catalog", str(image_id), str(catalog), "--format", "sextractor", "--json"], data)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["imported"] == 65 and report["layer"]["kind"] == "detections" and report["outside"]["count"] == 0
    out = tmp_path / "out" / "pair.ecsv"
    done = run_cli(["export", str(image_id), "--format", "ecsv", "--out", str(out),
                    "--layers", str(report["layer"]["id"])], data)
    assert done.returncode == 0, done.stderr
    table = Table.read(out, format="ascii.ecsv")
    expected = read_sextractor(catalog)
    assert len(table) == 65 and list(table["id"][:3]) == [1, 2, 3]
    np.testing.assert_allclose(table["x"], expected.pixel_positions()[:, 0])  # 0-based, as read


def test_broken_catalogue_exits_nonzero_and_stores_nothing(pair: tuple[Path, int], tmp_path: Path) -> None:
    data, image_id = pair
    lines = shared_file("sextractor_pair/image.cat").read_text().splitlines(keepends=True)
    lines[30] = "   31  oops\n"
    broken = tmp_path / "broken.cat"
    broken.write_text("".join(lines))
    done = run_cli(["import-catalog", str(image_id), str(broken), "--format", "sextractor", "--name", "x"], data)
    assert done.returncode != 0
    assert "line 31" in done.stderr and "broken.cat" in done.stderr
    listed = run_cli(["export", str(image_id), "--format", "csv", "--out", str(tmp_path / "x.csv"),
                      "--layers", "99"], data)
    assert listed.returncode != 0 and "no layer(s) 99" in listed.stderr


def test_detect_finds_the_catalogued_sources(pair: tuple[Path, int]) -> None:
    data, image_id = pair
    done = run_cli(["detect", str(image_id), "--threshold", "1.5", "--json"], data)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["layer"]["name"].startswith("sep detections")
    export = data / "detections.csv"
    assert run_cli(["export", str(image_id), "--format", "csv", "--out", str(export),
                    "--layers", str(report["layer"]["id"])], data).returncode == 0
    found = Table.read(export, format="ascii.csv")
    known = read_sextractor(shared_file("sextractor_pair/image.cat")).pixel_positions()
    nearest = np.hypot(known[:, :1] - np.asarray(found["x"])[None], known[:, 1:] - np.asarray(found["y"])[None])
    assert (nearest.min(axis=1) < 1.0).mean() > 0.9  # sep and SExtractor agree on the same image


def test_legus_import_needs_no_layout_whatever_the_file_is_called(pair: tuple[Path, int], tmp_path: Path) -> None:
    """The NGC 1313 layout (mosaic x, y in 4-5) under a name without a field: it was refused ("no known LEGUS
    field in the file name"); now the JSON says which layout the contents gave."""
    data, image_id = pair
    source = shared_file("legus/hlsp_legus_hst_wfc3_ngc1313-e_multiband_v1_padagb-mwext-avgapcor.tab")
    renamed = tmp_path / "my_new_field_clusters.tab"
    rows = [line.split() for line in source.read_text().splitlines()[:40]]
    for i, row in enumerate(rows):  # mosaic x, y (columns 4-5) moved onto this 256 x 256 image
        row[3], row[4] = f"{20 + 5 * i:.3f}", f"{30 + 4 * i:.3f}"
    renamed.write_text("\n".join(" ".join(row) for row in rows) + "\n")
    done = run_cli(["import-catalog", str(image_id), str(renamed), "--format", "legus", "--positions", "pixel",
                    "--json"], data)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["layout"] == "ngc1313-e" and "RA/Dec in 6-7" in report["layout_reason"]
    assert report["imported"] == 40
