"""Where tasks run (backend/worker/dispatch.py, celery_app.py): in-process lanes, Celery eagerly, and
Celery through a real Redis with its event bridge (a ``redis-server`` on a free port; skipped without one)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

from backend.db.learning import TASK_NAMES
from backend.worker.celery_app import make_celery, set_worker_context
from backend.worker.context import WorkerContext
from backend.worker.dispatch import CeleryDispatcher, LaneDispatcher
from backend.worker.events import EventHub, RedisEvents
from backend.worker.lanes import Lanes
from backend.worker.runner import run_task
from backend.worker.submit import submit_fit_probe, submit_predict
from tests.backend.learning_image import LearningImage, Recorder

pytest_plugins = ["tests.backend.learning_fixtures"]
pytestmark = pytest.mark.usefixtures("single_torch_thread")


def label_some(image: LearningImage, ctx: WorkerContext, n: int = 8) -> None:
    from backend.services.labelling.annotations import save_annotation

    for i, sid in enumerate(image.source_ids(ctx)[:n]):
        save_annotation(ctx.sessions, image.image_id, "ann", ("1", "3")[i % 2], source_id=sid)


def test_lane_dispatcher_runs_light_tasks_in_the_background(trained_image: LearningImage) -> None:
    ctx = trained_image.context()
    ctx.inline = False
    label_some(trained_image, ctx)
    ctx.dispatcher = LaneDispatcher(Lanes(stopping=ctx.stopping), lambda name, run_id: run_task(ctx, name, run_id))
    try:
        run = submit_fit_probe(ctx, trained_image.image_id)
        assert run.status == "queued"
        assert ctx.dispatcher.idle(30)
        follow = submit_predict(ctx, trained_image.image_id)
        assert ctx.dispatcher.idle(30)
    finally:
        ctx.dispatcher.close()
    with ctx.sessions() as session:
        from backend.services.task_runs import get_run

        assert get_run(session, run.id).status == "done" and get_run(session, follow.id).status == "done"
        assert get_run(session, run.id).worker == ctx.dispatcher.worker  # this process held it


def test_celery_tasks_carry_the_run_id_and_record_in_the_database(trained_image: LearningImage) -> None:
    app = make_celery("memory://")
    app.conf.task_always_eager = True
    ctx = trained_image.context()
    label_some(trained_image, ctx)
    ctx.dispatcher = CeleryDispatcher(app)
    set_worker_context(ctx)  # what worker_context() builds from SKYLABEL_* settings in a worker process
    try:
        run = submit_fit_probe(ctx, trained_image.image_id)
    finally:
        set_worker_context(None)
    assert run.status == "done" and run.result["n_labels"] == 8
    assert sorted(name for name in app.tasks if name.startswith("skylabel.")) == sorted(
        f"skylabel.{n}" for n in ("embed", "fit_probe", "pretrain", "predict", "sample", "probe_accuracy"))
    assert set(TASK_NAMES) == {"embed", "fit_probe", "pretrain", "predict", "sample", "probe_accuracy"}
    assert isinstance(ctx.events, Recorder) and ctx.events.kinds("scores")
    accuracy = [e for e in ctx.events.kinds("task") if e["name"] == "probe_accuracy" and e["status"] == "done"]
    assert accuracy and "cross-validated accuracy" in accuracy[-1]["message"]  # ran as a Celery task too


@pytest.fixture
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed: the Redis broker and event bridge are not tested")
    from benchmarks.server import free_port

    port = free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    proc.terminate()
    proc.wait(5)


def test_events_published_through_redis_reach_the_local_hub(redis_url: str) -> None:
    async def scenario() -> tuple[str, dict]:
        hub = EventHub()
        sub = hub.subscribe(5)
        bridge = RedisEvents(redis_url)
        bridge.bridge(hub)
        worker_side = RedisEvents(redis_url)  # another process (a Celery worker) publishing
        try:
            worker_side.publish(5, "scores", {"model_version": 3, "changed": "all"})
            event = await asyncio.wait_for(sub.queue.get(), 5)
        finally:
            worker_side.close()
            bridge.close()
        return event.kind, event.data

    assert asyncio.run(scenario()) == ("scores", {"model_version": 3, "changed": "all"})


def test_a_celery_worker_runs_the_task_sent_through_redis(trained_image: LearningImage,
                                                          redis_url: str) -> None:
    from celery.contrib.testing.worker import start_worker

    app = make_celery(redis_url)
    ctx = trained_image.context(RedisEvents(redis_url))
    label_some(trained_image, ctx)
    ctx.dispatcher = CeleryDispatcher(app)
    set_worker_context(ctx)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            run = submit_fit_probe(ctx, trained_image.image_id)
            deadline = time.monotonic() + 30
            while run.status in ("queued", "running"):
                assert time.monotonic() < deadline, f"task {run.id} still {run.status}"
                time.sleep(0.1)
                with ctx.sessions() as session:
                    from backend.services.task_runs import get_run

                    run = get_run(session, run.id)
    finally:
        set_worker_context(None)
        ctx.events.close()  # type: ignore[attr-defined]
    assert run.status == "done" and run.result["n_labels"] == 8
