"""Task-run bookkeeping (backend/services/task_runs.py): one row per request, atomic claims, resumable
failures, dead in-process workers, and the public views of a run."""

from __future__ import annotations

import os
import socket
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.learning import TaskRun
from backend.db.session import session_scope
from backend.errors import InputError, NotFoundError
from backend.services.task_runs import (
    begin,
    fail,
    finish,
    get_run,
    interrupted,
    list_runs,
    params_key,
    report,
    run_event,
    run_public,
    submit_run,
    this_worker,
)
from tests.backend.labels_db import add_image


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


DEAD = f"{socket.gethostname()}:999999999"  # a pid no process has on this host


def count_runs(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.scalar(select(func.count(TaskRun.id))) or 0


def set_row(sessions: sessionmaker[Session], run_id: int, **values: object) -> None:
    with session_scope(sessions) as session:
        row = session.get(TaskRun, run_id)
        for key, value in values.items():
            setattr(row, key, value)


def test_params_key_is_canonical() -> None:
    assert params_key({"a": 1, "b": [1, 2]}) == params_key({"b": [1, 2], "a": 1})
    assert params_key({"a": 1}) != params_key({"a": 2})
    assert params_key({"a": [1, 2]}) != params_key({"a": [2, 1]})  # list order is part of the request
    assert len(params_key({})) == 64 and all(c in "0123456789abcdef" for c in params_key({}))
    assert params_key({"when": datetime(2026, 1, 2)}) == params_key({"when": "2026-01-02 00:00:00"})


def test_an_unknown_task_name_is_refused_naming_the_known_ones(sessions: sessionmaker[Session],
                                                               image_id: int) -> None:
    with pytest.raises(InputError, match=r"unknown task 'trian': one of .*pretrain.*fit_probe"):
        submit_run(sessions, "trian", image_id, {})
    assert count_runs(sessions) == 0


def test_equal_requests_share_one_run_and_different_ones_do_not(sessions: sessionmaker[Session],
                                                                image_id: int) -> None:
    run, enqueue = submit_run(sessions, "predict", image_id, {"k": 1, "j": 2})
    assert enqueue and (run.status, run.progress, run.attempts, run.message) == ("queued", 0.0, 0, "queued")
    again, enqueue = submit_run(sessions, "predict", image_id, {"j": 2, "k": 1})
    assert again.id == run.id and not enqueue  # still queued: handed to a worker once only
    other_params, enqueue_params = submit_run(sessions, "predict", image_id, {"k": 2, "j": 2})
    other_task, enqueue_task = submit_run(sessions, "embed", image_id, {"k": 1, "j": 2})
    other = add_image(sessions, name="other")
    other_image, enqueue_image = submit_run(sessions, "predict", other, {"k": 1, "j": 2})
    assert enqueue_params and enqueue_task and enqueue_image
    assert len({run.id, other_params.id, other_task.id, other_image.id}) == 4
    assert count_runs(sessions) == 4


def test_a_finished_run_is_answered_from_its_record(sessions: sessionmaker[Session], image_id: int) -> None:
    run, _ = submit_run(sessions, "sample", image_id, {"k": 5})
    begin(sessions, run.id)
    finish(sessions, run.id, {"picked": [1, 2]}, "picked 2")
    again, enqueue = submit_run(sessions, "sample", image_id, {"k": 5})
    assert not enqueue and again.id == run.id
    assert (again.status, again.result, again.message, again.progress) == ("done", {"picked": [1, 2]},
                                                                           "picked 2", 1.0)
    assert count_runs(sessions) == 1


def test_a_failed_run_is_queued_again_as_the_same_run(sessions: sessionmaker[Session], image_id: int) -> None:
    run, _ = submit_run(sessions, "pretrain", image_id, {"steps": 4})
    begin(sessions, run.id, worker="w:1")
    failed = fail(sessions, run.id, "out of memory")
    assert failed.status == "failed" and failed.error == "out of memory" and failed.finished_at is not None
    again, enqueue = submit_run(sessions, "pretrain", image_id, {"steps": 4}, worker="w:2")
    assert enqueue and again.id == run.id and again.status == "queued"
    assert again.error is None and again.finished_at is None and again.worker == "w:2"
    assert again.attempts == 1  # counted when a worker claims it, not when it is queued
    assert again.message == "queued again (attempt 2) after: failed: out of memory"
    claimed, ok = begin(sessions, run.id)
    assert ok and claimed.attempts == 2 and claimed.status == "running"
    assert count_runs(sessions) == 1


def test_begin_claims_a_queued_run_once(sessions: sessionmaker[Session], image_id: int) -> None:
    run, _ = submit_run(sessions, "embed", image_id, {})
    first, claimed = begin(sessions, run.id, worker="host-a:10")
    assert claimed and first.status == "running" and first.attempts == 1 and first.message == "started"
    assert first.worker == "host-a:10" and first.started_at is not None
    second, claimed = begin(sessions, run.id, worker="host-b:20")
    assert not claimed and second.worker == "host-a:10" and second.attempts == 1  # left untouched
    finish(sessions, run.id, {}, "done")
    third, claimed = begin(sessions, run.id, takeover=True)
    assert not claimed and third.status == "done"  # a finished run is never run again, even on redelivery


def test_begin_takes_over_a_running_run_on_redelivery_or_when_its_process_is_gone(
        sessions: sessionmaker[Session], image_id: int) -> None:
    run, _ = submit_run(sessions, "embed", image_id, {})
    begin(sessions, run.id, worker="celery@other:1")
    taken, claimed = begin(sessions, run.id, worker="celery@other:2", takeover=True)
    assert claimed and taken.attempts == 2 and taken.worker == "celery@other:2"
    set_row(sessions, run.id, worker=DEAD)
    resumed, claimed = begin(sessions, run.id)
    assert claimed and resumed.attempts == 3 and resumed.worker == this_worker()


def test_begin_of_an_unknown_run_says_where_to_look(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(NotFoundError, match=r"no task with id 42; GET /api/images/\{id\}/tasks"):
        begin(sessions, 42)
    with sessions() as session, pytest.raises(NotFoundError, match="no task with id 7"):
        get_run(session, 7)
    with pytest.raises(NotFoundError):
        finish(sessions, 42, {}, "x")
    with pytest.raises(NotFoundError):
        fail(sessions, 42, "x")


def test_interrupted_means_active_with_a_dead_process_on_this_host(sessions: sessionmaker[Session],
                                                                   image_id: int) -> None:
    run, _ = submit_run(sessions, "predict", image_id, {})
    alive = f"{socket.gethostname()}:{os.getpid()}"
    for worker, expected in [(None, False), ("celery@box", False), ("elsewhere:1", False),
                             (f"{socket.gethostname()}:abc", False), (alive, False), (DEAD, True)]:
        set_row(sessions, run.id, worker=worker, status="running")
        with sessions() as session:
            assert interrupted(get_run(session, run.id)) is expected, worker
    for status in ("done", "failed"):
        set_row(sessions, run.id, worker=DEAD, status=status)
        with sessions() as session:
            assert not interrupted(get_run(session, run.id))
    assert this_worker() == alive


def test_a_run_left_by_a_dead_process_is_queued_again(sessions: sessionmaker[Session], image_id: int) -> None:
    run, enqueue = submit_run(sessions, "predict", image_id, {"x": 1}, worker="h:1")
    assert enqueue
    again, enqueue = submit_run(sessions, "predict", image_id, {"x": 1})
    assert again.id == run.id and not enqueue  # queued elsewhere on another host: left alone
    with session_scope(sessions) as session:
        row = session.get(TaskRun, run.id)
        row.status, row.worker = "running", f"{socket.gethostname()}:999999999"  # no such pid
    again, enqueue = submit_run(sessions, "predict", image_id, {"x": 1})
    assert again.id == run.id and enqueue and again.status == "queued"


def test_a_queued_run_of_a_dead_process_is_queued_again(sessions: sessionmaker[Session], image_id: int) -> None:
    run, _ = submit_run(sessions, "predict", image_id, {"x": 1}, worker=DEAD)
    again, enqueue = submit_run(sessions, "predict", image_id, {"x": 1}, worker="me:1")
    assert enqueue and again.id == run.id and again.worker == "me:1"
    assert again.message.startswith("queued again (attempt 1) after: queued")


def test_report_clamps_progress_and_only_touches_a_running_run(sessions: sessionmaker[Session],
                                                               image_id: int) -> None:
    run, _ = submit_run(sessions, "pretrain", image_id, {})
    report(sessions, run.id, 0.5, "too early")
    with sessions() as session:
        assert (get_run(session, run.id).progress, get_run(session, run.id).message) == (0.0, "queued")
    begin(sessions, run.id)
    for value, expected in [(0.25, 0.25), (1.7, 1.0), (-3, 0.0)]:
        report(sessions, run.id, value, f"at {value}")
        with sessions() as session:
            row = get_run(session, run.id)
            assert (row.progress, row.message) == (expected, f"at {value}")
    report(sessions, run.id, 0.5, "x" * 5000)
    with sessions() as session:
        assert len(get_run(session, run.id).message) == 2000
    finish(sessions, run.id, {"ok": True}, "finished")
    report(sessions, run.id, 0.1, "a late report")  # a slow progress callback never reopens a finished run
    with sessions() as session:
        row = get_run(session, run.id)
        assert (row.status, row.progress, row.message) == ("done", 1.0, "finished")


def test_finish_and_fail_record_the_outcome(sessions: sessionmaker[Session], image_id: int) -> None:
    run, _ = submit_run(sessions, "fit_probe", image_id, {})
    begin(sessions, run.id)
    fail(sessions, run.id, "e" * 3000)
    with sessions() as session:
        row = get_run(session, run.id)
        assert row.status == "failed" and row.error == "e" * 3000  # the error is kept whole
        assert row.message.startswith("failed: e") and len(row.message) == 2000
    finished = finish(sessions, run.id, {"n": 3}, "3 scored")
    assert (finished.status, finished.error, finished.result, finished.progress) == ("done", None, {"n": 3}, 1.0)
    assert finished.finished_at is not None


def test_public_views_of_a_run(sessions: sessionmaker[Session], image_id: int) -> None:
    run, _ = submit_run(sessions, "predict", image_id, {"a": 1})
    begin(sessions, run.id)
    done = finish(sessions, run.id, {"n": 2}, "ok")
    public = run_public(done)
    assert public["params"] == {"a": 1} and public["result"] == {"n": 2} and public["image_id"] == image_id
    assert set(public) == {"id", "name", "image_id", "status", "progress", "message", "params", "result", "error",
                           "attempts", "created_at", "started_at", "finished_at"}
    assert run_event(done) == {"id": run.id, "name": "predict", "status": "done", "progress": 1.0,
                               "message": "ok"}  # small: no params, no result


def test_list_runs_is_newest_first_per_image_with_a_bounded_limit(sessions: sessionmaker[Session],
                                                                  image_id: int) -> None:
    ids = [submit_run(sessions, "predict", image_id, {"n": n})[0].id for n in range(5)]
    other = add_image(sessions, name="other")
    submit_run(sessions, "predict", other, {"n": 0})
    with sessions() as session:
        assert [r.id for r in list_runs(session, image_id)] == ids[::-1]
        assert [r.id for r in list_runs(session, image_id, limit=2)] == ids[::-1][:2]
        assert len(list_runs(session, other)) == 1
        for bad in (0, 1001):
            with pytest.raises(InputError, match=f"limit must be 1 to 1000, got {bad}"):
                list_runs(session, image_id, limit=bad)
