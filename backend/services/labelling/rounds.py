"""Consensus rounds: create (sample + assign), open, close, adjudicate, the caller's queue.

The paper's case study 2 (section 5): rounds of 3 to 4 annotators on sources sampled at random from regions
a user draws; each source gets ``k`` votes from a balanced share of the round's annotators, everyone walks
their own queue in a fixed random order, and a closed round takes no more votes. Every state change is a
``round_changes`` row; adjudications are append-only and never touch a vote.

States: ``draft`` (created, sources and assignments fixed) -> ``open`` (votes taken) -> ``closed`` (the
report is final) -> ``adjudicated`` (a reviewer has decided at least one source of the disagreement queue).
Plain *tag rounds* (no ``k``) keep the old behaviour: created open, closed once (:mod:`.annotators`).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.annotations import Annotation, Annotator, Round
from backend.db.rounds import Adjudication, RoundAssignment, RoundChange, RoundSource
from backend.db.sources import Layer, Source
from backend.db.tables import utcnow
from backend.errors import ConflictError, ForbiddenError, InputError, NotFoundError
from backend.services.labelling.annotators import (
    close_round,
    current_round,
    get_or_create_annotator,
    get_round,
    open_round,
)
from backend.services.labelling.layers import require_image
from backend.services.labelling.projects import check_class, image_project
from backend.services.labelling.round_sampling import assign, bounds, inside, queue_order, region_rings, sample
from backend.services.labelling.round_spec import RoundCreate, SampleSpec
from backend.services.selection.filters import compile_filter

TRANSITIONS = {"open": ("draft",), "closed": ("open",), "adjudicated": ("closed", "adjudicated")}


def create_round(session: Session, image_id: int, spec: RoundCreate, created_by: str | None,
                 data_dir: Path | None = None) -> Round:
    """A new round: a tag round (no ``k``: open at once), or a consensus round in ``draft``.

    ``data_dir`` (the settings' data directory) is where a ``sample.strategy`` other than random finds the
    encoder's embeddings."""
    require_image(session, image_id)
    if not spec.consensus:
        made = open_round(session, image_id, spec.name)
        made.created_by = created_by
        _record(session, made, None, "open", created_by)
        return made
    if spec.k is None:
        raise InputError("a round with sources needs k, the number of votes wanted per source")
    if (spec.sources is None) == (spec.sample is None):
        raise InputError('give either "sources" (a list of ids) or "sample" {"regions", "n", "layer"}, not both')
    names = list(dict.fromkeys(a.strip() for a in spec.annotators if a.strip()))
    if len(names) < spec.k:
        raise InputError(f"k = {spec.k} needs at least {spec.k} annotators; the round names {len(names)}")
    seed = spec.seed if spec.seed is not None else secrets.randbits(32)
    rng_sample, rng_gold, rng_assign, rng_queue = (np.random.default_rng(s)
                                                   for s in np.random.SeedSequence(seed).spawn(4))
    chosen = _chosen_sources(session, image_id, spec, rng_sample, data_dir)
    gold = _gold_sources(session, image_id, spec, set(chosen), rng_gold)
    everything = chosen + [sid for sid, _ in gold]
    order = [everything[i] for i in rng_gold.permutation(len(everything))] if gold else everything
    if not order:
        raise InputError("the round has no sources: the regions hold none of the layer's sources "
                         "(that pass the filter)")
    annotators = [get_or_create_annotator(session, name, "human") for name in names]
    last = session.scalar(select(func.max(Round.number)).where(Round.image_id == image_id)) or 0
    made = Round(image_id=image_id, number=last + 1, name=spec.name.strip() or f"round {last + 1}",
                 status="draft", state="draft", k=spec.k, blind=spec.blind, show_predictions=spec.show_predictions,
                 show_previous_majority=spec.show_previous_majority, created_by=created_by,
                 options={"seed": seed, "repeats": spec.repeats, "annotators": names,
                          "sample": spec.sample.model_dump() if spec.sample else None,
                          "gold": spec.gold.model_dump() if spec.gold else None})
    session.add(made)
    session.flush()
    gold_class = dict(gold)
    session.add_all(RoundSource(round_id=made.id, source_id=sid, position=i, gold_class=gold_class.get(sid))
                    for i, sid in enumerate(order))
    shares = assign(order, [a.id for a in annotators], spec.k, rng_assign)
    for annotator_id, mine in shares.items():
        queue = queue_order(mine, spec.repeats, np.random.default_rng(rng_queue.integers(2**32)))
        session.add_all(RoundAssignment(round_id=made.id, annotator_id=annotator_id, source_id=sid, position=i,
                                        repeat=rep) for i, (sid, rep) in enumerate(queue))
    _record(session, made, None, "draft", created_by)
    session.flush()
    return made


def _chosen_sources(session: Session, image_id: int, spec: RoundCreate, rng: np.random.Generator,
                    data_dir: Path | None) -> list[int]:
    if spec.sources is not None:
        ids = list(dict.fromkeys(int(s) for s in spec.sources))
        if not ids:
            raise InputError("sources is empty")
        found = set(session.scalars(select(Source.id).where(Source.image_id == image_id, Source.id.in_(ids))))
        missing = [s for s in ids if s not in found]
        if missing:
            raise InputError(f"image {image_id} has no sources with ids {missing[:10]}")
        return ids
    assert spec.sample is not None
    chosen = spec.sample
    if chosen.strategy == "random" and not chosen.regions and chosen.filter is None:
        raise InputError("sample needs regions drawn on the map, a filter (cuts, saved regions), or both "
                         '(or "strategy": "entropy" | "diverse" to choose among the whole image)')
    candidates = _pool(session, image_id, chosen)
    if chosen.strategy == "random":
        return sample(candidates, chosen.n, rng)
    return _acquired(session, data_dir, image_id, chosen.strategy, chosen.n, candidates, int(rng.integers(2**32)))


def _pool(session: Session, image_id: int, chosen: SampleSpec) -> list[int]:
    """The sources a sample draws from: inside the regions, of the layer (default: all but picked copies),
    passing the filter; in id order."""
    rings = region_rings(chosen.regions) if chosen.regions else []
    flt = compile_filter(session, image_id, chosen.filter) if chosen.filter is not None else None
    query = select(Source.id, Source.x, Source.y, Source.columns).where(Source.image_id == image_id)
    if rings:
        xmin, ymin, xmax, ymax = bounds(rings)
        query = query.where(Source.x.between(xmin, xmax), Source.y.between(ymin, ymax))
    if chosen.layer is not None:
        layer = session.get(Layer, chosen.layer)
        if layer is None or layer.image_id != image_id:
            raise InputError(f"image {image_id} has no layer {chosen.layer}")
        query = query.where(Source.layer_id == layer.id)
    else:
        query = query.join(Layer, Layer.id == Source.layer_id).where(Layer.kind != "picked")
    rows = session.execute(query.order_by(Source.id)).all()
    if not rows:
        return []
    xy = np.array([(r[1], r[2]) for r in rows])
    keep = inside(rings, xy) if rings else np.ones(len(rows), dtype=bool)
    return [int(r[0]) for r, ok in zip(rows, keep, strict=True)
            if ok and (flt is None or flt.matches(r[1], r[2], r[3] or {}))]


def _acquired(session: Session, data_dir: Path | None, image_id: int, strategy: str, n: int,
              candidates: list[int], seed: int) -> list[int]:
    """The ``n`` sources of the pool the acquisition function chooses (best first), by the image's latest
    model: ``entropy`` over the latest probe's scores, ``diverse`` (k-center greedy) over the embeddings.
    409 while there is no such model; unlabelled sources only."""
    from backend.db.learning import Prediction
    from backend.services.learning.picking import MAX_K, propose_next

    if not candidates:
        return []
    if n > MAX_K:
        raise InputError(f'sample.n = {n}: a "{strategy}" sample takes at most {MAX_K} sources')
    if data_dir is None:
        raise ConflictError(f'a "{strategy}" sample needs the data directory holding the models')
    if strategy == "entropy" and session.scalar(
            select(Prediction.id).where(Prediction.image_id == image_id).limit(1)) is None:
        raise ConflictError(f"sample.strategy 'entropy' needs the probe's scores and image {image_id} has none "
                            "yet: pretrain an encoder and label a few sources (or use strategy random)")
    try:
        proposal = propose_next(session, data_dir, image_id, strategy, n, seed, set(candidates))
    except ConflictError as err:
        raise ConflictError(f"sample.strategy {strategy!r}: {err}") from None
    return [int(s) for s in proposal["source_ids"]]


def _gold_sources(session: Session, image_id: int, spec: RoundCreate, taken: set[int],
                  rng: np.random.Generator) -> list[tuple[int, str]]:
    if spec.gold is None:
        return []
    layer = session.get(Layer, spec.gold.layer)
    if layer is None or layer.image_id != image_id:
        raise InputError(f"gold.layer: image {image_id} has no layer {spec.gold.layer}")
    rows = session.execute(select(Source.id, Source.reference_class).where(
        Source.layer_id == layer.id, Source.reference_class.is_not(None)).order_by(Source.id)).all()
    known = {int(sid): str(cls) for sid, cls in rows if int(sid) not in taken}
    if not known:
        raise InputError(f"gold.layer {layer.id} ({layer.name}) has no sources with a reference class")
    return [(sid, known[sid]) for sid in sample(list(known), spec.gold.n, rng)]


def change_state(session: Session, round_id: int, to: str, by: str | None) -> Round:
    """Move a consensus round along draft -> open -> closed -> adjudicated (409 for any other move)."""
    found = get_round(session, round_id)
    if found.k is None:
        if to != "closed":
            raise ConflictError(f"round {round_id} ({found.name}) is a tag round: it can only be closed")
        closed = close_round(session, round_id)
        _record(session, closed, "open", "closed", by)
        return closed
    if found.state not in TRANSITIONS.get(to, ()):
        raise ConflictError(f"round {round_id} ({found.name}) is {found.state}: it cannot become {to} "
                            "(draft -> open -> closed -> adjudicated)")
    previous = found.state
    found.state = to
    found.status = to
    if to == "open":
        found.opened_at = utcnow()
    if to == "closed":
        found.closed_at = utcnow()
    if previous != to:
        _record(session, found, previous, to, by)
    session.flush()
    return found


def _record(session: Session, found: Round, before: str | None, after: str, by: str | None) -> None:
    session.add(RoundChange(round_id=found.id, from_state=before, to_state=after, by=by, at=utcnow()))


def changes(session: Session, round_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(select(RoundChange).where(RoundChange.round_id == round_id).order_by(RoundChange.id))
    return [{"from": c.from_state, "to": c.to_state, "by": c.by, "at": c.at} for c in rows]


def round_source_ids(session: Session, round_id: int) -> list[int]:
    return [int(s) for s in session.scalars(
        select(RoundSource.source_id).where(RoundSource.round_id == round_id).order_by(RoundSource.position))]


def check_vote(session: Session, image_id: int, round_id: int, annotator_id: int, source_id: int,
               repeat: bool) -> None:
    """A vote may join a consensus round only while it is open, on a source assigned to the voter."""
    found = get_round(session, round_id)
    if found.image_id != image_id:
        raise InputError(f"round {round_id} belongs to image {found.image_id}, not to image {image_id}")
    if found.state != "open":
        raise ConflictError(f"round {round_id} ({found.name}) is {found.state}: it takes no votes"
                            + (" until it is opened" if found.state == "draft" else ""))
    assigned = session.scalar(select(func.count()).select_from(RoundAssignment).where(
        RoundAssignment.round_id == round_id, RoundAssignment.annotator_id == annotator_id,
        RoundAssignment.source_id == source_id, RoundAssignment.repeat == repeat))
    if not assigned:
        what = "a repeat showing of " if repeat else ""
        raise ForbiddenError(f"round {round_id} did not assign {what}source {source_id} to you: "
                             f"GET /api/rounds/{round_id}/queue lists yours")


@dataclass
class QueueItem:
    source_id: int
    position: int
    repeat: bool
    done: bool


def queue(session: Session, round_id: int, annotator: str) -> dict[str, Any]:
    """The caller's assigned sources in their fixed order, with ``done`` flags and progress."""
    found = get_round(session, round_id)
    who = session.scalars(select(Annotator).where(Annotator.name == annotator)).first()
    rows = [] if who is None else list(session.scalars(select(RoundAssignment).where(
        RoundAssignment.round_id == round_id, RoundAssignment.annotator_id == who.id)
        .order_by(RoundAssignment.position)))
    voted: dict[tuple[int, bool], str | None] = {}
    if who is not None:
        for sid, rep, cls in session.execute(select(Annotation.source_id, Annotation.repeat, Annotation.class_).where(
                Annotation.round_id == round_id, Annotation.annotator_id == who.id).order_by(Annotation.id)):
            voted[(int(sid), bool(rep))] = cls
    items = [QueueItem(a.source_id, a.position, a.repeat, voted.get((a.source_id, a.repeat)) is not None)
             for a in rows]
    extras = _panel_extras(session, found, [i.source_id for i in items])
    where = {int(sid): (x, y) for sid, x, y in session.execute(select(Source.id, Source.x, Source.y).where(
        Source.id.in_([i.source_id for i in items])))} if items else {}
    done = sum(i.done for i in items)
    return {"round_id": round_id, "state": found.state, "annotator": annotator, "done": done, "total": len(items),
            "items": [{"source_id": i.source_id, "position": i.position, "repeat": i.repeat, "done": i.done,
                       "x": where[i.source_id][0], "y": where[i.source_id][1], **extras.get(i.source_id, {})}
                      for i in items]}


def _panel_extras(session: Session, found: Round, source_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What the round lets its annotators see per source: the prediction score, the previous majority."""
    out: dict[int, dict[str, Any]] = {sid: {} for sid in source_ids}
    if not source_ids:
        return out
    if found.show_predictions:
        from backend.db.learning import Prediction

        for sid, cls, score in session.execute(select(Prediction.source_id, Prediction.class_, Prediction.score)
                                               .where(Prediction.source_id.in_(source_ids))):
            out[int(sid)]["prediction"] = {"class": cls, "score": score}
    if found.show_previous_majority:
        for sid, majority in previous_majority(session, found, source_ids).items():
            out[sid]["previous_majority"] = majority
    return out


def previous_majority(session: Session, found: Round, source_ids: list[int]) -> dict[int, str | None]:
    """Each source's majority class over the votes of the image's earlier rounds (the paper's panel)."""
    from backend.services.labelling.consensus import consensus

    rows = session.execute(
        select(Annotation.source_id, Annotation.id, Annotation.annotator_id, Annotation.class_)
        .join(Round, Round.id == Annotation.round_id)
        .where(Annotation.source_id.in_(source_ids), Round.image_id == found.image_id, Round.number < found.number,
               Annotation.repeat.is_(False))).all()
    history: dict[int, list[tuple[int, int, str | None]]] = {}
    for sid, aid, who, cls in rows:
        history.setdefault(int(sid), []).append((int(aid), int(who), cls))
    return {sid: consensus(h)[0] for sid, h in history.items()}


def progress(session: Session, round_id: int) -> dict[str, Any]:
    """Votes per annotator (done of assigned), per source (votes of k) and overall (every assigned showing:
    ``done`` of ``total``, ``fraction``)."""
    found = get_round(session, round_id)
    names = dict(session.execute(select(Annotator.id, Annotator.name)).all())
    assigned = session.execute(select(RoundAssignment.annotator_id, RoundAssignment.source_id, RoundAssignment.repeat)
                               .where(RoundAssignment.round_id == round_id)).all()
    latest: dict[tuple[int, int, bool], str | None] = {}
    for who, sid, rep, cls in session.execute(
            select(Annotation.annotator_id, Annotation.source_id, Annotation.repeat, Annotation.class_)
            .where(Annotation.round_id == round_id).order_by(Annotation.id)):
        latest[(int(who), int(sid), bool(rep))] = cls
    per_annotator: dict[str, dict[str, int]] = {}
    per_source: dict[int, int] = {sid: 0 for sid in round_source_ids(session, round_id)}
    for who, sid, rep in assigned:
        row = per_annotator.setdefault(names[who], {"done": 0, "total": 0})
        row["total"] += 1
        if latest.get((int(who), int(sid), bool(rep))) is not None:
            row["done"] += 1
            if not rep:
                per_source[int(sid)] = per_source.get(int(sid), 0) + 1
    done = sum(v["done"] for v in per_annotator.values())
    total = sum(v["total"] for v in per_annotator.values())
    return {"k": found.k, "per_annotator": [{"annotator": n, **v} for n, v in sorted(per_annotator.items())],
            "per_source": [{"source_id": sid, "votes": n, "k": found.k} for sid, n in per_source.items()],
            "overall": {"done": done, "total": total, "fraction": done / total if total else 0.0}}


def blind_progress(shown: dict[str, Any], caller: str | None) -> dict[str, Any]:
    """What an annotator of an open blind round sees of :func:`progress`: their own queue's progress and the
    round's overall fraction of votes in; no other annotator's progress, no votes per source."""
    return {"k": shown["k"], "per_annotator": [p for p in shown["per_annotator"] if p["annotator"] == caller],
            "per_source": [], "overall": {"fraction": shown["overall"]["fraction"]}}


def adjudicate(session: Session, round_id: int, source_id: int, class_: str, note: str, by: str | None) -> Adjudication:
    """A reviewer's decision on one source of a closed round: appended, the round becomes ``adjudicated``."""
    found = get_round(session, round_id)
    if found.state not in ("closed", "adjudicated"):
        raise ConflictError(f"round {round_id} ({found.name}) is {found.state}: close it before adjudicating")
    if source_id not in set(round_source_ids(session, round_id)):
        raise NotFoundError(f"source {source_id} is not in round {round_id}")
    check_class(image_project(session, found.image_id).scheme, class_)
    made = Adjudication(round_id=round_id, source_id=source_id, class_=class_, note=note or "", by=by,
                        created_at=utcnow())
    session.add(made)
    change_state(session, round_id, "adjudicated", by)
    session.flush()
    return made


def adjudications(session: Session, round_id: int) -> dict[int, Adjudication]:
    """The latest adjudication per source of a round."""
    out: dict[int, Adjudication] = {}
    for row in session.scalars(select(Adjudication).where(Adjudication.round_id == round_id).order_by(Adjudication.id)):
        out[row.source_id] = row
    return out


def round_public(session: Session, found: Round) -> dict[str, Any]:
    return {"id": found.id, "image_id": found.image_id, "number": found.number, "name": found.name,
            "status": found.status, "state": found.state, "k": found.k, "blind": found.blind,
            "show_predictions": found.show_predictions, "show_previous_majority": found.show_previous_majority,
            "created_by": found.created_by, "opened_at": found.opened_at, "closed_at": found.closed_at,
            "annotators": list((found.options or {}).get("annotators") or []),
            "sources": round_source_ids(session, found.id) if found.k is not None else [],
            "seed": (found.options or {}).get("seed")}


def round_for_label(session: Session, image_id: int, round_id: int | None, annotator_id: int | None = None,
                    source_id: int | None = None, repeat: bool = False) -> int | None:
    """Check that a label may join round ``round_id`` of this image (default: the current open tag round);
    a consensus round takes it only while open, on a source it assigned to this annotator."""
    if round_id is None:
        if repeat:
            raise InputError("a repeat showing belongs to a round: give its round_id")
        found = current_round(session, image_id)
        return None if found is None else found.id
    found = get_round(session, round_id)
    if found.k is not None:
        if annotator_id is None or source_id is None:
            raise InputError(f"round {round_id} is a consensus round: label one of its sources by source_id")
        check_vote(session, image_id, round_id, annotator_id, source_id, repeat)
        return found.id
    if repeat:
        raise InputError(f"round {round_id} is a tag round: it has no repeat showings")
    if found.image_id != image_id:
        raise InputError(f"round {round_id} belongs to image {found.image_id}, not to image {image_id}")
    if found.status != "open":
        raise ConflictError(f"round {round_id} ({found.name}) is closed: open a new round to add labels")
    return found.id
