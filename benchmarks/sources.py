"""``skylabel bench sources``: viewport query latency with a million sources, on SQLite and PostgreSQL.

A fresh database (a SQLite file in a temporary folder; a scratch PostgreSQL database created and dropped on
the server) is migrated, then filled with one 10,000 x 10,000 px image, 3 layers (detections, reference,
picked) and ``n`` sources in bulk (executemany on SQLite, COPY on PostgreSQL). Half the sources are spread
uniformly, half in a central bulge as in a galaxy, so windows on the centre hit the 5,000-row limit as they
would on a real disc. 5 % carry a consensus class. Each timed query is what the API route pays: a session
from the pool and :func:`backend.services.labelling.viewport.query_viewport`, rows to dicts included. Windows are sized
to hold up to ~5,000 sources at the mean density; a third carry a filter (one layer, classes, state).
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from backend.db.migrate import upgrade
from backend.db.scratch import scratch_database
from backend.db.session import make_engine, make_sessionmaker
from backend.db.sources import ROW_BAND_PX, Layer
from backend.db.tables import Image
from backend.services.labelling.viewport import query_viewport, viewport_select
from benchmarks.tiles import percentile

IMAGE_SIZE = 10_000
LAYERS = (("sep detections", "detections", 0.6), ("LEGUS", "reference", 0.3), ("picked", "picked", 0.1))
COPY_COLUMNS = ("image_id", "layer_id", "catalog_id", "x", "y", "row_band", "ra", "dec", "shape", "columns",
                "label_class", "n_votes")
CHUNK = 50_000


def synthetic_sources(n: int, image_id: int, layer_ids: list[int],
                      seed: int = 0) -> Iterator[list[tuple[Any, ...]]]:
    """Rows for :data:`COPY_COLUMNS` in chunks, in catalogue order (spatially random, like an import)."""
    rng = np.random.default_rng(seed)
    which = rng.choice(len(layer_ids), size=n, p=[share for _, _, share in LAYERS])
    bulge = rng.random(n) < 0.5
    xy = np.where(bulge[:, None], rng.normal(IMAGE_SIZE / 2, IMAGE_SIZE / 10, (n, 2)),
                  rng.uniform(0, IMAGE_SIZE, (n, 2)))
    xy = np.clip(xy, -0.5, IMAGE_SIZE - 0.5)
    labelled = rng.random(n) < 0.05
    classes = rng.integers(1, 5, n)
    votes = rng.integers(1, 4, n)
    a = rng.uniform(1.0, 4.0, n)
    for start in range(0, n, CHUNK):
        rows = []
        for i in range(start, min(n, start + CHUNK)):
            x, y = float(xy[i, 0]), float(xy[i, 1])
            shape = f'{{"a": {a[i]:.3f}, "b": {0.8 * a[i]:.3f}, "theta": {(i % 180) - 90}}}'
            rows.append((image_id, layer_ids[which[i]], f"{i:08d}", x, y, math.floor(y / ROW_BAND_PX),
                         150.0 + x * 1e-5, 2.0 + y * 1e-5, shape, "{}",
                         str(classes[i]) if labelled[i] else None, int(votes[i]) if labelled[i] else 0))
        yield rows


def _image_and_layers(engine: Engine) -> tuple[int, list[int]]:
    with engine.begin() as conn:
        image_id = conn.execute(insert(Image).values(
            name="bench", width=IMAGE_SIZE, height=IMAGE_SIZE, folder="bench", default_rendition="rgb",
            warnings=[]).returning(Image.id)).scalar_one()
        layer_ids = [conn.execute(insert(Layer).values(image_id=image_id, name=name, kind=kind, style={},
                                                      meta={}, n_sources=0).returning(Layer.id)).scalar_one()
                     for name, kind, _ in LAYERS]
    return image_id, layer_ids


def fill(engine: Engine, n: int, seed: int = 0) -> tuple[int, list[int]]:
    """Migrate and fill ``engine``'s empty database; returns the image id and the layer ids."""
    upgrade(engine)
    image_id, layer_ids = _image_and_layers(engine)
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        cursor = driver.cursor()  # type: ignore[union-attr]
        if engine.dialect.name == "postgresql":
            with cursor.copy(f"COPY sources ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
                for rows in synthetic_sources(n, image_id, layer_ids, seed):
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" * len(COPY_COLUMNS))
            sql = f"INSERT INTO sources ({', '.join(COPY_COLUMNS)}) VALUES ({marks})"
            for rows in synthetic_sources(n, image_id, layer_ids, seed):
                cursor.executemany(sql, rows)
        driver.commit()  # type: ignore[union-attr]
    finally:
        raw.close()
    with engine.begin() as conn:
        conn.execute(text("UPDATE layers SET n_sources = (SELECT count(*) FROM sources "
                          "WHERE sources.layer_id = layers.id)"))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE sources"))  # what autovacuum does after a bulk load
    return image_id, layer_ids


def viewport_queries(n_sources: int, count: int, layer_ids: list[int], seed: int = 1) -> list[dict[str, Any]]:
    """``count`` random windows holding up to ~5,000 sources at the mean density; a third with a filter."""
    rng = np.random.default_rng(seed)
    density = n_sources / IMAGE_SIZE**2
    filters: list[dict[str, Any]] = [{"layer_ids": [layer_ids[0]]}, {"classes": ["1", "2"]},
                                     {"state": "labelled"}, {"state": "unlabelled"}]
    queries = []
    for i in range(count):
        side = math.sqrt(rng.uniform(200, 5000) / density)
        x0, y0 = rng.uniform(-side / 2, IMAGE_SIZE - side / 2, 2)
        query: dict[str, Any] = {"bbox": (float(x0), float(y0), float(x0 + side), float(y0 + side)),
                                 "layer_ids": None, "classes": None, "state": "all"}
        if i % 3 == 2:
            query.update(filters[(i // 3) % len(filters)])
        queries.append(query)
    return queries


def explain(engine: Engine, image_id: int, layer_ids: list[int], query: dict[str, Any]) -> str:
    """The database's plan for one viewport query (EXPLAIN QUERY PLAN / EXPLAIN), to check the index seeks."""
    stmt = viewport_select(image_id, query["layer_ids"] or layer_ids, query["bbox"], query["classes"],
                           query["state"], engine.dialect.name).limit(5001)
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        rows = conn.execute(text(prefix + str(compiled))).all()
    return "\n".join(str(row[-1]) for row in rows)


def time_queries(sessions: sessionmaker[Session], image_id: int, queries: list[dict[str, Any]],
                 limit: int = 5000) -> dict[str, float]:
    """Latency of each query through a pooled session, after a short warm-up. ``cpu_*`` is this process's CPU
    time per query (all of SQLite's work; PostgreSQL's client side only): on a shared machine it shows what
    the wall-clock figures owe to other processes."""
    def one(query: dict[str, Any]) -> tuple[float, float, dict[str, Any]]:
        t0, c0 = time.perf_counter(), time.process_time()
        with sessions() as session:
            result = query_viewport(session, image_id, query["bbox"], query["layer_ids"], query["classes"],
                                    query["state"], limit)
        return time.perf_counter() - t0, time.process_time() - c0, result

    for query in queries[:10]:
        one(query)
    latencies, cpu, rows, truncated = [], [], [], 0
    for query in queries:
        seconds, cpu_seconds, result = one(query)
        latencies.append(1000 * seconds)
        cpu.append(1000 * cpu_seconds)
        rows.append(result["count"])
        truncated += result["truncated"]
    return {"p50_ms": round(percentile(latencies, 50), 2), "p95_ms": round(percentile(latencies, 95), 2),
            "max_ms": round(max(latencies), 2), "cpu_p50_ms": round(percentile(cpu, 50), 2),
            "cpu_p95_ms": round(percentile(cpu, 95), 2), "mean_rows": round(float(np.mean(rows)), 1),
            "max_rows": max(rows), "truncated": truncated, "queries": len(queries)}


@contextmanager
def bench_database(kind: str, postgres_url: str | None) -> Iterator[str]:
    """The URL of a fresh database of ``kind`` (sqlite | postgresql), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="skylabel-bench-") as folder:
            yield f"sqlite:///{Path(folder) / 'bench.db'}"
    else:
        with scratch_database(postgres_url or "", "skylabel_bench") as url:
            yield url


def bench_one(kind: str, postgres_url: str | None, n: int, n_queries: int,
              log: Callable[[str], None] = print) -> dict[str, Any]:
    """Fill a fresh ``kind`` database with ``n`` sources and time ``n_queries`` viewports on it."""
    with bench_database(kind, postgres_url) as url:
        engine = make_engine(url)
        try:
            t0 = time.perf_counter()
            image_id, layer_ids = fill(engine, n)
            fill_s = time.perf_counter() - t0
            log(f"{kind}: filled {n} sources in {fill_s:.1f} s ({n / fill_s:,.0f} rows/s)")
            queries = viewport_queries(n, n_queries, layer_ids)
            log(f"{kind} plan (plain window):\n{explain(engine, image_id, layer_ids, queries[0])}")
            log(f"{kind} plan (class filter):\n{explain(engine, image_id, layer_ids, queries[5])}")
            figures = time_queries(make_sessionmaker(engine), image_id, queries)
        finally:
            engine.dispose()
    figures["fill_s"] = round(fill_s, 1)
    log(f"{kind}: {json.dumps(figures)}")
    return figures
