"""``skylabel bench tiles`` as a user runs it, on a tiny galaxy: the figures the issue names are all there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_bench_tiles_prints_its_figures(tmp_path: Path) -> None:
    env = {**os.environ, "SKYLABEL_DATA_DIR": str(tmp_path)}
    env.pop("SKYLABEL_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "backend.cli", "bench", "tiles", "--size", "512", "--levels", "2", "--rounds", "1",
         "--clients", "2", "--ingest-size", "300", "--ingest-bands", "2", "--json"],
        env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    for key in ("server_tiles_per_s", "inprocess_tiles_per_s", "ratio", "p50_ms", "p95_ms", "cpu_ratio",
                "ratio_threaded", "ingest_seconds", "ingest_peak_rss_mb", "repeat_tiles_per_s", "static_tiles_per_s",
                "repeat_vs_static", "first_tile_ms"):
        assert isinstance(figures[key], int | float) and figures[key] > 0, key
    assert figures["tiles"] == 5  # zoom 0 (1 tile) and 1 (4 tiles) of a 512 px image
    assert any(line.startswith("ratio server / in-process") for line in lines)
    # the repeat pass is served from the tile cache: faster than rendering (a loose bound on a noisy machine)
    assert figures["repeat_speedup"] > 1.2, figures
    assert any(line.startswith("static ") for line in lines)
