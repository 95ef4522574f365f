"""``skylabel ingest`` as a user runs it: JSON out on success, a reason on stderr and a non-zero exit otherwise."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.backend.fits_factory import tan_header, write_band, write_bands


def run_cli(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SKYLABEL_DATA_DIR": str(data_dir)}
    env.pop("SKYLABEL_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], env=env, capture_output=True, text=True,
                          timeout=300)


def test_ingest_json_then_list(tmp_path: Path) -> None:
    bands = write_bands(tmp_path / "fits")
    args = ["ingest", "--name", "cli-galaxy", "--json"] + [f"--band={k}={v}" for k, v in bands.items()]
    done = run_cli(args, tmp_path / "data")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout.strip().splitlines()[-1])
    assert isinstance(payload["id"], int) and payload["bands"] == ["F435W", "F555W", "F814W"]
    listed = run_cli(["images", "--json"], tmp_path / "data")
    assert json.loads(listed.stdout)[0]["name"] == "cli-galaxy"


def test_refused_ingest_exits_nonzero_with_reason(tmp_path: Path) -> None:
    a = write_band(tmp_path / "a.fits", 300, 200)
    b = write_band(tmp_path / "b.fits", 300, 210, header=tan_header(300, 210))
    done = run_cli(["ingest", "--name", "bad", f"--band=F555W={a}", f"--band=F814W={b}"], tmp_path / "data")
    assert done.returncode != 0
    assert "grid" in done.stderr and "F814W" in done.stderr
    assert not list((tmp_path / "data" / "images").iterdir())


def test_missing_file_is_refused(tmp_path: Path) -> None:
    done = run_cli(["ingest", "--name", "x", f"--band=F555W={tmp_path / 'nope.fits'}"], tmp_path / "data")
    assert done.returncode != 0
    assert "nope.fits" in done.stderr
