"""Many signed-in annotators saving labels at once: nothing lost, nothing duplicated, and how long a save takes.

A fresh database (a SQLite file, or a scratch PostgreSQL database) holds one image row with a layer of sources
(labelling never reads pixels) and ``annotators`` accounts. The server runs in accounts mode; every client signs
in with its password (a real session cookie and CSRF token), then sends ``labels`` labels on random sources, each
with its own ``client_key``, resending the same key after a network error or a 5xx as the browser does. After
the run the database is compared with what the server acknowledged:

- **lost**: acknowledged keys with no annotation row;
- **duplicated**: annotation rows beyond one per key, and labels filed under another annotator;
- **forks**: labels whose ``supersedes_id`` is not the same annotator's previous label on that source
  (the history of one annotator on one source must be linear).

The baseline of the same run is one signed-in annotator saving alone; ``p95_ratio`` is the loaded p95 over it.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from backend.db.annotations import Annotation, Annotator
from backend.db.session import make_engine, make_sessionmaker, open_database, session_scope
from backend.db.sources import Layer, Source
from backend.db.tables import Image
from backend.settings import Settings
from benchmarks.server import running_server

PASSWORD = "bench-password-1"


@contextmanager
def bench_database(kind: str, postgres_url: str | None, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
    else:
        from backend.db.scratch import scratch_database

        with scratch_database(postgres_url or "", "skylabel_bench_labels") as url:
            yield url


def prepare(settings: Settings, n_sources: int, n_annotators: int) -> tuple[int, list[int], list[str]]:
    """An image row with ``n_sources`` sources, an owner and ``n_annotators`` annotator accounts."""
    from backend.auth.accounts import add_user
    from backend.auth.secrets import hash_password
    from backend.db.users import Membership, User
    from backend.services.labelling.projects import default_project

    engine, sessions = open_database(settings)
    names = [f"annotator-{i:02d}" for i in range(n_annotators)]
    with session_scope(sessions) as session:
        project = default_project(session)
        image = Image(name="bench-labels", width=4096, height=4096, folder="images/none", default_rendition="rgb",
                      project_id=project.id)
        session.add(image)
        session.flush()
        layer = Layer(image_id=image.id, name="detections", kind="detections", style={}, meta={},
                      n_sources=n_sources)
        session.add(layer)
        session.flush()
        rng = random.Random(0)
        session.add_all(Source(image_id=image.id, layer_id=layer.id, catalog_id=str(i), x=rng.uniform(0, 4095),
                               y=(y := rng.uniform(0, 4095)), row_band=int(y // 64), columns={}, n_votes=0)
                        for i in range(n_sources))
        add_user(session, "bench-owner", PASSWORD, "owner")
        hashed = hash_password(PASSWORD)  # one Argon2 hash for all: the bench measures saves, not sign-up
        for name in names:
            user = User(username=name, display_name=name, password_hash=hashed, disabled=False)
            session.add(user)
            session.flush()
            session.add(Membership(user_id=user.id, project_id=project.id, role="annotator"))
        image_id = image.id
        source_ids = list(session.scalars(select(Source.id).where(Source.layer_id == layer.id)))
    engine.dispose()
    return image_id, source_ids, names


async def annotator_run(base: str, name: str, image_id: int, source_ids: list[int], n_labels: int,
                        seed: int) -> dict[str, Any]:
    """Sign in, then save ``n_labels`` labels; the acknowledged keys, latencies and retries."""
    rng = random.Random(seed)
    acknowledged: list[str] = []
    latencies: list[float] = []
    retries = 0
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        login = await client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
        login.raise_for_status()
        headers = {"X-CSRF-Token": login.json()["csrf_token"]}
        for _ in range(n_labels):
            body = {"source_id": rng.choice(source_ids), "class": str(rng.randint(1, 4)),
                    "client_key": str(uuid.uuid4()), "annotator": "someone-else"}  # ignored: the caller labels
            while True:
                start = time.perf_counter()
                try:
                    response = await client.post(f"/api/images/{image_id}/annotations", json=body, headers=headers)
                except httpx.TransportError:
                    retries += 1
                    await asyncio.sleep(0.05)
                    continue
                if response.status_code >= 500:
                    retries += 1
                    await asyncio.sleep(0.05)
                    continue
                latencies.append(time.perf_counter() - start)
                if response.status_code in (200, 201) and response.json()["annotation"]["annotator"] == name:
                    acknowledged.append(str(body["client_key"]))
                break
    return {"name": name, "acknowledged": acknowledged, "latencies": latencies, "retries": retries}


def check_database(url: str, runs: list[dict[str, Any]]) -> dict[str, int]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            rows = session.execute(
                select(Annotation.id, Annotation.client_key, Annotation.source_id, Annotation.supersedes_id,
                       Annotator.name).join(Annotator, Annotator.id == Annotation.annotator_id)
                .order_by(Annotation.id)
            ).all()
    finally:
        engine.dispose()
    by_key: dict[str, list[Any]] = {}
    for row in rows:
        by_key.setdefault(row.client_key, []).append(row)
    owner_of = {key: run["name"] for run in runs for key in run["acknowledged"]}
    lost = sum(1 for key in owner_of if key not in by_key)
    duplicated = sum(len(found) - 1 for found in by_key.values()) + sum(
        1 for key, name in owner_of.items() if key in by_key and by_key[key][0].name != name)
    previous: dict[tuple[str, int], int] = {}
    forks = 0
    for row in rows:
        chain = (row.name, row.source_id)
        if row.supersedes_id != previous.get(chain):
            forks += 1
        previous[chain] = row.id
    return {"rows": len(rows), "acknowledged": len(owner_of), "lost": lost, "duplicated": duplicated,
            "forks": forks}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def bench_labels_one(kind: str, postgres_url: str | None, n_annotators: int, n_labels: int, n_sources: int,
                     workers: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="skylabel-bench-labels-") as folder, \
            bench_database(kind, postgres_url, Path(folder)) as url:
        data_dir = Path(folder) / "data"
        settings = Settings(data_dir=data_dir, database_url=url, auth="accounts")
        image_id, source_ids, names = prepare(settings, n_sources, n_annotators + 1)
        baseline_name, names = names[-1], names[:-1]
        env = {"SKYLABEL_DATA_DIR": str(data_dir), "SKYLABEL_DATABASE_URL": url, "SKYLABEL_AUTH": "accounts"}
        with running_server(env, workers=workers) as base:
            log(f"bench labels: {kind}, baseline: 1 annotator x {n_labels}")
            baseline = asyncio.run(annotator_run(base, baseline_name, image_id, source_ids, n_labels, seed=999))
            log(f"bench labels: {kind}, {n_annotators} signed-in annotators x {n_labels} labels at once")

            async def everyone() -> list[dict[str, Any]]:
                return await asyncio.gather(*(annotator_run(base, name, image_id, source_ids, n_labels, seed=i)
                                              for i, name in enumerate(names)))

            start = time.perf_counter()
            runs = asyncio.run(everyone())
            elapsed = time.perf_counter() - start
        checked = check_database(url, [*runs, baseline])
    latencies = [v for run in runs for v in run["latencies"]]
    base_p50 = statistics.median(baseline["latencies"])
    p95 = percentile(latencies, 0.95)
    return {
        "annotators": n_annotators, "labels_each": n_labels, "sources": n_sources, "workers": workers,
        **checked, "retries": sum(run["retries"] for run in runs),
        "p50_ms": 1000 * statistics.median(latencies), "p95_ms": 1000 * p95,
        "baseline_p50_ms": 1000 * base_p50, "baseline_p95_ms": 1000 * percentile(baseline["latencies"], 0.95),
        "p95_ratio": p95 / base_p50, "labels_per_s": len(latencies) / elapsed,
    }
