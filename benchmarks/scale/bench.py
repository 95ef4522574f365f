"""``skylabel bench scale``: annotators through the proxy on two API processes against the same on one process.

One run, one topology (:class:`benchmarks.scale.topology.Topology`): a second nginx in front of api-1 alone is
the one-process baseline, the topology's nginx (api-1 and api-2, round-robin) the two-process case, so both
share the database, Redis, the worker and the machine's load at that moment. Per topology:

- ``labels_per_s`` and ``p95_save_ms``: ``annotators`` clients (one kept-alive connection each, as a browser
  keeps one) POST labels in a closed loop, no think time, for ``seconds``; every label is a real save (an
  annotation row, a ``labels`` event through Redis, a debounced probe refit queued for the Celery worker).
- ``label_to_scores_ms``: after the load, one label saved on api-1 and the time until a ``scores`` event (the
  refit on the Celery worker) arrives on the event stream held by the *other* process (api-2; api-1 itself in
  the one-process case): the whole path label -> API -> worker -> Redis -> another API -> browser. Median of
  ``repeats``.

Ratios are two_processes / one_process. One API process runs Python on at most one core (the GIL); on this
2-core machine, shared with the load generator, nginx, PostgreSQL, Redis and the worker, a second process can
add only what the others leave of the second core, so the throughput ratio is bounded by the cores, not by the
number of processes; the label-to-scores ratio says what the hop through Redis to another process costs.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
import urllib.request
import uuid
from typing import Any

from benchmarks.httpclient import HttpClient
from benchmarks.scale.topology import Topology

CLASSES = ("1", "2", "3", "4")


def _json(url: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        return json.load(answer)


def prepare_encoder(topo: Topology, steps: int, timeout: float = 1200) -> None:
    """A pretrained encoder and embeddings for the demo image, on the worker (a repeated run reuses them)."""
    base = topo.api_url(1)
    _json(f"{base}/api/images/{topo.image_id}/learning/pretrain", {"steps": steps, "batch_size": 16})
    deadline = time.monotonic() + timeout
    while True:
        tasks = _json(f"{base}/api/images/{topo.image_id}/tasks?limit=50")["items"]
        if any(t["name"] == "embed" and t["status"] == "done" for t in tasks):
            return
        failed = [t for t in tasks if t["status"] == "failed" and t["name"] in ("pretrain", "embed")]
        if failed:
            raise RuntimeError(f"{failed[0]['name']} failed: {failed[0]['error']}")
        if time.monotonic() > deadline:
            raise RuntimeError("pretraining and embedding did not finish in time")
        time.sleep(1)


def wait_refits_idle(topo: Topology, timeout: float = 300) -> None:
    """Wait until no probe refit is queued or running (the load phase leaves a few behind)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tasks = _json(f"{topo.api_url(1)}/api/images/{topo.image_id}/tasks?limit=100")["items"]
        if not any(t["name"] == "fit_probe" and t["status"] in ("queued", "running") for t in tasks):
            return
        time.sleep(0.5)


def source_ids(topo: Topology) -> list[int]:
    listing = _json(f"{topo.api_url(1)}/api/images/{topo.image_id}/sources/list?limit=1000")
    return [int(item["id"]) for item in listing["items"]]


async def _annotator(port: int, image_id: int, name: str, ids: list[int], until: float, rng: random.Random,
                     latencies: list[float], errors: list[int]) -> None:
    client = HttpClient("127.0.0.1", port)
    path = f"/api/images/{image_id}/annotations"
    try:
        while time.perf_counter() < until:
            body = json.dumps({"source_id": rng.choice(ids), "class": rng.choice(CLASSES), "annotator": name,
                               "client_key": str(uuid.uuid4())}).encode()
            try:
                status, _, seconds = await client.post_json(path, body)
            except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                errors.append(0)
                await client.close()
                continue
            if status in (200, 201):
                latencies.append(seconds)
            else:
                errors.append(status)
    finally:
        await client.close()


async def label_load(port: int, image_id: int, ids: list[int], annotators: int, seconds: float,
                     seed: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    until = start + seconds
    await asyncio.gather(*(_annotator(port, image_id, f"bench-scale-{i}", ids, until, random.Random(seed + i),
                                      latencies, errors) for i in range(annotators)))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] if ordered else float("nan")
    return {"labels": len(latencies), "errors": len(errors), "seconds": round(elapsed, 2),
            "labels_per_s": round(len(latencies) / elapsed, 1), "p95_save_ms": round(p95 * 1000, 1),
            "p50_save_ms": round(statistics.median(ordered) * 1000, 1) if ordered else None}


