"""``skylabel bench tiles``: tiles per second through the HTTP server against in-process rendering.

Both sides render the same tiles of the same float rendition with the same stretch, in one run, so the ratio
holds on a noisy machine. The in-process baseline calls :func:`tiles.render.render_tile` (rio-tiler's
``ImageReader`` reading and encoding) on one thread and on as many threads as there are HTTP clients, and
the faster of the two counts; the server side adds HTTP parsing, routing, the image lookup and the response,
and shares the cores with the benchmark's own HTTP clients. Latency percentiles are per request as seen by
the clients.

Panning back is measured too, in the same run: the cold pass asks for tiles no cache holds (each round
its own stretch key, ``pmax`` moved by 1e-9), the *repeat* pass asks for the same tiles again (served from
the process's tile cache), and the *static* pass asks the same server stack for the same encoded tiles
written as files (Starlette's StaticFiles, where the browser app is served): a repeat view should cost no
more than twice a static file. ``first_tile_ms`` is the first finest-zoom tile of a fresh process (the
start-up warm-up opens the readers).
"""

from __future__ import annotations

import asyncio
import random
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.httpclient import HttpClient
from benchmarks.server import process_cpu_seconds, server_process
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
    """Render every job in this process on ``threads`` threads: rate, latency and CPU ms per tile."""
    params = StretchParams.from_query({})

    def one(job: TileJob) -> float:
        t0 = time.perf_counter()
        render_tile(cog, stats, job.z, job.x, job.y, params, fmt)
        return time.perf_counter() - t0

    for job in jobs[: min(20, len(jobs))]:  # warm the reader cache and the encoder
        one(job)
    cpu0, start = time.process_time(), time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        latencies = list(pool.map(one, jobs))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu0
    return {"tiles_per_s": len(jobs) / elapsed, "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * percentile(latencies, 95), "cpu_ms_per_tile": 1000 * cpu / len(jobs)}


async def _http_run(base: str, paths: list[str], clients: int, warm: int = 20) -> tuple[float, list[float], int]:
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

    if warm:
        warm_client = HttpClient(host, int(port))
        for path in paths[: min(warm, len(paths))]:
            await warm_client.get(path)
        await warm_client.close()
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return time.perf_counter() - start, latencies, errors


def tile_paths(image_id: int, rendition: str, jobs: list[TileJob], fmt: str, query: str = "") -> list[str]:
    return [f"/api/images/{image_id}/tiles/{rendition}/{j.z}/{j.x}/{j.y}.{fmt}" + (f"?{query}" if query else "")
            for j in jobs]


def cold_query(round_index: int, warm: bool = False) -> str:
    """A stretch no cache holds yet: ``pmax`` 99.8 moved by a different 1e-9 each time (the same pixels)."""
    return f"pmax={99.8 - (2 * round_index + (2 if warm else 1)) * 1e-9!r}"


def server_rate(base: str, pid: int, image_id: int, rendition: str, jobs: list[TileJob], fmt: str,
                clients: int, query: str = "", warm_query: str | None = None,
                paths: list[str] | None = None) -> dict[str, float]:
    """Request every job from a running server with ``clients`` keep-alive clients: rate, latency, server CPU.
    ``warm_query``: the stretch of the 20 warm-up requests (another key, so they leave the measured tiles
    uncached); ``paths``: other URLs to ask instead (the static files)."""
    if paths is None:
        paths = tile_paths(image_id, rendition, jobs, fmt, query)
        warm = tile_paths(image_id, rendition, jobs[:20], fmt, query if warm_query is None else warm_query)
    else:
        warm = paths[:20]
    asyncio.run(_http_run(base, warm, 1, warm=0))
    cpu0 = process_cpu_seconds(pid)
    elapsed, latencies, errors = asyncio.run(_http_run(base, paths, clients, warm=0))
    cpu = process_cpu_seconds(pid) - cpu0
    if errors:
        raise RuntimeError(f"{errors} of {len(paths)} tile requests failed")
    return {"tiles_per_s": len(paths) / elapsed, "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * percentile(latencies, 95), "cpu_ms_per_tile": 1000 * cpu / len(paths)}


def write_static_tiles(folder: Path, cog: Path, stats: list[dict[str, Any]], jobs: list[TileJob],
                       fmt: str) -> list[str]:
    """The jobs' encoded tiles as files under ``folder/static-tiles`` (plus an index.html, so the server
    mounts the folder as its browser app); returns their URL paths."""
    params = StretchParams.from_query({})
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "static-tiles").mkdir(parents=True)
    (folder / "index.html").write_text("<!doctype html><title>bench</title>")
    paths = []
    for job in jobs:
        path = f"static-tiles/{job.z}/{job.x}/{job.y}.{fmt}"
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(render_tile(cog, stats, job.z, job.x, job.y, params, fmt))
        paths.append("/" + path)
    return paths


def first_tile_ms(base: str, image_id: int, rendition: str, job: TileJob, fmt: str) -> float:
    """Latency of one finest-zoom tile of a process that has served none at that zoom yet."""
    _, latencies, errors = asyncio.run(_http_run(base, tile_paths(image_id, rendition, [job], fmt, cold_query(-5)),
                                                 1, warm=0))
    if errors:
        raise RuntimeError("the first tile request failed")
    return 1000 * latencies[0]


def compare(env: dict[str, str], image_id: int, rendition: str, cog: Path, stats: list[dict[str, Any]],
            jobs: list[TileJob], fmt: str, clients: int, rounds: int = 3,
            static_dir: Path | None = None) -> dict[str, Any]:
    """Alternate in-process (1 thread and ``clients`` threads) and server runs over ``rounds`` rounds.

    ``ratio`` compares the server with rio-tiler reading and encoding in a plain in-process loop (the
    issue's baseline); ``ratio_threaded`` with the same work on ``clients`` threads, a stricter baseline since
    the server spreads over both cores too (but shares them with the benchmark's clients); ``cpu_ratio``
    compares CPU milliseconds per tile (the server process's own, from /proc), which other load on the
    machine does not inflate. Figures are medians over rounds, so a burst of load moves both sides."""
    per_round: list[dict[str, Any]] = []
    static_paths: list[str] = []
    if static_dir is not None:
        static_paths = write_static_tiles(static_dir, cog, stats, jobs, fmt)
        env = {**env, "SKYLABEL_FRONTEND_DIR": str(static_dir)}
    first_ms = None
    with server_process(env) as (base, proc):
        time.sleep(1.0)  # the start-up warm-up runs in a thread: let it finish, as it would before a user
        first_ms = first_tile_ms(base, image_id, rendition, jobs[0], fmt)
        for index in range(rounds):
            single = inprocess_rate(cog, stats, jobs, fmt, threads=1)
            multi = inprocess_rate(cog, stats, jobs, fmt, threads=clients)
            query = cold_query(index)
            server = server_rate(base, proc.pid, image_id, rendition, jobs, fmt, clients, query,
                                 warm_query=cold_query(index, warm=True))
            repeat = server_rate(base, proc.pid, image_id, rendition, jobs, fmt, clients, query)
            entry = {"single": single, "multi": multi, "server": server, "repeat": repeat,
                     "ratio": server["tiles_per_s"] / single["tiles_per_s"],
                     "ratio_threaded": server["tiles_per_s"] / multi["tiles_per_s"]}
            if static_paths:
                static = server_rate(base, proc.pid, image_id, rendition, jobs, fmt, clients, paths=static_paths)
                entry["static"] = static
                entry["repeat_vs_static"] = static["tiles_per_s"] / repeat["tiles_per_s"]
            per_round.append(entry)

    def med(path: tuple[str, str]) -> float:
        return statistics.median(r[path[0]][path[1]] for r in per_round)

    return {
        "rounds": rounds,
        "server_tiles_per_s": med(("server", "tiles_per_s")),
        "inprocess_tiles_per_s": med(("single", "tiles_per_s")),
        "inprocess_threads_tiles_per_s": med(("multi", "tiles_per_s")),
        "ratio": statistics.median(r["ratio"] for r in per_round),
        "ratio_threaded": statistics.median(r["ratio_threaded"] for r in per_round),
        "p50_ms": med(("server", "p50_ms")), "p95_ms": med(("server", "p95_ms")),
        "inprocess_p50_ms": med(("single", "p50_ms")), "inprocess_p95_ms": med(("single", "p95_ms")),
        "server_cpu_ms_per_tile": med(("server", "cpu_ms_per_tile")),
        "inprocess_cpu_ms_per_tile": med(("single", "cpu_ms_per_tile")),
        "cpu_ratio": med(("single", "cpu_ms_per_tile")) / med(("server", "cpu_ms_per_tile")),
        "repeat_tiles_per_s": med(("repeat", "tiles_per_s")),
        "repeat_p50_ms": med(("repeat", "p50_ms")), "repeat_p95_ms": med(("repeat", "p95_ms")),
        "repeat_cpu_ms_per_tile": med(("repeat", "cpu_ms_per_tile")),
        "repeat_speedup": statistics.median(r["repeat"]["tiles_per_s"] / r["server"]["tiles_per_s"] for r in per_round),
        "first_tile_ms": first_ms,
        **({
            "static_tiles_per_s": med(("static", "tiles_per_s")),
            "static_cpu_ms_per_tile": med(("static", "cpu_ms_per_tile")),
            "repeat_vs_static": statistics.median(r["repeat_vs_static"] for r in per_round),
        } if static_paths else {}),
    }
