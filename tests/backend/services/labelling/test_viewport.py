"""The viewport query (backend/services/labelling/viewport.py) against a brute-force filter, without the HTTP route.

Random sources on two images and three layers, with positions on the 64-pixel row-band edges, on the bbox
edges (the bbox is inclusive) and at negative 0-based coordinates (a source centred left of pixel 0). The
PostgreSQL tests at the end run :func:`check_against_brute_force` on a PostgreSQL database and check its
query plan.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, text
from sqlalchemy.orm import Session, sessionmaker

from backend.db.migrate import upgrade
from backend.db.session import make_engine, make_sessionmaker
from backend.db.sources import ROW_BAND_PX, Layer, Source
from backend.db.tables import Image
from backend.errors import InputError, NotFoundError
from backend.services.labelling.viewport import query_viewport, viewport_select
from benchmarks.sources import fill
from tests.backend.pg import pg_database_fixture, pg_url_fixture  # noqa: F401  (fixtures)

SIZE = 1000
CLASSES = ["1", "2", "3", "4"]
KEYS = ("id", "layer_id", "x", "y", "label_class", "n_votes", "shape")


def fill_random(engine: Engine, seed: int = 0, n: int = 1500) -> dict[str, Any]:
    """Two images (the second a decoy), three layers on the first; returns the first image's rows."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        images = [conn.execute(insert(Image).values(name=f"img{i}-{seed}", width=SIZE, height=SIZE,
                                                    folder="f", default_rendition="rgb", warnings=[])
                               .returning(Image.id)).scalar_one() for i in range(2)]
        layers = [conn.execute(insert(Layer).values(image_id=image, name=name, kind="detections", style={},
                                                    meta={}, n_sources=0).returning(Layer.id)).scalar_one()
                  for image, name in [(images[0], "a"), (images[0], "b"), (images[0], "c"), (images[1], "a")]]
        edges = [0.0, ROW_BAND_PX - 1e-9, float(ROW_BAND_PX), 2.0 * ROW_BAND_PX, 100.0, 200.0, -0.5]
        rows = []
        for i in range(n):
            x = rng.choice(edges) if i % 10 == 0 else rng.uniform(-0.5, SIZE - 0.5)
            y = rng.choice(edges) if i % 7 == 0 else rng.uniform(-0.5, SIZE - 0.5)
            if i in (0, 4):  # a corner on a row-band edge, and the outer corner of pixel (0, 0)
                x, y = (0.0, float(ROW_BAND_PX)) if i == 0 else (-0.5, -0.5)
            label = rng.choice(CLASSES) if rng.random() < 0.3 else None
            shape = {"a": round(rng.uniform(1, 3), 3), "b": 1.0, "theta": i % 90} if i % 3 else None
            layer = layers[i % 4]
            rows.append({"image_id": images[0] if layer != layers[3] else images[1], "layer_id": layer,
                         "catalog_id": str(i), "x": x, "y": y, "row_band": int(y // ROW_BAND_PX),
                         "label_class": label, "n_votes": 0 if label is None else rng.randint(1, 3),
                         "shape": shape, "columns": {}})
        conn.execute(insert(Source), rows)
        stored = conn.execute(text("SELECT id, catalog_id FROM sources")).all()
    ids = {catalog_id: sid for sid, catalog_id in stored}
    for row in rows:
        row["id"] = ids[row["catalog_id"]]
    return {"image": images[0], "other_image": images[1], "layers": layers[:3], "other_layer": layers[3],
            "rows": [row for row in rows if row["image_id"] == images[0]]}


def brute_force(rows: list[dict[str, Any]], bbox: tuple[float, float, float, float] | None,
                layer_ids: list[int] | None, classes: list[str] | None,
                state: str) -> dict[int, dict[str, Any]]:
    out = {}
    for row in rows:
        if bbox is not None and not (bbox[0] <= row["x"] <= bbox[2] and bbox[1] <= row["y"] <= bbox[3]):
            continue
        if layer_ids is not None and row["layer_id"] not in layer_ids:
            continue
        if classes is not None and row["label_class"] not in classes:
            continue
        if state == "labelled" and row["label_class"] is None or state == "unlabelled" and row["label_class"]:
            continue
        out[row["id"]] = {key: row[key] for key in KEYS}
    return out


def random_queries(data: dict[str, Any], count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(count):
        x0, y0 = rng.uniform(-50, SIZE), rng.uniform(-50, SIZE)
        w, h = rng.choice([0.0, 1.0, 63.9, 64.0, 150.0, 400.0, 1200.0]), rng.choice([0.0, 64.0, 130.0, 700.0])
        bbox = None if i % 17 == 0 else (x0, y0, x0 + w, y0 + h)
        if i % 11 == 0:  # a window with its edges exactly on sources and on row-band edges
            bbox = (0.0, float(ROW_BAND_PX), 200.0, 2.0 * ROW_BAND_PX)
        yield {"bbox": bbox,
               "layer_ids": rng.choice([None, data["layers"][:1], data["layers"][1:], data["layers"]]),
               "classes": rng.choice([None, None, ["1"], ["2", "4"]]),
               "state": rng.choice(["all", "all", "labelled", "unlabelled"])}


def check_against_brute_force(sessions: sessionmaker[Session], data: dict[str, Any],
                              count: int = 150) -> None:
    """Every random query returns exactly the brute-force set, with the stored values (shape decoded)."""
    for query in random_queries(data, count):
        with sessions() as session:
            result = query_viewport(session, data["image"], query["bbox"], query["layer_ids"],
                                    query["classes"], query["state"], limit=50_000)
        expected = brute_force(data["rows"], **query)
        got = {source["id"]: source for source in result["sources"]}
        assert len(got) == len(result["sources"]) == result["count"], query
        assert got == expected, query
        assert result["truncated"] is False


@pytest.fixture(scope="module")
def sqlite_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, dict[str, Any]]]:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('viewport')) / 'v.db'}")
    upgrade(engine)
    yield engine, fill_random(engine)
    engine.dispose()


