"""The AI loop over HTTP: pretrain and retrain (202 + a task), tasks, status, predictions, what to label
next, the embedding map and "more like this".

Positions and the ``bbox`` are FITS 0-based pixels (astropy origin 0). Long work runs as tasks: poll
``GET /api/tasks/{id}`` or listen to ``GET /api/images/{id}/events``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.api.caller import CallerDep
from backend.api.deps import SessionDep, SettingsDep, WorkerDep
from backend.api.routes.sky import parse_floats
from backend.api.schemas_learning import (
    EmbeddingMap,
    LearningStatus,
    NextToLabel,
    Predictions,
    RetrainRequest,
    SimilarSources,
    TaskAccepted,
    TaskList,
    TaskPublic,
)
from backend.db.sources import Source
from backend.errors import ConflictError, InputError
from backend.services import task_runs as runs
from backend.services.labelling.blind import BlindView, blind_view, image_of_source
from backend.services.labelling.source_queries import source_summary
from backend.services.learning.embedding_view import embedding_map, similar_sources
from backend.services.learning.picking import propose_next
from backend.services.learning.predictions import query_predictions
from backend.services.learning.pretraining import PretrainParams
from backend.services.learning.status import learning_status
from backend.services.selection.filters import compile_filter, parse_filter
from backend.services.selection.working_set import working_set_ids
from backend.worker.runner import run_now
from backend.worker.submit import sample_request, submit_fit_probe, submit_pretrain

router = APIRouter(tags=["learning"])
Strategy = Annotated[str, Query(description="entropy | random | margin | diverse | cluster_entropy")]
WorkingSet = Annotated[str | None, Query(description="the working set (cuts, regions, lasso) as JSON, as "
                                                     "GET /sources/list takes it")]


@router.post("/images/{image_id}/learning/pretrain", status_code=status.HTTP_202_ACCEPTED, response_model=TaskAccepted)
def post_pretrain(image_id: int, body: PretrainParams, worker: WorkerDep) -> dict[str, Any]:
    """Pretrain the image's encoder with BYOL, then embed every source (and refit the probe if labelled).
    The same request on unchanged sources returns the same task (running or done)."""
    run = submit_pretrain(worker, image_id, body)
    return {"task": runs.run_public(run)}


@router.post("/images/{image_id}/learning/retrain", status_code=status.HTTP_202_ACCEPTED, response_model=TaskAccepted)
def post_retrain(image_id: int, worker: WorkerDep, body: RetrainRequest | None = None) -> dict[str, Any]:
    """Refit the linear probe on the current labels and write its predictions (``scores`` event)."""
    run = submit_fit_probe(worker, image_id, body.overrides() if body else None)
    return {"task": runs.run_public(run)}


@router.get("/tasks/{task_id}", response_model=TaskPublic)
def get_task(task_id: int, session: SessionDep) -> dict[str, Any]:
    return runs.run_public(runs.get_run(session, task_id))


@router.get("/images/{image_id}/tasks", response_model=TaskList)
def get_tasks(image_id: int, session: SessionDep, limit: int = 50) -> dict[str, Any]:
    """The image's tasks, newest first."""
    from backend.services.labelling.layers import require_image

    require_image(session, image_id)
    items = [runs.run_public(run) for run in runs.list_runs(session, image_id, limit)]
    return {"count": len(items), "items": items}


@router.get("/images/{image_id}/learning", response_model=LearningStatus)
def get_learning(image_id: int, session: SessionDep) -> dict[str, Any]:
    """Encoder, embeddings, current probe, number of labels, accuracy and its history (one per probe)."""
    return learning_status(session, image_id)


@router.get("/images/{image_id}/predictions", response_model=Predictions)
def get_predictions(
    image_id: int, session: SessionDep,
    bbox: Annotated[str | None, Query(description="xmin,ymin,xmax,ymax in 0-based pixels")] = None,
    limit: int = 5000, caller: CallerDep = None,
) -> dict[str, Any]:
    """The current probe's class, score (max probability), entropy and probabilities per source (none for
    the sources of an open blind round that hides predictions from the caller)."""
    box = parse_floats(bbox, "bbox") if bbox else None
    if box is not None and len(box) != 4:
        raise InputError(f"bbox needs 4 numbers xmin,ymin,xmax,ymax (0-based pixels), got {len(box)}")
    found = query_predictions(session, image_id, tuple(box) if box else None, limit)  # type: ignore[arg-type]
    view = blind_view(session, image_id, caller)
    if view.no_predictions:
        found["items"] = [i for i in found["items"] if i["source_id"] not in view.no_predictions]
        found["count"] = len(found["items"])
    return found


