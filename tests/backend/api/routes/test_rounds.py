"""Consensus rounds through the API: sampling inside drawn regions, balanced assignment, fixed queues, the
state machine, votes refused outside it, the agreement report against reference implementations, repeats,
gold and adjudication."""

from __future__ import annotations

import uuid
from pathlib import Path

import krippendorff
import numpy as np
import pytest
from fastapi.testclient import TestClient
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa

from backend.db.session import session_scope
from backend.db.sources import Source
from backend.services.labelling.annotations import save_annotation
from backend.services.learning.model_store import load_embeddings, require_encoder
from backend.services.learning.predictions import write_predictions
from models.acquisition import kcenter_greedy
from simulate.annotators import calibrate, simulate_votes
from tests.backend.fits_factory import tan_header
from tests.backend.labels_db import add_image, app_client
from tests.backend.pg import (  # noqa: F401  (fixtures)
    pg_client_fixture,
    pg_database_fixture,
    pg_settings_fixture,
    pg_url_fixture,
)
from tests.backend.services.learning.conftest import add_encoder, add_probe_row

GRID = [(x, y) for y in range(10, 600, 40) for x in range(10, 600, 40)]  # 15 x 15 = 225 sources
CATALOG = ("id,x,y,mag_F555W,ci\n" + "".join(f"{i + 1},{x},{y},{18 + (i % 8)},{1 + (i % 10) / 10}\n"
                                             for i, (x, y) in enumerate(GRID))).encode()
SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [300, 0], [300, 300], [0, 300], [0, 0]]]}
PEOPLE = ["ann", "bob", "cyd", "dee"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def client(request: pytest.FixtureRequest, tmp_path: Path) -> TestClient:
    """Each test on SQLite and on PostgreSQL (skipped with its reason without SKYLABEL_TEST_POSTGRES_URL)."""
    if request.param == "sqlite":
        return app_client(tmp_path)
    return request.getfixturevalue("pg_client")  # type: ignore[no-any-return]


@pytest.fixture
def image_id(client: TestClient) -> int:
    image = add_image(client.app.state.sessions, "img", 600, 600, tan_header(600, 600))  # type: ignore[attr-defined]
    response = client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)},
                           data={"kind": "detections"})
    assert response.status_code == 201, response.text
    return image


def make_round(client: TestClient, image_id: int, **extra: object) -> dict:  # type: ignore[type-arg]
    body = {"name": "HII regions", "k": 3, "annotators": PEOPLE, "blind": True, "show_predictions": False,
            "sample": {"regions": [SQUARE], "n": 30, "layer": 1}, "seed": 7, **extra}
    response = client.post(f"/api/images/{image_id}/rounds", json=body, params={"annotator": "olga"})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def vote(client: TestClient, image_id: int, who: str, source_id: int, cls: str, round_id: int, **extra: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/images/{image_id}/annotations", json={
        "source_id": source_id, "class": cls, "annotator": who, "client_key": str(uuid.uuid4()),
        "round_id": round_id, **extra})


def queue(client: TestClient, round_id: int, who: str) -> dict:  # type: ignore[type-arg]
    response = client.get(f"/api/rounds/{round_id}/queue", params={"annotator": who})
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_sample_inside_the_regions_and_balanced_queues(client: TestClient, image_id: int) -> None:
    made = make_round(client, image_id)
    assert made["state"] == "draft" and made["k"] == 3 and made["created_by"] == "olga"
    assert len(made["sources"]) == 30 and len(set(made["sources"])) == 30
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        for sid in made["sources"]:
            s = session.get(Source, sid)
            assert s is not None and 0 <= s.x <= 300 and 0 <= s.y <= 300
    queues = {who: queue(client, made["id"], who) for who in PEOPLE}
    assert sorted(q["total"] for q in queues.values()) == [22, 22, 23, 23]  # 90 votes over 4 people
    per_source = {sid: 0 for sid in made["sources"]}
    for q in queues.values():
        for item in q["items"]:
            per_source[item["source_id"]] += 1
        assert q["done"] == 0 and not any(i["done"] for i in q["items"])
    assert set(per_source.values()) == {3}
    orders = [[i["source_id"] for i in q["items"]] for q in queues.values()]
    assert all(o != sorted(o) for o in orders)  # a random order, not catalogue order
    again = queue(client, made["id"], "ann")
    assert again == queues["ann"]  # fixed
    assert queue(client, made["id"], "zed")["total"] == 0
    same_seed = make_round(client, image_id)
    assert same_seed["sources"] == made["sources"]
    assert client.get(f"/api/rounds/{made['id']}/queue").status_code == 422