@pytest.fixture
def sessions(sqlite_db: tuple[Engine, dict[str, Any]]) -> sessionmaker[Session]:
    return make_sessionmaker(sqlite_db[0])


@pytest.fixture
def data(sqlite_db: tuple[Engine, dict[str, Any]]) -> dict[str, Any]:
    return sqlite_db[1]


def test_matches_brute_force_for_every_filter(sessions: sessionmaker[Session], data: dict[str, Any]) -> None:
    check_against_brute_force(sessions, data)


def test_bbox_is_inclusive_on_every_edge(sessions: sessionmaker[Session], data: dict[str, Any]) -> None:
    corner = next(row for row in data["rows"] if row["x"] == 0.0 and row["y"] == float(ROW_BAND_PX))
    for bbox in [(0.0, 64.0, 0.0, 64.0), (-10.0, 0.0, 0.0, 64.0), (0.0, 64.0, 10.0, 100.0)]:
        with sessions() as session:
            result = query_viewport(session, data["image"], bbox, None, None)
        assert corner["id"] in {s["id"] for s in result["sources"]}, bbox
    with sessions() as session:  # just past the edge
        result = query_viewport(session, data["image"], (1e-6, 64.0, 10.0, 100.0), None, None)
    assert corner["id"] not in {s["id"] for s in result["sources"]}


def test_whole_image_without_bbox(sessions: sessionmaker[Session], data: dict[str, Any]) -> None:
    with sessions() as session:
        result = query_viewport(session, data["image"], None, None, None, limit=50_000)
    assert {s["id"] for s in result["sources"]} == {row["id"] for row in data["rows"]}
    assert data["other_layer"] not in {s["layer_id"] for s in result["sources"]}


def test_truncation_says_more_matched(sessions: sessionmaker[Session], data: dict[str, Any]) -> None:
    everything = brute_force(data["rows"], None, None, None, "all")
    with sessions() as session:
        cut = query_viewport(session, data["image"], None, None, None, limit=100)
        exact = query_viewport(session, data["image"], None, None, None, limit=len(everything))
    assert cut["truncated"] is True and cut["count"] == len(cut["sources"]) == 100
    assert {s["id"] for s in cut["sources"]} <= set(everything)
    assert exact["truncated"] is False and exact["count"] == len(everything)


