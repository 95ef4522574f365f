"""``skylabel train``, ``skylabel predict``, ``skylabel next``: the AI loop from the shell, run synchronously.

The tasks are the worker's (:mod:`backend.worker.tasks`), run inline and recorded as task runs like the
API's: ``train`` pretrains the encoder with BYOL, embeds every source and, if anything is labelled, fits the
probe; asking again for the same training returns the recorded one. Progress goes to stderr (a bar with
images/s), results to stdout (``--json`` for one JSON document). With ``SKYLABEL_BROKER_URL`` set the events
also go to Redis, so open maps follow a training started here.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from backend.cli.context import context
from backend.cli.progress import ProgressRenderer
from backend.worker.context import WorkerContext
from backend.worker.events import Publisher


class Tee:
    def __init__(self, *targets: Publisher) -> None:
        self.targets = targets

    def publish(self, image_id: int, kind: str, data: dict[str, Any]) -> None:
        for target in self.targets:
            target.publish(image_id, kind, data)


def cli_worker(args: argparse.Namespace) -> WorkerContext:
    """A worker context running tasks inline, reporting progress on stderr (and to Redis with a broker)."""
    from functools import partial

    from backend.worker.dispatch import InlineDispatcher
    from backend.worker.events import RedisEvents
    from backend.worker.runner import run_task

    ctx = context(args.settings)
    broker = ctx.settings.broker_url
    events: Publisher = Tee(ProgressRenderer(), RedisEvents(broker)) if broker else ProgressRenderer()
    worker = WorkerContext(ctx.settings, ctx.sessions, events, inline=True)
    worker.dispatcher = InlineDispatcher(partial(run_task, worker))
    return worker


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from backend.services.learning.pretraining import PretrainParams

    t = sub.add_parser("train", help="pretrain an image's encoder (BYOL), embed its sources, fit the probe")
    t.add_argument("image_id", type=int)
    PretrainParams.add_arguments(t, flags={"layer_ids": "--layer"})
    t.add_argument("--json", action="store_true", help="print the learning status as JSON")
    t.set_defaults(func=train_cmd)

    p = sub.add_parser("predict", help="fit the probe on the current labels and write every source's scores")
    p.add_argument("image_id", type=int)
    p.add_argument("--json", action="store_true", help="print every prediction as JSON")
    p.set_defaults(func=predict_cmd)

    n = sub.add_parser("next", help="the sources to label next (also the image's 'picked' layer)")
    n.add_argument("image_id", type=int)
    n.add_argument("--strategy", choices=("entropy", "random", "margin", "diverse", "cluster_entropy"),
                   default="entropy")
    n.add_argument("--k", type=int, default=20)
    n.add_argument("--seed", type=int, default=None)
    n.add_argument("--json", action="store_true")
    n.set_defaults(func=next_cmd)


def _check(run: Any) -> None:
    from backend.errors import SkylabelError

    if run.status == "failed":
        raise SkylabelError(f"{run.name} task {run.id} failed: {run.error}")


def train_cmd(args: argparse.Namespace) -> int:
    from backend.services.learning.pretraining import PretrainParams
    from backend.services.learning.status import learning_status
    from backend.worker.submit import submit_pretrain

    ctx = cli_worker(args)
    params = PretrainParams.from_args(args)
    start = time.perf_counter()
    run = submit_pretrain(ctx, args.image_id, params)
    _check(run)
    with ctx.sessions() as session:
        status = learning_status(session, args.image_id)
    if args.json:
        print(json.dumps(status, default=str))
        return 0
    metrics = run.result or {}
    print(f"encoder v{metrics.get('version')} of image {args.image_id}: {metrics.get('steps')} steps on "
          f"{metrics.get('n_cutouts')} cutouts, final loss {metrics.get('final_loss'):.4f}, "
          f"{metrics.get('images_per_s')} images/s (task {run.id}, {time.perf_counter() - start:.1f} s)")
    if status["embeddings"]:
        print(f"embeddings: {status['embeddings']['n']} sources x {status['embeddings']['dim']} dimensions")
    if status["probe"]:
        print(f"probe v{status['probe']['version']}: {status['probe']['n_labels']} labels, cross-validated "
              f"accuracy {status['probe']['validation_accuracy']}, photometric features alone "
              f"{status['probe']['features_only_accuracy']}")
    return 0


def predict_cmd(args: argparse.Namespace) -> int:
    from collections import Counter

    from backend.services.learning.predictions import MAX_LIMIT, query_predictions
    from backend.worker.submit import has_labels, submit_fit_probe, submit_predict

    ctx = cli_worker(args)
    if has_labels(ctx, args.image_id):
        run = submit_fit_probe(ctx, args.image_id)
    else:
        run = submit_predict(ctx, args.image_id)
    _check(run)
    with ctx.sessions() as session:
        predictions = query_predictions(session, args.image_id, None, MAX_LIMIT)
    if args.json:
        print(json.dumps(predictions, default=str))
        return 0
    counts = Counter(item["class"] for item in predictions["items"])
    print(f"probe model version {predictions['model_version']}: {predictions['count']} sources scored; "
          + ", ".join(f"class {c}: {n}" for c, n in sorted(counts.items())))
    return 0


def next_cmd(args: argparse.Namespace) -> int:
    from backend.errors import ConflictError
    from backend.worker.runner import run_now
    from backend.worker.submit import sample_request

    ctx = cli_worker(args)
    run = run_now(ctx, sample_request(ctx, args.image_id, args.strategy, args.k, args.seed))
    if run.status != "done" or run.result is None:
        raise ConflictError(run.error or f"task {run.id} is {run.status}")
    result = run.result
    if args.json:
        print(json.dumps(result))
        return 0
    rows, names = _picked_rows(ctx, args.image_id, result["source_ids"])
    question = " / ".join(names) if result.get("question") == "binary" and names is not None else None
    asked = f" on {question}" if question else ""
    print(f"{result['k']} sources to label next by {result['strategy']}{asked} (picked layer "
          f"{result['layer_id']}); x, y are 0-based pixels")
    extra = f" | {question:<21s}     p  entropy" if question else ""
    print(f" rank   source         x         y  class  score  entropy{extra}")
    for rank, row in enumerate(rows, start=1):
        sid, x, y, cls, score, ent, two = row
        tail = (f" | {two['group']:<21s} {two['p']:5.3f}  {two['entropy']:7.3f}" if two else " | -") if question else ""
        print(f"{rank:5d} {sid:8d} {x:9.2f} {y:9.2f}  {cls or '-':>5s}  {score:5.3f}  {ent:7.3f}{tail}")
    return 0


PickedRow = tuple[int, float, float, str | None, float, float, dict | None]


def _picked_rows(ctx: WorkerContext, image_id: int,
                 source_ids: list[int]) -> tuple[list[PickedRow], list[str] | None]:
    """(id, x, y, predicted class, score, entropy, the binary question's answer) of each picked source, in
    rank order, and the scheme's binary group names (None when it has no question covering the probe)."""
    from sqlalchemy import select

    from backend.db.learning import ModelVersion, Prediction
    from backend.db.sources import Source
    from backend.services.learning.predictions import binary_answer, binary_question

    with ctx.sessions() as session:
        rows = session.execute(
            select(Source.id, Source.x, Source.y, Prediction.class_, Prediction.score, Prediction.entropy,
                   Prediction.probs, Prediction.model_version_id)
            .outerjoin(Prediction, Prediction.source_id == Source.id).where(Source.id.in_(source_ids))).all()
        versions = {r[7] for r in rows if r[7] is not None}
        version = session.get(ModelVersion, versions.pop()) if len(versions) == 1 else None
        groups, names = binary_question(session, image_id, version)
    by_id = {r[0]: (r[0], r[1], r[2], r[3], r[4] if r[4] is not None else float("nan"),
                    r[5] if r[5] is not None else float("nan"),
                    binary_answer(groups, names, r[6]) if r[6] is not None else None) for r in rows}
    return [by_id[i] for i in source_ids if i in by_id], names if groups is not None else None
