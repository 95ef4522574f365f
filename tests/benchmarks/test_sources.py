"""``skylabel bench sources`` (backend/bench/sources.py, backend/cli/bench_sources.py) on small databases."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from backend.db.session import make_engine
from backend.db.sources import ROW_BAND_PX, Layer, Source
from backend.errors import InputError
from benchmarks.cli import sources as bench_sources
from benchmarks.sources import IMAGE_SIZE, bench_one, fill, viewport_queries
from tests.backend.pg import postgres_server_url


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench_sources.register(parser.add_subparsers())
    return parser.parse_args(["sources", *argv])


def test_fill_stores_consistent_sources(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    try:
        image_id, layer_ids = fill(engine, 3000)
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Source)) == 3000
            assert conn.scalar(select(func.sum(Layer.n_sources))) == 3000
            labelled = conn.execute(select(func.count()).where(Source.label_class.is_not(None))).scalar_one()
            rows = conn.execute(select(Source.x, Source.y, Source.row_band, Source.image_id)).all()
    finally:
        engine.dispose()
    assert len(layer_ids) == 3 and 60 <= labelled <= 250  # 5 % labelled
    assert all(band == math.floor(y / ROW_BAND_PX) and image == image_id for _, y, band, image in rows)
    assert all(-0.5 <= v <= IMAGE_SIZE - 0.5 for x, y, _, _ in rows for v in (x, y))


def test_windows_hold_up_to_5000_sources_at_mean_density() -> None:
    queries = viewport_queries(1_000_000, 30, [1, 2, 3])
    density = 1_000_000 / IMAGE_SIZE**2
    for query in queries:
        xmin, ymin, xmax, ymax = query["bbox"]
        assert xmax - xmin == pytest.approx(ymax - ymin)
        assert 150 < (xmax - xmin) * (ymax - ymin) * density <= 5000
    filtered = [q for q in queries if q["layer_ids"] or q["classes"] or q["state"] != "all"]
    assert len(filtered) == 10


def test_cli_prints_figures_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = parse(["--n", "2000", "--queries", "15", "--databases", "sqlite", "--json"])
    assert args.func(args) == 0
    out = capsys.readouterr().out.strip().splitlines()
    figures = json.loads(out[-1])
    assert figures["n_sources"] == 2000 and set(figures) == {"sqlite", "n_sources"}
    assert 0 < figures["sqlite"]["p50_ms"] <= figures["sqlite"]["p95_ms"] <= figures["sqlite"]["max_ms"]
    assert figures["sqlite"]["queries"] == 15
    assert out[0].startswith("sqlite ") and "p95" in out[0]


def test_cli_refuses_postgresql_without_a_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKYLABEL_TEST_POSTGRES_URL", raising=False)
    args = parse(["--databases", "sqlite,postgresql"])
    with pytest.raises(InputError, match="SKYLABEL_TEST_POSTGRES_URL"):
        args.func(args)
    with pytest.raises(InputError, match="comma-separated list of sqlite, postgresql"):
        bench_sources.parse_databases("sqlite,mysql")


@pytest.mark.postgres
def test_postgresql_run_drops_its_database() -> None:
    server = postgres_server_url()
    figures = bench_one("postgresql", server, 2000, 10, log=lambda line: None)
    assert figures["queries"] == 10 and figures["p95_ms"] > 0
    engine = create_engine(server)
    try:
        with engine.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database")).scalars().all()
    finally:
        engine.dispose()
    assert not [name for name in names if name.startswith("skylabel_bench_")]
