"""The worker tasks: plain bodies taking a context, a task run and a progress reporter (Celery names
``skylabel.<name>``); :mod:`backend.worker.runner` claims the run, calls the body and records the outcome.

Each is a view in Celery's sense: it re-reads its run (params, status), calls the domain code of
``backend.services``, reports progress into the run row and as ``task`` events, and returns its result, a
one-line message and the follow-up tasks (as :class:`~backend.worker.context.TaskRequest` data, which the
runner submits). A run that is already done answers with its recorded result, so delivering a task twice
does nothing twice; a failed run asked for again resumes (pretrain: from the BYOL checkpoint).

- ``pretrain``: BYOL on the cutouts of the chosen layers -> ``byol`` model version; then ``embed``.
- ``embed``: embeddings of every source -> files of that version; then ``fit_probe`` if anything is labelled.
- ``fit_probe``: the linear probe on the labels -> ``probe`` model version and its predictions (``scores``);
  then ``probe_accuracy`` for that version.
- ``probe_accuracy``: the probe's 5-fold cross-validated accuracy on its labels, after the scores are out
  (its own lane in-process, so it never delays the next refit), into that version's metrics.
- ``predict``: the newest probe's predictions written again (``scores``).
- ``sample``: the sources to label next -> ranks and the ``picked`` layer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from backend.db.learning import TaskRun
from backend.db.session import session_scope
from backend.errors import SkylabelError
from backend.services import task_runs as runs
from backend.services.learning.picking import pick_next
from backend.services.learning.pretraining import PretrainParams, embed_sources, pretrain_encoder
from backend.services.learning.probe_accuracy import record_accuracy
from backend.services.learning.probe_fitting import ProbeParams, fit_probe, repredict
from backend.services.selection.working_set import working_set_ids
from backend.worker.context import TaskRequest, WorkerContext
from backend.worker.submit import accuracy_request, embed_request, fit_probe_request, has_labels
from models.errors import ModelsError
from tiles.errors import TilesError

EXPECTED_ERRORS = (SkylabelError, ModelsError, TilesError)
REPORT_EVERY_S = 0.5


class TaskStopped(Exception):
    """The process is shutting down: the task stops at a progress report and its run is resumed later."""


@dataclass
class Outcome:
    result: dict[str, Any]
    message: str
    follow_ups: list[TaskRequest] = field(default_factory=list)


class Reporter:
    """Progress of one run: every call is a ``task`` event; the row is written at most every 0.5 s."""

    def __init__(self, ctx: WorkerContext, run: TaskRun) -> None:
        self.ctx, self.run = ctx, run
        self._last = 0.0

    def __call__(self, fraction: float, message: str, detail: dict[str, Any] | None = None) -> None:
        if self.ctx.stopping.is_set():
            raise TaskStopped(f"{self.run.name} run {self.run.id} stopped by a shutdown")
        now = time.monotonic()
        if now - self._last >= REPORT_EVERY_S or fraction >= 1.0:
            self._last = now
            runs.report(self.ctx.sessions, self.run.id, fraction, message)
        self.ctx.events.publish(self.run.image_id, "task", {
            "id": self.run.id, "name": self.run.name, "status": "running", "progress": round(fraction, 4),
            "message": message, **({"detail": detail} if detail else {})})


Body = Callable[[WorkerContext, TaskRun, Reporter], Outcome]


def _pretrain(ctx: WorkerContext, run: TaskRun, report: Reporter) -> Outcome:
    version = pretrain_encoder(ctx.sessions, ctx.settings.data_dir, run.image_id,
                               PretrainParams.from_dict(run.params), run.id, report)
    m = version["metrics"]
    result = {"model_version": version["id"], "version": version["version"], **m}
    return Outcome(result, f"encoder v{version['version']}: {m['steps']} steps on {m['n_cutouts']} cutouts, "
                           f"loss {m['final_loss']:.4f}, {m['images_per_s']} images/s",
                   [embed_request(ctx, run.image_id, int(version["id"]))])


def _embed(ctx: WorkerContext, run: TaskRun, report: Reporter) -> Outcome:
    version = embed_sources(ctx.sessions, ctx.settings.data_dir, run.image_id, int(run.params["encoder"]),
                            report)
    info = version["artefacts"]["embeddings"]
    result = {"model_version": version["id"], "version": version["version"], "n": info["n"],
              "dim": info["dim"]}
    follow = [fit_probe_request(ctx, run.image_id)] if has_labels(ctx, run.image_id) else []
    return Outcome(result, f"embedded {info['n_sources']} sources ({info['n']} distinct positions) with "
                           f"encoder v{version['version']}", follow)


def _fit_probe(ctx: WorkerContext, run: TaskRun, report: Reporter) -> Outcome:
    fitted = fit_probe(ctx.sessions, ctx.settings.data_dir, run.image_id,
                       ProbeParams.from_dict(run.params.get("probe", {})), run.id,
                       on_scores=lambda version, scores: _scores(ctx, run.image_id, version, scores))
    v, m = fitted.version, fitted.version["metrics"]
    result = {"model_version": v["id"], "version": v["version"], "n_labels": m["n_labels"],
              "validation_accuracy": m["validation_accuracy"], "seconds": m.get("seconds"),
              "seconds_to_scores": m.get("seconds_to_scores"), "reused": fitted.scores is None}
    if fitted.scores is not None:
        result["n_changed"] = fitted.scores["n_changed"]
    pending = m["validation_accuracy"] is None and "pending" in str(m.get("validation", ""))
    accuracy = "pending" if pending else ("n/a" if m["validation_accuracy"] is None
                                           else f"{m['validation_accuracy']:.3f}")
    return Outcome(result, f"probe v{v['version']} on {m['n_labels']} labels, cross-validated accuracy "
                           f"{accuracy}", [accuracy_request(run.image_id, int(v["id"]))] if pending else [])


def _probe_accuracy(ctx: WorkerContext, run: TaskRun, report: Reporter) -> Outcome:
    measured = record_accuracy(ctx.sessions, ctx.settings.data_dir, run.image_id, int(run.params["probe"]))
    if measured.superseded_by is not None:
        return Outcome({"model_version": measured.version_id, "version": measured.version,
                        "superseded_by": measured.superseded_by, "validation_accuracy": None},
                       f"probe v{measured.version} was replaced before its accuracy was computed: skipped")
    accuracy = measured.accuracy
    shown = "n/a (too few labels or one class)" if accuracy is None else f"{accuracy:.3f}"
    return Outcome({"model_version": measured.version_id, "version": measured.version,
                    "validation_accuracy": accuracy, "n_labels": measured.n_labels,
                    "seconds": measured.seconds},
                   f"probe v{measured.version}: cross-validated accuracy {shown} on {measured.n_labels} labels")


def _predict(ctx: WorkerContext, run: TaskRun, report: Reporter) -> Outcome:
    scores = repredict(ctx.sessions, ctx.settings.data_dir, run.image_id)
    _scores(ctx, run.image_id, {"id": scores["model_version"], "version": scores["version"]}, scores)
    result = {k: v for k, v in scores.items() if k != "changed"}
    return Outcome(result, f"{scores['n']} predictions of probe v{scores['version']}")


def _sample(ctx: WorkerContext, run: TaskRun, report: Reporter) -> Outcome:
    p = run.params
    with session_scope(ctx.sessions) as session:
        allowed = working_set_ids(session, run.image_id, p.get("filter"))
        picked = pick_next(session, ctx.settings.data_dir, run.image_id, p["strategy"], int(p["k"]),
                           p.get("seed"), allowed)
    return Outcome(picked, f"picked {picked['k']} sources by {picked['strategy']}")


def _scores(ctx: WorkerContext, image_id: int, version: dict[str, Any], scores: dict[str, Any]) -> None:
    ctx.events.publish(image_id, "scores", {"model_version": version["id"], "version": version["version"],
                                            "changed": scores["changed"], "n_changed": scores["n_changed"]})


BODIES: dict[str, Body] = {"pretrain": _pretrain, "embed": _embed, "fit_probe": _fit_probe,
                           "probe_accuracy": _probe_accuracy, "predict": _predict, "sample": _sample}
