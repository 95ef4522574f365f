"""``skylabel bench tiles``: tiles per second through the HTTP server against in-process rendering.

Both sides render the same tiles of the same float rendition with the same stretch, in one run, so the ratio
holds on a noisy machine. The in-process baseline calls :func:`tiles.render.render_tile` (rio-tiler's
``ImageReader`` reading and encoding) from as many threads as there are HTTP clients; the server side adds
HTTP parsing, routing, the image lookup and the response. Latency percentiles are per request as seen by
the clients.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend.bench.httpclient import HttpClient
from backend.bench.server import running_server
from tiles.params import StretchParams
from tiles.render import render_tile
from tiles.tilegrid import tile_grid


@dataclass
class TileJob:
    z: int
    x: int
    y: int


def tile_jobs(width: int, height: int, levels: int = 3, seed: int = 0) -> list[TileJob]:
    """Every tile of the ``levels`` finest zooms, shuffled (a user panning at several zooms)."""
    grid = tile_grid(width, height)
    jobs = []
    for z in range(max(grid["minzoom"], grid["maxzoom"] - levels + 1), grid["maxzoom"] + 1):
        span = grid["tile_size"] * grid["resolutions"][z]
        for ty in range(int(-(-height // span))):
            for tx in range(int(-(-width // span))):
                jobs.append(TileJob(z, tx, ty))
    random.Random(seed).shuffle(jobs)
    return jobs


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def inprocess_rate(cog: Path, stats: list[dict[str, Any]], jobs: list[TileJob], fmt: str,
                   threads: int) -> dict[str, float]:
    params = StretchParams.from_query({})

    def one(job: TileJob) -> float:
        t0 = time.perf_counter()
        render_tile(cog, stats, job.z, job.x, job.y, params, fmt)
        return time.perf_counter() - t0

    for job in jobs[: min(20, len(jobs))]:  # warm the reader cache and the encoder
        one(job)
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, jobs))
    elapsed = time.perf_counter() - start
    return {"tiles_per_s": len(jobs) / elapsed, "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * percentile(latencies, 95)}


async def _http_run(base: str, paths: list[str], clients: int) -> tuple[float, list[float], int]:
    host, port = base.removeprefix("http://").split(":")
    queue: asyncio.Queue[str] = asyncio.Queue()
    for path in paths:
        queue.put_nowait(path)
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        client = HttpClient(host, int(port))
        try:
            while not queue.empty():
                status, _body, seconds = await client.get(queue.get_nowait())
                latencies.append(seconds)
                errors += status != 200
        finally:
            await client.close()

    warm = HttpClient(host, int(port))
    for path in paths[: min(20, len(paths))]:
        await warm.get(path)
    await warm.close()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - start, latencies, errors


def server_rate(env: dict[str, str], image_id: int, rendition: str, jobs: list[TileJob], fmt: str,
                clients: int, workers: int = 1) -> dict[str, float]:
    paths = [f"/api/images/{image_id}/tiles/{rendition}/{j.z}/{j.x}/{j.y}.{fmt}" for j in jobs]
    with running_server(env, workers=workers) as base:
        elapsed, latencies, errors = asyncio.run(_http_run(base, paths, clients))
    if errors:
        raise RuntimeError(f"{errors} of {len(paths)} tile requests failed")
    return {"tiles_per_s": len(paths) / elapsed, "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * percentile(latencies, 95)}