async def _event_stream(port: int, image_id: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /api/images/{image_id}/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    await writer.drain()
    while (await reader.readline()) not in (b"\r\n", b""):  # response headers
        pass
    return reader, writer


async def _next_scores(reader: asyncio.StreamReader) -> None:
    while True:
        line = await reader.readline()
        if not line:
            raise RuntimeError("the event stream ended")
        if b"event: scores" in line:
            return


async def label_to_scores(save_port: int, listen_port: int, image_id: int, ids: list[int], repeats: int,
                          seed: int) -> list[float]:
    """Seconds from saving a label on ``save_port`` to the ``scores`` event on ``listen_port``'s stream."""
    rng = random.Random(seed)
    reader, writer = await _event_stream(listen_port, image_id)
    client = HttpClient("127.0.0.1", save_port)
    found = []
    try:
        await asyncio.sleep(0.5)  # subscribed before the first label
        for i in range(repeats):
            body = json.dumps({"source_id": rng.choice(ids), "class": CLASSES[i % 2], "annotator": "bench-scale-probe",
                               "client_key": str(uuid.uuid4())}).encode()
            start = time.perf_counter()
            status, _, _ = await client.post_json(f"/api/images/{image_id}/annotations", body)
            if status not in (200, 201):
                raise RuntimeError(f"label refused with {status}")
            await asyncio.wait_for(_next_scores(reader), timeout=120)
            found.append(time.perf_counter() - start)
            await asyncio.sleep(1.5)  # past the refit's debounce: the next label starts a refit of its own
    finally:
        writer.close()
        await client.close()
    return found


def measure(topo: Topology, proxy_port: int, other_port: int, ids: list[int], annotators: int, seconds: float,
            repeats: int, seed: int) -> dict[str, Any]:
    image_id = int(topo.image_id or 0)
    load = asyncio.run(label_load(proxy_port, image_id, ids, annotators, seconds, seed))
    time.sleep(1.5)  # the last labels' refits are asked for up to a second later (backend/worker/live.py)
    wait_refits_idle(topo)
    delays = asyncio.run(label_to_scores(topo.api_ports[0], other_port, image_id, ids, repeats, seed))
    wait_refits_idle(topo)
    return {**load, "label_to_scores_ms": round(statistics.median(delays) * 1000, 1),
            "label_to_scores_max_ms": round(max(delays) * 1000, 1)}


def ratio(two: float, one: float) -> float | None:
    return round(two / one, 3) if one else None


def _median_figures(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    if len(rounds) == 1:
        return rounds[0]
    merged: dict[str, Any] = {}
    for key, value in rounds[0].items():
        if isinstance(value, (int, float)):
            merged[key] = round(statistics.median(r[key] for r in rounds), 1)
    merged["rounds"] = rounds
    return merged


def bench_scale(topo: Topology, annotators: int = 50, seconds: float = 15.0, repeats: int = 5,
                pretrain_steps: int = 8, rounds: int = 1, seed: int = 0) -> dict[str, Any]:
    """Both topologies on the same running processes, alternating which goes first (medians over rounds)."""
    prepare_encoder(topo, pretrain_steps)
    ids = source_ids(topo)
    one_proxy = topo.start_proxy("nginx-one", topo.api_ports[:1])
    asyncio.run(label_load(topo.proxy_port, int(topo.image_id or 0), ids, annotators, 2.0, seed))  # warm-up
    time.sleep(1.5)
    wait_refits_idle(topo)
    found: dict[str, list[dict[str, Any]]] = {"one_process": [], "two_processes": []}
    cases = {"one_process": (one_proxy, topo.api_ports[0]), "two_processes": (topo.proxy_port, topo.api_ports[1])}
    for r in range(rounds):
        order = list(cases) if r % 2 == 0 else list(reversed(cases))
        for name in order:
            proxy, other = cases[name]
            found[name].append(measure(topo, proxy, other, ids, annotators, seconds, repeats, seed + 1000 * r))
    one, two = _median_figures(found["one_process"]), _median_figures(found["two_processes"])
    cpus = len(os.sched_getaffinity(0))
    load = round(os.getloadavg()[0], 2)
    return {
        "annotators": annotators, "seconds": seconds, "repeats": repeats, "rounds": rounds, "cpus": cpus,
        "load_average_1min": load,
        "one_process": one, "two_processes": two,
        "ratios": {key: ratio(two[key], one[key]) for key in ("labels_per_s", "p95_save_ms", "label_to_scores_ms")},
        "meaning": (f"ratios are two_processes / one_process, measured in one run on the same database, worker and "
                    f"machine. This machine has {cpus} cores, shared by the load generator, nginx, PostgreSQL, "
                    f"Redis, the worker and other users (load average {load}). One API process runs its Python on "
                    "at most one core (the GIL), so a second one can add what the others leave of the second "
                    "core: labels/s above 1 means the single process was the bottleneck, and the ceiling here is "
                    "the 2 cores, not the number of processes (more processes need more cores or hosts); "
                    "label_to_scores near 1 means the hop through Redis to the other process costs nothing "
                    "next to the refit on the worker"),
    }