def test_state_machine_and_refused_votes(client: TestClient, image_id: int) -> None:
    made = make_round(client, image_id)
    rid = made["id"]
    mine = queue(client, rid, "ann")["items"][0]["source_id"]
    assert vote(client, image_id, "ann", mine, "1", rid).status_code == 409  # draft
    assert client.post(f"/api/rounds/{rid}/close").status_code == 409
    assert client.post(f"/api/rounds/{rid}/open", params={"annotator": "olga"}).json()["state"] == "open"
    assert client.post(f"/api/rounds/{rid}/open").status_code == 409
    saved = vote(client, image_id, "ann", mine, "1", rid)
    assert saved.status_code == 201, saved.text
    assert queue(client, rid, "ann")["done"] == 1
    not_mine = next(s for s in made["sources"] if s not in {i["source_id"] for i in queue(client, rid, "ann")["items"]})
    refused = vote(client, image_id, "ann", not_mine, "1", rid)
    assert refused.status_code == 403 and "queue" in refused.json()["detail"]
    outside = next(s for s in range(1, 226) if s not in made["sources"])
    assert vote(client, image_id, "ann", outside, "1", rid).status_code == 403
    assert client.post(f"/api/images/{image_id}/annotations", json={
        "geometry": {"type": "Point", "coordinates": [5, 5]}, "class": "1", "annotator": "ann",
        "round_id": rid}).status_code == 422
    # a label without round_id does not join a consensus round
    plain = client.post(f"/api/images/{image_id}/annotations", json={"source_id": outside, "class": "2",
                                                                     "annotator": "ann"})
    assert plain.json()["annotation"]["round_id"] is None
    assert client.post(f"/api/rounds/{rid}/close", params={"annotator": "olga"}).json()["state"] == "closed"
    assert vote(client, image_id, "ann", mine, "2", rid).status_code == 409
    detail = client.get(f"/api/rounds/{rid}").json()
    assert [(c["from"], c["to"], c["by"]) for c in detail["changes"]] == [
        (None, "draft", "olga"), ("draft", "open", "olga"), ("open", "closed", "olga")]
    assert client.post(f"/api/rounds/{rid}/adjudicate", json={"source_id": outside, "class": "1"}).status_code == 404
    assert client.post(f"/api/rounds/{rid}/adjudicate", json={"source_id": mine, "class": "9"}).status_code == 422


def test_refused_round_bodies(client: TestClient, image_id: int) -> None:
    post = lambda body: client.post(f"/api/images/{image_id}/rounds", json=body)  # noqa: E731
    assert post({"k": 3, "annotators": ["a", "b"], "sources": [1, 2]}).status_code == 422
    assert post({"k": 2, "annotators": ["a", "b"], "sources": [1, 999]}).status_code == 422
    assert post({"k": 2, "annotators": ["a", "b"]}).status_code == 422
    both = {"k": 2, "annotators": ["a", "b"], "sources": [1], "sample": {"regions": [SQUARE], "n": 3}}
    assert post(both).status_code == 422
    bad_region = {"k": 2, "annotators": ["a", "b"], "sample": {"regions": [{"type": "Point", "coordinates": [1, 1]}]}}
    assert "Polygon" in post(bad_region).json()["detail"]
    empty = {"type": "Polygon", "coordinates": [[[1000, 1000], [1100, 1000], [1100, 1100], [1000, 1000]]]}
    assert post({"k": 2, "annotators": ["a", "b"], "sample": {"regions": [empty], "n": 3}}).status_code == 422
    assert client.get(f"/api/images/{image_id}/rounds").json() == []  # nothing half-made


