"""Asking for a task: the params that make two requests "the same" (one run), as a
:class:`~backend.worker.context.TaskRequest` (``*_request``: what a task body returns as its follow-ups),
and the ``submit_*`` shorthands that hand one to :func:`backend.worker.dispatch.submit`.

A request's params include what the result depends on besides the user's settings: the source set for
pretrain and embed (``sources_key``), the labels for fit_probe (``labels_key``: labelled-source count and last
annotation id, which only grows) and the encoder version. So the same request on unchanged data returns the
recorded run, and a request after a new label or a new catalogue layer runs again.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from backend.db.annotations import Annotation
from backend.db.learning import ModelVersion, TaskRun
from backend.db.sources import Source
from backend.errors import InputError
from backend.services.labelling.layers import require_image
from backend.services.learning.data import image_sources, sources_key
from backend.services.learning.model_store import latest_version, require_encoder
from backend.services.learning.picking import MAX_K, STRATEGIES
from backend.services.learning.pretraining import PretrainParams
from backend.services.learning.probe_fitting import ProbeParams
from backend.worker.context import TaskRequest, WorkerContext
from backend.worker.dispatch import submit


def has_labels(ctx: WorkerContext, image_id: int) -> bool:
    with ctx.sessions() as session:
        return session.scalar(select(Source.id).where(Source.image_id == image_id,
                                                      Source.label_class.is_not(None)).limit(1)) is not None


def pretrain_request(ctx: WorkerContext, image_id: int, params: PretrainParams) -> TaskRequest:
    with ctx.sessions() as session:
        require_image(session, image_id)
        key = sources_key(image_sources(session, image_id, params.layer_ids))
    return TaskRequest("pretrain", image_id, {**params.to_dict(), "sources_key": key})


def submit_pretrain(ctx: WorkerContext, image_id: int, params: PretrainParams) -> TaskRun:
    return submit(ctx, pretrain_request(ctx, image_id, params))


def embed_request(ctx: WorkerContext, image_id: int, encoder_id: int | None = None) -> TaskRequest:
    with ctx.sessions() as session:
        if encoder_id is None:
            found = latest_version(session, image_id, "byol")
            if found is None:
                require_encoder(session, image_id)  # raises the "pretrain first" conflict
            encoder_id = found.id  # type: ignore[union-attr]
        key = sources_key(image_sources(session, image_id))
    return TaskRequest("embed", image_id, {"encoder": encoder_id, "sources_key": key})


def submit_embed(ctx: WorkerContext, image_id: int, encoder_id: int | None = None) -> TaskRun:
    return submit(ctx, embed_request(ctx, image_id, encoder_id))


def probe_params(ctx: WorkerContext, image_id: int,
                 overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The newest probe's settings (catalogue features, pseudo-labels, l2) with ``overrides`` applied."""
    with ctx.sessions() as session:
        probe = latest_version(session, image_id, "probe")
    base = {k: v for k, v in (probe.config if probe else {}).items() if k != "classes"}
    return ProbeParams.from_dict({**base, **(overrides or {})}).to_dict()


def fit_probe_request(ctx: WorkerContext, image_id: int,
                      overrides: dict[str, Any] | None = None) -> TaskRequest:
    with ctx.sessions() as session:
        encoder = require_encoder(session, image_id)
        labelled = session.scalar(select(func.count(Source.id)).where(
            Source.image_id == image_id, Source.label_class.is_not(None))) or 0
        last = session.scalar(select(func.max(Annotation.id)).where(Annotation.image_id == image_id)) or 0
    return TaskRequest("fit_probe", image_id, {"probe": probe_params(ctx, image_id, overrides),
                                               "encoder": encoder.id, "labels_key": f"{labelled}:{last}"})


def submit_fit_probe(ctx: WorkerContext, image_id: int, overrides: dict[str, Any] | None = None) -> TaskRun:
    return submit(ctx, fit_probe_request(ctx, image_id, overrides))


def accuracy_request(image_id: int, probe_version_id: int) -> TaskRequest:
    """The cross-validated accuracy of one probe version (one run per version)."""
    return TaskRequest("probe_accuracy", image_id, {"probe": probe_version_id})


def submit_predict(ctx: WorkerContext, image_id: int) -> TaskRun:
    with ctx.sessions() as session:
        probe = latest_version(session, image_id, "probe")
        key = sources_key(image_sources(session, image_id))
    return submit(ctx, TaskRequest("predict", image_id, {"probe": probe.id if probe else None,
                                                         "sources_key": key}))


def sample_request(ctx: WorkerContext, image_id: int, strategy: str, k: int, seed: int | None,
                   flt: dict[str, Any] | None = None) -> TaskRequest:
    """Picking the next sources (and writing the "picked" layer) for the current model and labels, among
    the working set ``flt`` selects (default: every source)."""
    if strategy not in STRATEGIES:
        raise InputError(f"strategy {strategy!r} is unknown: use one of {', '.join(STRATEGIES)}")
    if not 1 <= k <= MAX_K:
        raise InputError(f"k must be 1 to {MAX_K}, got {k}")
    with ctx.sessions() as session:
        require_image(session, image_id)
        probe = session.scalar(select(func.max(ModelVersion.id)).where(ModelVersion.image_id == image_id))
        last = session.scalar(select(func.max(Annotation.id)).where(Annotation.image_id == image_id)) or 0
    params = {"strategy": strategy, "k": k, "seed": seed, "model_version": probe, "labels_key": last}
    return TaskRequest("sample", image_id, params | ({"filter": flt} if flt else {}))