@router.get("/images/{image_id}/learning/next", response_model=NextToLabel)
def get_next(image_id: int, session: SessionDep, settings: SettingsDep, strategy: Strategy = "entropy",
             k: int = 20, seed: int | None = None, filter: WorkingSet = None,
             caller: CallerDep = None) -> dict[str, Any]:
    """The ``k`` sources to label next, best first, among the working set, by the current model; writes
    nothing (``POST`` to make them the image's "picked" layer)."""
    flt = _working_set(session, image_id, filter)
    view = blind_view(session, image_id, caller)
    proposal = propose_next(session, settings.data_dir, image_id, strategy, k, seed,
                            working_set_ids(session, image_id, flt),
                            {sid: sid in view.own for sid in view.hidden} if view else None)
    items = _ranked(session, proposal["source_ids"], view)
    return {"task": None, "strategy": proposal["strategy"], "layer_id": None,
            "model_version": proposal["model_version"], "question": proposal["question"], "count": len(items),
            "items": items}


@router.post("/images/{image_id}/learning/next", response_model=NextToLabel)
def post_next(image_id: int, session: SessionDep, worker: WorkerDep, strategy: Strategy = "entropy",
              k: int = 20, seed: int | None = None, filter: WorkingSet = None,
              caller: CallerDep = None) -> dict[str, Any]:
    """Pick the ``k`` sources to label next among the working set (a ``sample`` task, run at once): they
    become the image's "picked" layer and get ranks 1..k in the predictions."""
    flt = _working_set(session, image_id, filter)
    run = run_now(worker, sample_request(worker, image_id, strategy, k, seed, flt))
    if run.status != "done" or run.result is None:
        raise ConflictError(run.error or f"task {run.id} is {run.status}: ask again in a moment")
    items = _ranked(session, run.result["source_ids"], blind_view(session, image_id, caller))
    return {"task": run.id, "strategy": run.result["strategy"], "layer_id": run.result["layer_id"],
            "model_version": run.result["model_version"], "question": run.result.get("question", "classes"),
            "count": len(items), "items": items}


def _working_set(session: Session, image_id: int, text: str | None) -> dict[str, Any] | None:
    """The working-set filter as stored in a task's params; refused here (4xx), not in the task."""
    spec = parse_filter(text)
    compile_filter(session, image_id, spec)
    return spec.model_dump(exclude_none=True) if spec is not None else None


def _ranked(session: Session, picked: list[int], view: BlindView) -> list[dict[str, Any]]:
    found = {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(picked)))}
    return [view.summary(source_summary(found[sid])) | {"rank": rank}
            for rank, sid in enumerate(picked, start=1) if sid in found]


@router.get("/images/{image_id}/embedding", response_model=EmbeddingMap)
def get_embedding(image_id: int, session: SessionDep, settings: SettingsDep,
                  caller: CallerDep = None) -> dict[str, Any]:
    """2-D PCA coordinates (``pc``) of every embedded source with its label and prediction."""
    return _blind_items(session, image_id, caller, embedding_map(session, settings.data_dir, image_id))


def _blind_items(session: Session, image_id: int | None, caller: str | None,
                 found: dict[str, Any]) -> dict[str, Any]:
    """Labels and predictions of an embedding answer as the caller may see them (blind rounds)."""
    view = blind_view(session, image_id, caller)
    if view:
        items = []
        for item in found.get("items", []):
            sid = item.get("source_id")
            if sid in view.hidden:
                item = {**item, "label_class": view.own.get(sid)}
            if sid in view.no_predictions:
                item = {**item, "class": None, "score": None}
            items.append(item)
        found = {**found, "items": items}
    return found


@router.get("/sources/{source_id}/similar", response_model=SimilarSources)
def get_similar(source_id: int, session: SessionDep, settings: SettingsDep, k: int = 12,
                caller: CallerDep = None) -> dict[str, Any]:
    """The ``k`` nearest sources in embedding space (cosine similarity), most similar first."""
    return _blind_items(session, image_of_source(session, source_id), caller,
                        similar_sources(session, settings.data_dir, source_id, k))