def fill(client: TestClient, image_id: int, made: dict, seed: int = 0) -> dict[tuple[str, int], str]:  # type: ignore[type-arg]
    """Every annotator labels their queue with a calibrated simulated confusion; returns the votes."""
    rng = np.random.default_rng(seed)
    panel = calibrate([0.25] * 4, k=len(PEOPLE))
    truth = {sid: int(rng.integers(0, 4)) for sid in made["sources"]}
    given: dict[tuple[str, int], str] = {}
    for j, who in enumerate(PEOPLE):
        for item in queue(client, made["id"], who)["items"]:
            sid = item["source_id"]
            if item["repeat"]:
                cls = given[(who, sid)] if rng.random() < 0.8 else str(int(given[(who, sid)]) % 4 + 1)
                assert vote(client, image_id, who, sid, cls, made["id"], repeat=True).status_code == 201
                continue
            (_, _, c), = simulate_votes([truth[sid]], panel.confusion[j : j + 1], rng)
            given[(who, sid)] = str(c + 1)
            assert vote(client, image_id, who, sid, str(c + 1), made["id"]).status_code == 201
    return given


def test_report_equals_reference_implementations(client: TestClient, image_id: int) -> None:
    made = make_round(client, image_id, repeats=2)
    rid = made["id"]
    client.post(f"/api/rounds/{rid}/open")
    given = fill(client, image_id, made)
    client.post(f"/api/rounds/{rid}/close")
    report = client.get(f"/api/rounds/{rid}/report").json()
    assert report["n_sources"] == 30 and report["n_votes"] == 90
    sources, people = made["sources"], report["annotators"]
    counts = np.zeros((30, 4), dtype=int)
    matrix = np.full((len(people), 30), np.nan)
    for (who, sid), cls in given.items():
        counts[sources.index(sid), int(cls) - 1] += 1
        matrix[people.index(who), sources.index(sid)] = int(cls) - 1
    binary = np.stack([counts[:, :2].sum(1), counts[:, 2:].sum(1)], axis=1)
    assert report["fleiss_kappa"]["4class"] == pytest.approx(sm_fleiss_kappa(counts), abs=1e-6)
    assert report["fleiss_kappa"]["binary"] == pytest.approx(sm_fleiss_kappa(binary), abs=1e-6)
    assert report["krippendorff_alpha"]["4class"] == pytest.approx(
        krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"), abs=1e-6)
    assert report["krippendorff_alpha"]["binary"] == pytest.approx(
        krippendorff.alpha(reliability_data=np.where(np.isnan(matrix), np.nan, matrix >= 2),
                           level_of_measurement="nominal"), abs=1e-6)
    assert report["human_to_mode_agreement"]["4class"] == pytest.approx(counts.max(1).sum() / 90, abs=1e-6)
    assert report["human_to_mode_agreement"]["binary"] == pytest.approx(binary.max(1).sum() / 90, abs=1e-6)
    for pair in report["cohen_kappa"]:
        a, b = matrix[people.index(pair["a"])], matrix[people.index(pair["b"])]
        both = ~np.isnan(a) & ~np.isnan(b)
        assert pair["n"] == both.sum()
        if pair["4class"] is not None:
            assert pair["4class"] == pytest.approx(cohen_kappa_score(a[both], b[both]), abs=1e-6)
    decided = {sid for sid in sources if (counts[sources.index(sid)] == counts[sources.index(sid)].max()).sum() == 1}
    for row in report["per_annotator"]:  # against the consensus: sources with a tie have none
        assert np.asarray(row["confusion"]).sum() == sum(1 for (who, sid) in given if who == row["annotator"]
                                                         and sid in decided)
        assert row["self_agreement"]["n"] == 2
    assert report["self_agreement"]["n"] == 8
    assert {b["n_items"] for b in report["by_magnitude"]["bins"]} != {0}
    assert report["by_magnitude"]["column"] == "mag_F555W" and report["by_ci"]["column"] == "ci"
    listed = {s["source_id"]: s for s in report["sources"]}
    assert set(report["disagreements"]) == {sid for sid, s in listed.items() if s["reasons"]}
    assert all(s["n_votes"] == 3 and s["class_ds"] is not None for s in listed.values())
    # repeat showings are not votes: the source's consensus counts 3
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        assert {session.get(Source, sid).n_votes for sid in sources} == {3}  # type: ignore[union-attr]

    target = report["disagreements"][0] if report["disagreements"] else sources[0]
    decided = client.post(f"/api/rounds/{rid}/adjudicate", json={"source_id": target, "class": "2",
                                                                 "note": "compact, asymmetric"},
                          params={"annotator": "olga"})
    assert decided.status_code == 201 and decided.json()["state"] == "adjudicated"
    client.post(f"/api/rounds/{rid}/adjudicate", json={"source_id": target, "class": "1", "note": "on reflection"})
    after = {s["source_id"]: s for s in client.get(f"/api/rounds/{rid}/report").json()["sources"]}
    assert after[target]["class_adjudicated"] == "1"
    assert after[target]["votes"] == listed[target]["votes"]  # votes untouched


def test_gold_sources_are_hidden_and_scored(client: TestClient, image_id: int) -> None:
    with session_scope(client.app.state.sessions) as session:  # type: ignore[attr-defined]
        for sid in range(200, 226):
            source = session.get(Source, sid)
            assert source is not None
            source.reference_class = "1"
    made = make_round(client, image_id, gold={"layer": 1, "n": 4})
    assert len(made["sources"]) == 34
    client.post(f"/api/rounds/{made['id']}/open")
    fill(client, image_id, made)
    assert client.get(f"/api/rounds/{made['id']}/report").status_code == 403  # open and blind
    report = client.get(f"/api/rounds/{made['id']}/report", params={"annotator": "olga"}).json()
    assert report["gold"]["n_sources"] == 4
    assert all(np.asarray(r["confusion_gold"]).sum() > 0 for r in report["per_annotator"])
    assert sum(s["gold"] for s in report["sources"]) == 4
    assert "gold" not in str(queue(client, made["id"], "ann"))  # nothing tells an annotator which is gold


def test_sample_by_a_filter_of_cuts(client: TestClient, image_id: int) -> None:
    """The sources by a filter (magnitude cut) instead of, or with, drawn regions."""
    faint = {"cuts": [{"expr": "mag_F555W", "min": 24.5, "max": 30}]}  # mag 25 only: every 8th source
    made = make_round(client, image_id, sample={"filter": faint, "n": 500, "layer": 1})
    assert len(made["sources"]) == sum(1 for i in range(len(GRID)) if 18 + i % 8 >= 24.5)
    both = make_round(client, image_id, sample={"regions": [SQUARE], "filter": faint, "n": 500, "layer": 1})
    assert 0 < len(both["sources"]) < len(made["sources"])
    refused = client.post(f"/api/images/{image_id}/rounds", json={"k": 2, "annotators": ["a", "b"],
                                                                  "sample": {"n": 3}})
    assert refused.status_code == 422 and "regions" in refused.json()["detail"]


def test_tag_rounds_keep_working(client: TestClient, image_id: int) -> None:
    opened = client.post(f"/api/images/{image_id}/rounds", json={"name": "first look"}).json()
    assert opened["state"] == "open" and opened["k"] is None and opened["sources"] == []
    assert client.post(f"/api/rounds/{opened['id']}/open").status_code == 409
    assert client.post(f"/api/rounds/{opened['id']}/close").json()["state"] == "closed"


def _model(client: TestClient, image_id: int, embeddings: np.ndarray | None = None,
           certainty: np.ndarray | None = None) -> tuple[dict[int, int], np.ndarray]:
    """An encoder with the given embeddings (one row per source, in id order) and, with ``certainty``, a
    probe's two-class scores; returns each source's embedding row and the entropies per row."""
    sessions, data_dir = client.app.state.sessions, client.app.state.settings.data_dir  # type: ignore[attr-defined]
    encoder = add_encoder(sessions, data_dir, image_id, embeddings)
    with session_scope(sessions) as session:
        emb = load_embeddings(data_dir, require_encoder(session, image_id))
        row = {int(sid): i for i, sid in enumerate(emb.source_ids)}
        if certainty is not None:
            probe = add_probe_row(sessions, image_id, encoder, ["1", "4"])
            probs = np.column_stack([certainty, 1 - certainty])
            write_predictions(session, image_id, probe, ["1", "4"], probs, emb)
    c = np.asarray(certainty if certainty is not None else np.full(len(GRID), 0.5))
    return row, -(c * np.log(c) + (1 - c) * np.log(1 - c))


def test_sample_by_entropy_takes_the_most_uncertain_in_the_regions(client: TestClient, image_id: int) -> None:
    body = {"k": 2, "annotators": ["a", "b"], "sample": {"regions": [SQUARE], "n": 8, "layer": 1,
                                                          "strategy": "entropy"}}
    no_model = client.post(f"/api/images/{image_id}/rounds", json=body)
    assert no_model.status_code == 409 and "entropy" in no_model.json()["detail"]
    certainty = np.random.default_rng(3).uniform(0.5, 0.999, len(GRID))
    inside = [i + 1 for i, (x, y) in enumerate(GRID) if x <= 300 and y <= 300]
    top = max(inside, key=lambda sid: -certainty[sid - 1])  # sources are rows in id order
    save_annotation(client.app.state.sessions, image_id, "zed", "1", source_id=top)  # type: ignore[attr-defined]
    row, ent = _model(client, image_id, certainty=certainty)
    assert row[top] == top - 1
    still = client.post(f"/api/images/{image_id}/rounds", json={**body, "sample": {**body["sample"],
                                                                                  "strategy": "diverse"}})
    assert still.status_code == 201  # diverse needs only the embeddings
    by_entropy = sorted(inside, key=lambda sid: -ent[row[sid]])
    assert by_entropy[0] == top  # the most uncertain is labelled: never sampled
    made = client.post(f"/api/images/{image_id}/rounds", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["sources"] == by_entropy[1:9]  # best first, none outside the square, the labelled one left
    whole = client.post(f"/api/images/{image_id}/rounds", json={
        "k": 2, "annotators": ["a", "b"], "sample": {"n": 5, "strategy": "entropy"}}).json()
    everywhere = sorted(range(1, len(GRID) + 1), key=lambda sid: -ent[row[sid]])
    assert whole["sources"] == [s for s in everywhere if s != by_entropy[0]][:5]  # no regions: the whole image
    too_many = client.post(f"/api/images/{image_id}/rounds", json={
        "k": 2, "annotators": ["a", "b"], "sample": {"n": 5000, "strategy": "entropy"}})
    assert too_many.status_code == 422 and "at most 1000" in too_many.json()["detail"]
    unknown = client.post(f"/api/images/{image_id}/rounds", json={
        "k": 2, "annotators": ["a", "b"], "sample": {"n": 5, "strategy": "margin"}})
    assert unknown.status_code == 422


def test_sample_by_diversity_covers_the_embedding(client: TestClient, image_id: int) -> None:
    body = {"k": 2, "annotators": ["a", "b"], "sample": {"regions": [SQUARE], "n": 4, "layer": 1,
                                                          "strategy": "diverse"}, "seed": 2}
    no_model = client.post(f"/api/images/{image_id}/rounds", json=body)
    assert no_model.status_code == 409 and "embeddings" in no_model.json()["detail"]
    assert client.get(f"/api/images/{image_id}/rounds").json() == []
    rng = np.random.default_rng(5)
    centres = np.array([[0, 0], [20, 0], [0, 20], [20, 20]], dtype=np.float32)
    group = rng.integers(0, 4, len(GRID))
    embeddings = (centres[group] + rng.normal(0, 0.3, (len(GRID), 2))).astype(np.float32)
    row, _ = _model(client, image_id, embeddings)
    made = client.post(f"/api/images/{image_id}/rounds", json=body)
    assert made.status_code == 201, made.text
    chosen = made.json()["sources"]
    inside = [i + 1 for i, (x, y) in enumerate(GRID) if x <= 300 and y <= 300]
    assert set(chosen) <= set(inside)
    assert sorted(group[row[s]] for s in chosen) == [0, 1, 2, 3]  # one from each cluster of the embedding
    pool = embeddings[[row[s] for s in inside]]
    expected = kcenter_greedy(pool, 4, np.zeros(len(inside), dtype=bool), np.random.default_rng(0))
    assert chosen == [inside[i] for i in expected]  # k-center greedy over the pool, nothing labelled yet
