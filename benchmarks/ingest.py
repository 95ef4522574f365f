"""Measuring the ingest: time and peak memory of ``build_image`` on large synthetic bands.

``bench_ingest`` writes ``n_bands`` big-endian float32 FITS files of ``size x size`` pixels (the five LEGUS
filters, with PHOTFLAM, so the colour composite is built too), streamed to disk so the caller never holds a
band, then ingests them in a child Python process and reports that child's wall time and peak resident set
size (``ru_maxrss`` of the child, which counts everything it touched, numpy, GDAL cache and mapped pages).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

BENCH_FILTERS = [("F275W", 3.2e-18), ("F336W", 1.3e-18), ("F438W", 6.8e-19), ("F555W", 1.9e-19), ("F814W", 1.5e-19)]

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from tiles.ingest import BandInput, build_image
spec = json.loads(sys.argv[1])
bands = [BandInput(name, Path(path)) for name, path in spec["bands"]]
start = time.perf_counter()
manifest = build_image(bands, Path(spec["out_dir"]))
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_kb / 1024.0,
                  "renditions": [r["name"] for r in manifest["renditions"]]}))
"""


def write_bench_band(path: Path, size: int, photflam: float, seed: int, chunk_rows: int = 512) -> Path:
    """A ``size x size`` big-endian float32 FITS band (noise, a smooth galaxy, a NaN corner), streamed."""
    header = fits.Header()
    header["SIMPLE"] = True
    header["BITPIX"] = -32
    header["NAXIS"] = 2
    header["NAXIS1"] = size
    header["NAXIS2"] = size
    header["BUNIT"] = "ELECTRONS/S"
    header["PHOTFLAM"] = photflam
    header["EXPTIME"] = 1000.0
    rng = np.random.default_rng(seed)
    x = np.arange(size, dtype=np.float32) - size / 2
    stream = fits.StreamingHDU(path, header)
    try:
        for start in range(0, size, chunk_rows):
            y = np.arange(start, min(size, start + chunk_rows), dtype=np.float32)[:, None] - size / 2
            rows = rng.normal(0.0, 0.01, (y.shape[0], size)).astype(np.float32)
            rows += 5.0 * np.exp(-(x[None, :] ** 2 + y**2) / (2 * (size / 8) ** 2), dtype=np.float32)
            if start == 0:
                rows[: min(50, rows.shape[0]), :50] = np.nan
            stream.write(rows.astype(">f4"))
    finally:
        stream.close()
    return path


def bench_ingest(work_dir: Path, size: int = 10_000, n_bands: int = 5, keep: bool = False) -> dict[str, Any]:
    """Ingest ``n_bands`` synthetic ``size x size`` bands in a child process; returns ``seconds`` (the
    build_image call), ``peak_rss_mb`` (the child's peak resident set), ``size``, ``n_bands``, ``out_mb``
    (disk used by the COGs). Files go under ``work_dir`` and are removed unless ``keep``."""
    run_dir = Path(work_dir) / f"ingest-bench-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    try:
        filters = (BENCH_FILTERS * (n_bands // len(BENCH_FILTERS) + 1))[:n_bands]
        bands = []
        for i, (name, photflam) in enumerate(filters):
            band_name = name if i < len(BENCH_FILTERS) else f"{name}_{i}"
            bands.append((band_name, str(write_bench_band(run_dir / f"{band_name}.fits", size, photflam, seed=i))))
        out_dir = run_dir / "image"
        spec = json.dumps({"bands": bands, "out_dir": str(out_dir)})
        repo_root = Path(__file__).resolve().parents[1]
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, spec], capture_output=True, text=True, cwd=repo_root, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"ingest benchmark failed (exit {done.returncode}): {done.stderr[-2000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        out_bytes = sum(p.stat().st_size for p in out_dir.rglob("*") if p.is_file())
        return {
            "seconds": round(result["seconds"], 2), "peak_rss_mb": round(result["peak_rss_mb"], 1),
            "size": size, "n_bands": n_bands, "out_mb": round(out_bytes / 2**20, 1),
            "renditions": result["renditions"],
        }
    finally:
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
