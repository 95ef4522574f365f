"""The worker tasks: plain functions taking a context and a task-run id (Celery names ``skylabel.<name>``).

Each is a view in Celery's sense: it re-reads its run (params, status), calls the domain code of
``backend.services``, reports progress into the run row and as ``task`` events, and records the result (and
the model version) or the error. A run that is already done answers with its recorded result, so delivering
a task twice does nothing twice; a failed run asked for again resumes (pretrain: from the BYOL checkpoint).

- ``pretrain``: BYOL on the cutouts of the chosen layers -> ``byol`` model version; then ``embed``.
- ``embed``: embeddings of every source -> files of that version; then ``fit_probe`` if anything is labelled.
- ``fit_probe``: the linear probe on the labels -> ``probe`` model version and its predictions (``scores``).
- ``predict``: the newest probe's predictions written again (``scores``).
- ``sample``: the sources to label next -> ranks and the ``picked`` layer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from backend.db.learning import TaskRun
from backend.db.session import session_scope
from backend.errors import SkylabelError
from backend.services import task_runs as runs
from backend.worker.context import WorkerContext
from models.errors import ModelsError
from tiles.errors import TilesError

log = logging.getLogger("skylabel.worker")
EXPECTED_ERRORS = (SkylabelError, ModelsError, TilesError)
REPORT_EVERY_S = 0.5

Body = Callable[[WorkerContext, TaskRun, "Reporter"], tuple[dict[str, Any], str]]


class Reporter:
    """Progress of one run: every call is a ``task`` event; the row is written at most every 0.5 s."""

    def __init__(self, ctx: WorkerContext, run: TaskRun) -> None:
        self.ctx, self.run = ctx, run
        self._last = 0.0

    def __call__(self, fraction: float, message: str, detail: dict[str, Any] | None = None) -> None:
        now = time.monotonic()
        if now - self._last >= REPORT_EVERY_S or fraction >= 1.0:
            self._last = now
            runs.report(self.ctx.sessions, self.run.id, fraction, message)
        self.ctx.events.publish(self.run.image_id, "task", {
            "id": self.run.id, "name": self.run.name, "status": "running", "progress": round(fraction, 4),
            "message": message, **({"detail": detail} if detail else {})})


def run_task(ctx: WorkerContext, name: str, run_id: int, takeover: bool = False) -> dict[str, Any]:
    """Run task ``name`` for run ``run_id``: claim it, run its body, record the outcome, chain follow-ups."""
    worker = ctx.dispatcher.worker if ctx.dispatcher else None
    run, claimed = runs.begin(ctx.sessions, run_id, worker, takeover)
    if not claimed:
        return run.result or {"status": run.status}
    ctx.events.publish(run.image_id, "task", runs.run_event(run))
    try:
        result, message = BODIES[name](ctx, run, Reporter(ctx, run))
    except EXPECTED_ERRORS as error:
        return _failed(ctx, run, str(error))
    except Exception as error:  # a bug, not a user's problem: keep the trace in the log, the gist in the run
        log.exception("task %s (run %s) failed unexpectedly", name, run_id)
        return _failed(ctx, run, f"unexpected {type(error).__name__}: {error} (details in the server log)")
    done = runs.finish(ctx.sessions, run_id, result, message)
    ctx.events.publish(done.image_id, "task", runs.run_event(done))
    try:
        FOLLOW_UPS.get(name, _nothing)(ctx, done)
    except EXPECTED_ERRORS as error:
        log.info("no follow-up after %s run %s: %s", name, run_id, error)
    return result


def _failed(ctx: WorkerContext, run: TaskRun, error: str) -> dict[str, Any]:
    failed = runs.fail(ctx.sessions, run.id, error)
    ctx.events.publish(failed.image_id, "task", runs.run_event(failed))
    return {"error": error}


def _pretrain(ctx: WorkerContext, run: TaskRun, report: Reporter) -> tuple[dict[str, Any], str]:
    from backend.services.learning.pretraining import PretrainParams, pretrain_encoder

    version = pretrain_encoder(ctx.sessions, ctx.settings.data_dir, run.image_id,
                               PretrainParams.from_dict(run.params), run.id, report)
    m = version["metrics"]
    result = {"model_version": version["id"], "version": version["version"], **m}
    return result, (f"encoder v{version['version']}: {m['steps']} steps on {m['n_cutouts']} cutouts, "
                    f"loss {m['final_loss']:.4f}, {m['images_per_s']} images/s")


def _embed(ctx: WorkerContext, run: TaskRun, report: Reporter) -> tuple[dict[str, Any], str]:
    from backend.services.learning.pretraining import embed_sources

    version = embed_sources(ctx.sessions, ctx.settings.data_dir, run.image_id, int(run.params["encoder"]),
                            report)
    info = version["artefacts"]["embeddings"]
    result = {"model_version": version["id"], "version": version["version"], "n": info["n"],
              "dim": info["dim"]}
    return result, (f"embedded {info['n_sources']} sources ({info['n']} distinct positions) with encoder "
                    f"v{version['version']}")


def _fit_probe(ctx: WorkerContext, run: TaskRun, report: Reporter) -> tuple[dict[str, Any], str]:
    from backend.services.learning.probe_fitting import ProbeParams, fit_probe
    from backend.worker.dispatch import InlineDispatcher

    fitted = fit_probe(ctx.sessions, ctx.settings.data_dir, run.image_id,
                       ProbeParams.from_dict(run.params.get("probe", {})), run.id,
                       on_scores=lambda version, scores: _scores(ctx, run.image_id, version, scores),
                       accuracy_in_background=not isinstance(ctx.dispatcher, InlineDispatcher))
    v, m = fitted.version, fitted.version["metrics"]
    result = {"model_version": v["id"], "version": v["version"], "n_labels": m["n_labels"],
              "validation_accuracy": m["validation_accuracy"], "seconds": m.get("seconds"),
              "seconds_to_scores": m.get("seconds_to_scores"), "reused": fitted.scores is None}
    if fitted.scores is not None:
        result["n_changed"] = fitted.scores["n_changed"]
    accuracy = "pending" if m["validation_accuracy"] is None else f"{m['validation_accuracy']:.3f}"
    return result, f"probe v{v['version']} on {m['n_labels']} labels, cross-validated accuracy {accuracy}"


def _predict(ctx: WorkerContext, run: TaskRun, report: Reporter) -> tuple[dict[str, Any], str]:
    from backend.services.learning.probe_fitting import repredict

    scores = repredict(ctx.sessions, ctx.settings.data_dir, run.image_id)
    _scores(ctx, run.image_id, {"id": scores["model_version"], "version": scores["version"]}, scores)
    result = {k: v for k, v in scores.items() if k != "changed"}
    return result, f"{scores['n']} predictions of probe v{scores['version']}"


def _sample(ctx: WorkerContext, run: TaskRun, report: Reporter) -> tuple[dict[str, Any], str]:
    from backend.services.learning.picking import pick_next
    from backend.services.selection.working_set import working_set_ids

    p = run.params
    with session_scope(ctx.sessions) as session:
        allowed = working_set_ids(session, run.image_id, p.get("filter"))
        picked = pick_next(session, ctx.settings.data_dir, run.image_id, p["strategy"], int(p["k"]),
                           p.get("seed"), allowed)
    return picked, f"picked {picked['k']} sources by {picked['strategy']}"


def _scores(ctx: WorkerContext, image_id: int, version: dict[str, Any], scores: dict[str, Any]) -> None:
    ctx.events.publish(image_id, "scores", {"model_version": version["id"], "version": version["version"],
                                            "changed": scores["changed"], "n_changed": scores["n_changed"]})


def _after_pretrain(ctx: WorkerContext, run: TaskRun) -> None:
    from backend.worker.submit import submit_embed

    submit_embed(ctx, run.image_id, int(run.result["model_version"]))  # type: ignore[index]


def _after_embed(ctx: WorkerContext, run: TaskRun) -> None:
    from backend.worker.submit import has_labels, submit_fit_probe

    if has_labels(ctx, run.image_id):
        submit_fit_probe(ctx, run.image_id)


def _nothing(ctx: WorkerContext, run: TaskRun) -> None:
    return None


BODIES: dict[str, Body] = {"pretrain": _pretrain, "embed": _embed, "fit_probe": _fit_probe,
                           "predict": _predict, "sample": _sample}
FOLLOW_UPS: dict[str, Callable[[WorkerContext, TaskRun], None]] = {"pretrain": _after_pretrain,
                                                                  "embed": _after_embed}


def pretrain(ctx: WorkerContext, run_id: int) -> dict[str, Any]:
    return run_task(ctx, "pretrain", run_id)


def embed(ctx: WorkerContext, run_id: int) -> dict[str, Any]:
    return run_task(ctx, "embed", run_id)


def fit_probe(ctx: WorkerContext, run_id: int) -> dict[str, Any]:
    return run_task(ctx, "fit_probe", run_id)


def predict(ctx: WorkerContext, run_id: int) -> dict[str, Any]:
    return run_task(ctx, "predict", run_id)


def sample(ctx: WorkerContext, run_id: int) -> dict[str, Any]:
    return run_task(ctx, "sample", run_id)
