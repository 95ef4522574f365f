"""The learning API (backend/api/routes/learning.py) on a real image, tasks on the in-process threads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.worker.install import close_learning
from tests.backend.learning_image import TINY_PRETRAIN, LearningImage

pytest_plugins = ["tests.backend.learning_fixtures"]
pytestmark = pytest.mark.usefixtures("single_torch_thread")


def client_for(image: LearningImage) -> Iterator[TestClient]:
    app = create_app(image.settings)
    try:
        yield TestClient(app)
    finally:
        close_learning(app)


@pytest.fixture
def api(trained_image: LearningImage) -> Iterator[TestClient]:
    yield from client_for(trained_image)


@pytest.fixture
def fresh_api(untrained_image: LearningImage) -> Iterator[TestClient]:
    yield from client_for(untrained_image)


def settle(client: TestClient) -> None:
    """Wait for the debounced refit and the task lanes (the accuracy's included) to finish."""
    import time

    time.sleep(0.45)  # past the 0.3 s debounce
    assert client.app.state.learning.lanes.idle(60)  # type: ignore[attr-defined]


def label(client: TestClient, image_id: int, n: int, start: int = 0) -> list[int]:
    sources = client.get(f"/api/images/{image_id}/sources/list", params={"limit": n, "offset": start}).json()
    ids = [item["id"] for item in sources["items"]]
    for i, sid in enumerate(ids):
        r = client.post(f"/api/images/{image_id}/annotations",
                        json={"annotator": "ann", "source_id": sid, "class": ("1", "4")[i % 2]})
        assert r.status_code == 201, r.text
    return ids


def test_pretrain_answers_202_and_the_task_embeds_the_sources(fresh_api: TestClient,
                                                              untrained_image: LearningImage) -> None:
    image_id = untrained_image.image_id
    r = fresh_api.post(f"/api/images/{image_id}/learning/pretrain", json=TINY_PRETRAIN)
    assert r.status_code == 202
    task = r.json()["task"]
    assert task["name"] == "pretrain" and task["status"] in ("queued", "running", "done")
    settle(fresh_api)
    assert fresh_api.get(f"/api/tasks/{task['id']}").json()["status"] == "done"
    again = fresh_api.post(f"/api/images/{image_id}/learning/pretrain", json=TINY_PRETRAIN).json()["task"]
    assert again["id"] == task["id"] and again["status"] == "done"
    listed = fresh_api.get(f"/api/images/{image_id}/tasks").json()
    assert [t["name"] for t in listed["items"]] == ["embed", "pretrain"]
    status = fresh_api.get(f"/api/images/{image_id}/learning").json()
    assert status["has_encoder"] and status["encoder"]["kind"] == "resnet"
    assert status["embeddings"]["n_sources"] == len(untrained_image.source_ids(untrained_image.context()))
    assert status["probe"] is None and status["history"] == []


def test_pretrain_refuses_unknown_settings(fresh_api: TestClient, untrained_image: LearningImage) -> None:
    r = fresh_api.post(f"/api/images/{untrained_image.image_id}/learning/pretrain", json={"encoder": "vgg16"})
    assert r.status_code == 422 and "encoder" in r.json()["detail"]
    r = fresh_api.post(f"/api/images/{untrained_image.image_id}/learning/pretrain", json={"layer_ids": [999]})
    assert r.status_code == 404 and "999" in r.json()["detail"]
    assert fresh_api.post("/api/images/999/learning/pretrain", json={}).status_code == 404
    r = fresh_api.post(f"/api/images/{untrained_image.image_id}/learning/pretrain",
                       json={"encoder": "resnet", "encoder_options": {"widths": [8, 100000]}})
    assert r.status_code == 422 and "1024" in r.json()["detail"]
    r = fresh_api.post(f"/api/images/{untrained_image.image_id}/learning/pretrain",
                       json={"encoder": "resnet", "encoder_options": {"n_bands": 2}})
    assert r.status_code == 422 and "n_bands" in r.json()["detail"]


def test_a_failed_task_is_reported_not_a_500(fresh_api: TestClient, untrained_image: LearningImage) -> None:
    options = {**TINY_PRETRAIN, "encoder_options": {"widths": [8, 16], "groups": 3}}  # 8 channels in 3 groups
    r = fresh_api.post(f"/api/images/{untrained_image.image_id}/learning/pretrain", json=options)
    assert r.status_code == 202
    settle(fresh_api)
    task = fresh_api.get(f"/api/tasks/{r.json()['task']['id']}")
    assert task.status_code == 200 and task.json()["status"] == "failed"
    assert task.json()["error"] and task.json()["message"].startswith("failed: ")


def test_labels_refit_the_probe_and_fill_the_history(api: TestClient, trained_image: LearningImage) -> None:
    image_id = trained_image.image_id
    label(api, image_id, 12)
    settle(api)
    status = api.get(f"/api/images/{image_id}/learning").json()
    assert status["n_labels"] == 12 and status["probe"]["n_labels"] == 12
    label(api, image_id, 4, start=12)
    settle(api)
    history = api.get(f"/api/images/{image_id}/learning").json()["history"]
    assert [h["n_labels"] for h in history][-1] == 16 and len(history) <= 3  # bursts coalesce
    assert history[-1]["validation_accuracy"] is not None  # computed after the scores went out
    r = api.post(f"/api/images/{image_id}/learning/retrain", json={"l2": 3.0})
    assert r.status_code == 202
    settle(api)
    assert api.get(f"/api/tasks/{r.json()['task']['id']}").json()["result"]["n_labels"] == 16


def test_predictions_in_a_bbox(api: TestClient, trained_image: LearningImage) -> None:
    image_id = trained_image.image_id
    empty = api.get(f"/api/images/{image_id}/predictions").json()
    assert empty["model_version"] is None and empty["items"] == []
    label(api, image_id, 10)
    settle(api)
    everything = api.get(f"/api/images/{image_id}/predictions", params={"limit": 50000}).json()
    assert everything["model_version"] is not None and not everything["truncated"]
    box = (100, 100, 300, 250)
    inside = api.get(f"/api/images/{image_id}/predictions", params={"bbox": ",".join(map(str, box))}).json()
    expected = [i for i in everything["items"] if box[0] <= i["x"] <= box[2] and box[1] <= i["y"] <= box[3]]
    assert [i["source_id"] for i in inside["items"]] == [i["source_id"] for i in expected] and expected
    item = inside["items"][0]
    assert set(item) >= {"source_id", "class", "score", "entropy", "probs"} and item["pseudo_label"] is None
    assert set(item["probs"]) == {"1", "2", "3", "4"}
    cluster = item["probs"]["1"] + item["probs"]["2"]
    assert item["binary"]["group"] == ("cluster" if cluster >= 0.5 else "non-cluster")
    assert item["binary"]["p"] == pytest.approx(max(cluster, 1 - cluster), abs=1e-3)
    few = api.get(f"/api/images/{image_id}/predictions", params={"limit": 3}).json()
    assert len(few["items"]) == 3 and few["truncated"]
    assert api.get(f"/api/images/{image_id}/predictions", params={"bbox": "1,2,3"}).status_code == 422


def test_next_ranks_unlabelled_sources_and_replaces_the_picked_layer(api: TestClient,
                                                                    trained_image: LearningImage) -> None:
    image_id = trained_image.image_id
    labelled = label(api, image_id, 10)
    settle(api)
    first = api.post(f"/api/images/{image_id}/learning/next", params={"k": 5}).json()
    assert first["strategy"] == "entropy" and [i["rank"] for i in first["items"]] == [1, 2, 3, 4, 5]
    assert not set(i["id"] for i in first["items"]) & set(labelled)
    predictions = {p["source_id"]: p for p in api.get(f"/api/images/{image_id}/predictions",
                                                      params={"limit": 50000}).json()["items"]}
    assert first["question"] == "binary"  # what the picks rank by: the binary answer's entropy
    entropies = [predictions[i["id"]]["binary"]["entropy"] for i in first["items"]]
    assert entropies == sorted(entropies, reverse=True)
    unlabelled = [p["binary"]["entropy"] for sid, p in predictions.items() if sid not in labelled]
    assert entropies[0] == pytest.approx(max(unlabelled))
    assert [predictions[i["id"]]["rank"] for i in first["items"]] == [1, 2, 3, 4, 5]
    diverse = api.post(f"/api/images/{image_id}/learning/next", params={"k": 3, "strategy": "diverse"}).json()
    layers = [la for la in api.get(f"/api/images/{image_id}/layers").json() if la["kind"] == "picked"]
    assert len(layers) == 1 and layers[0]["n_sources"] == 3 and layers[0]["id"] == diverse["layer_id"]
    label(api, image_id, 2, start=10)  # a refit after the picked layer exists: no predictions for its copies
    settle(api)
    copies = {s["id"] for s in api.get(f"/api/images/{image_id}/sources",
                                      params={"layers": str(layers[0]["id"])}).json()["sources"]}
    predicted = {p["source_id"] for p in api.get(f"/api/images/{image_id}/predictions",
                                                 params={"limit": 50000}).json()["items"]}
    assert copies and not copies & predicted
    assert api.get(f"/api/images/{image_id}/learning/next", params={"strategy": "best"}).status_code == 422
    assert api.get(f"/api/images/{image_id}/learning/next", params={"k": 0}).status_code == 422


def test_next_before_any_model(fresh_api: TestClient, untrained_image: LearningImage) -> None:
    image_id = untrained_image.image_id
    r = fresh_api.get(f"/api/images/{image_id}/learning/next", params={"strategy": "entropy"})
    assert r.status_code == 409 and "pretrain" in r.json()["detail"]
    r = fresh_api.get(f"/api/images/{image_id}/learning/next",
                      params={"strategy": "random", "k": 4, "seed": 1})
    assert r.status_code == 200 and len(r.json()["items"]) == 4


def test_embedding_map_and_similar_sources(api: TestClient, trained_image: LearningImage) -> None:
    image_id = trained_image.image_id
    emb = api.get(f"/api/images/{image_id}/embedding").json()
    n_sources = len(trained_image.source_ids(trained_image.context()))
    assert 0 < emb["count"] <= n_sources and len(emb["explained_variance"]) == 2
    assert emb["explained_variance"][0] >= emb["explained_variance"][1] > 0
    first = emb["items"][0]["source_id"]
    similar = api.get(f"/api/sources/{first}/similar", params={"k": 5}).json()
    scores = [item["similarity"] for item in similar["items"]]
    assert len(scores) == 5 and first not in [item["source_id"] for item in similar["items"]]
    assert scores == sorted(scores, reverse=True) and all(-1.0 <= s <= 1.0 for s in scores)
    # rank and a distance that spreads (centred cosine), or a note that the encoder cannot tell them apart
    assert [item["rank"] for item in similar["items"]] == [1, 2, 3, 4, 5]
    assert all(item["distance"] == pytest.approx(1 - item["similarity"], abs=1e-4) for item in similar["items"])
    assert all(0 <= item["farther"] <= 1 for item in similar["items"])
    assert isinstance(similar["too_young"], bool) and (similar["note"] is None) != similar["too_young"]
    assert scores[0] - scores[-1] > 0.001 or similar["too_young"]
    assert api.get("/api/sources/999999/similar").status_code == 404
    assert api.get(f"/api/sources/{first}/similar", params={"k": 0}).status_code == 422


def test_embedding_needs_an_encoder(fresh_api: TestClient, untrained_image: LearningImage) -> None:
    r = fresh_api.get(f"/api/images/{untrained_image.image_id}/embedding")
    assert r.status_code == 409 and "pretrain" in r.json()["detail"]
    assert fresh_api.post(f"/api/images/{untrained_image.image_id}/learning/retrain").status_code == 409
    assert fresh_api.get("/api/tasks/12345").status_code == 404


def test_a_label_on_a_picked_ring_counts_for_its_source(api: TestClient,
                                                        trained_image: LearningImage) -> None:
    image_id = trained_image.image_id
    label(api, image_id, 6)
    settle(api)
    first = api.post(f"/api/images/{image_id}/learning/next", params={"k": 4, "strategy": "random", "seed": 3})
    layer_id = first.json()["layer_id"]
    rings = api.get(f"/api/images/{image_id}/sources/list", params={"layers": layer_id}).json()["items"]
    assert sorted(r["catalog_id"] for r in rings) == sorted(str(i["id"]) for i in first.json()["items"])
    ring = rings[0]
    r = api.post(f"/api/images/{image_id}/annotations", json={"annotator": "ann", "source_id": ring["id"],
                                                               "class": "2"})
    assert r.status_code == 201
    settle(api)
    again = api.post(f"/api/images/{image_id}/learning/next", params={"k": 50}).json()
    assert int(ring["catalog_id"]) not in [i["id"] for i in again["items"]]
    kept = api.get(f"/api/images/{image_id}/sources/list", params={"layers": layer_id}).json()["items"]
    assert ring["id"] in [r["id"] for r in kept]  # the labelled ring survives the new picks


def test_next_by_get_reads_only_and_by_post_makes_the_picked_layer(api: TestClient,
                                                                 trained_image: LearningImage) -> None:
    image_id = trained_image.image_id
    label(api, image_id, 10)
    settle(api)

    def picked_layers() -> list[dict]:
        return [la for la in api.get(f"/api/images/{image_id}/layers").json() if la["kind"] == "picked"]

    def ranked() -> list[int]:
        items = api.get(f"/api/images/{image_id}/predictions", params={"limit": 50000}).json()["items"]
        return sorted(p["source_id"] for p in items if p["rank"] is not None)

    tasks_before = api.get(f"/api/images/{image_id}/tasks").json()["count"]
    proposed = api.get(f"/api/images/{image_id}/learning/next", params={"k": 5, "strategy": "random", "seed": 2})
    assert proposed.status_code == 200 and proposed.json()["layer_id"] is None and proposed.json()["task"] is None
    assert [i["rank"] for i in proposed.json()["items"]] == [1, 2, 3, 4, 5]
    assert picked_layers() == [] and ranked() == []  # a GET wrote nothing
    assert api.get(f"/api/images/{image_id}/tasks").json()["count"] == tasks_before
    made = api.post(f"/api/images/{image_id}/learning/next", params={"k": 5, "strategy": "random", "seed": 2})
    assert made.status_code == 200
    assert [i["id"] for i in made.json()["items"]] == [i["id"] for i in proposed.json()["items"]]
    (layer,) = picked_layers()
    assert layer["id"] == made.json()["layer_id"] and layer["n_sources"] == 5
    assert ranked() == sorted(i["id"] for i in made.json()["items"])


def test_the_accuracy_arrives_as_its_own_task(api: TestClient, trained_image: LearningImage) -> None:
    image_id = trained_image.image_id
    label(api, image_id, 12)
    settle(api)
    tasks = api.get(f"/api/images/{image_id}/tasks").json()["items"]
    (fit,) = [t for t in tasks if t["name"] == "fit_probe"]
    (accuracy,) = [t for t in tasks if t["name"] == "probe_accuracy"]
    assert fit["result"]["validation_accuracy"] is None and "pending" in fit["message"]
    assert accuracy["status"] == "done" and accuracy["params"] == {"probe": fit["result"]["model_version"]}
    status = api.get(f"/api/images/{image_id}/learning").json()
    assert status["probe"]["validation_accuracy"] == accuracy["result"]["validation_accuracy"] is not None


def test_label_next_picks_only_inside_the_working_set(fresh_api: TestClient, untrained_image: LearningImage) -> None:
    import json

    image_id = untrained_image.image_id
    image = fresh_api.get(f"/api/images/{image_id}").json()
    w, h = image["width"], image["height"]
    region = fresh_api.post(f"/api/images/{image_id}/regions", json={
        "kind": "box", "geometry": {"x": w / 4, "y": h / 4, "width": w / 2, "height": h / 2}}).json()
    flt = json.dumps({"regions": [region["id"]]})
    inside = fresh_api.get(f"/api/images/{image_id}/sources/list", params={"filter": flt, "limit": 5000}).json()
    everything = fresh_api.get(f"/api/images/{image_id}/sources/list", params={"limit": 1}).json()["count"]
    assert 0 < inside["count"] < everything
    r = fresh_api.get(f"/api/images/{image_id}/learning/next",
                      params={"strategy": "random", "k": 10, "seed": 2, "filter": flt})
    assert r.status_code == 200, r.text
    picked = [item["id"] for item in r.json()["items"]]
    assert picked and set(picked) <= {item["id"] for item in inside["items"]}
    bad = fresh_api.get(f"/api/images/{image_id}/learning/next", params={"strategy": "random", "filter": "{"})
    assert bad.status_code == 422