def test_empty_results(sessions: sessionmaker[Session], data: dict[str, Any]) -> None:
    with sessions() as session:
        outside = query_viewport(session, data["image"], (5000.0, 5000.0, 6000.0, 6000.0), None, None)
        no_class = query_viewport(session, data["image"], None, None, [])
        no_layer = query_viewport(session, data["image"], None, [], None)
        contradiction = query_viewport(session, data["image"], None, None, ["1"], state="unlabelled")
    for result in (outside, no_class, no_layer, contradiction):
        assert result == {"count": 0, "truncated": False, "sources": []}


def test_image_without_layers_is_empty_not_missing(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        image = session.execute(insert(Image).values(name="bare", width=10, height=10, folder="f",
                                                     default_rendition="rgb", warnings=[])
                                .returning(Image.id)).scalar_one()
        session.commit()
        assert query_viewport(session, image, (0, 0, 10, 10), None, None)["count"] == 0


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"image_id": 10_000}, NotFoundError, "no image with id 10000"),
    ({"layer_ids": "other"}, NotFoundError, "are not layers of image"),
    ({"state": "done"}, InputError, "state must be one of all, labelled, unlabelled"),
    ({"limit": 0}, InputError, "limit must be between 1"),
    ({"bbox": (10.0, 0.0, 5.0, 1.0)}, InputError, "xmin <= xmax"),
    ({"bbox": (0.0, float("nan"), 5.0, 1.0)}, InputError, "non-finite"),
])
def test_errors_say_what_to_fix(sessions: sessionmaker[Session], data: dict[str, Any], kwargs: dict[str, Any],
                                error: type[Exception], message: str) -> None:
    args: dict[str, Any] = {"image_id": data["image"], "bbox": (0.0, 0.0, 10.0, 10.0), "layer_ids": None,
                            "classes": None, "state": "all", "limit": 10}
    args.update(kwargs)
    if args["layer_ids"] == "other":
        args["layer_ids"] = [data["layers"][0], data["other_layer"]]
    with sessions() as session, pytest.raises(error, match=message):
        query_viewport(session, **args)


@pytest.mark.parametrize("filters", [{}, {"classes": ["1", "2"]}, {"state": "labelled"},
                                     {"state": "unlabelled"}])
def test_sqlite_plan_seeks_the_viewport_index(sqlite_db: tuple[Engine, dict[str, Any]],
                                              filters: dict[str, Any]) -> None:
    """Without ANALYZE statistics SQLite would pick ix_sources_label_state for a class filter; the seek on
    layer, row band and x must survive every filter."""
    engine, data = sqlite_db
    stmt = viewport_select(data["image"], data["layers"], (100.0, 100.0, 400.0, 300.0),
                           filters.get("classes"), filters.get("state", "all"), "sqlite").limit(5001)
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    seek = "USING INDEX ix_sources_viewport (image_id=? AND layer_id=? AND row_band=? AND x>? AND x<?)"
    assert seek in plan, plan


@pytest.mark.postgres
def test_viewport_matches_brute_force(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        data = fill_random(engine, seed=3)
        check_against_brute_force(make_sessionmaker(engine), data, count=80)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_viewport_filters_are_index_conditions(pg_url: str) -> None:
    """The planner seeks ix_sources_viewport and checks every condition there (migration 0003), none on
    table rows, with or without a class / state filter."""
    engine = make_engine(pg_url)
    try:
        image_id, layer_ids = fill(engine, 20_000)  # with ANALYZE statistics, as autovacuum keeps them
        for classes, state in ((None, "all"), (["1", "2"], "all"), (None, "labelled")):
            stmt = viewport_select(image_id, layer_ids, (4000.0, 4000.0, 4600.0, 4400.0), classes, state,
                                   "postgresql")
            compiled = stmt.limit(5001).compile(engine, compile_kwargs={"literal_binds": True})
            with engine.connect() as conn:
                plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {compiled}")))
            assert "ix_sources_viewport" in plan, plan
            assert "Filter:" not in plan, plan
            assert "row_band = ANY" in plan and "y >=" in plan, plan
    finally:
        engine.dispose()
