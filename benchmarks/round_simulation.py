"""Synthetic annotators labelling a round's queues (``skylabel simulate-annotators``: demos and tests).

Each of the round's annotators becomes one calibrated synthetic annotator of
:mod:`simulate.annotators` and labels their own queue in order through the ordinary save path (so
every rule of a vote applies). A source's true class is its reference class, or that of the nearest source
of ``truth_layer`` within ``radius`` pixels; sources without one are skipped.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.session import session_scope
from backend.db.sources import Source
from backend.errors import InputError
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.annotators import get_round
from backend.services.labelling.projects import image_project
from backend.services.labelling.rounds import queue, round_source_ids
from simulate.annotators import calibrate, simulate_votes


def _truth(session: Session, source_ids: list[int], truth_layer: int | None, radius: float) -> dict[int, str]:
    rows = session.execute(select(Source.id, Source.x, Source.y, Source.reference_class)
                           .where(Source.id.in_(source_ids))).all()
    if truth_layer is None:
        return {int(r[0]): str(r[3]) for r in rows if r[3] is not None}
    refs = session.execute(select(Source.x, Source.y, Source.reference_class).where(
        Source.layer_id == truth_layer, Source.reference_class.is_not(None))).all()
    if not refs:
        raise InputError(f"layer {truth_layer} has no reference classes to simulate votes from")
    xy = np.array([(r[0], r[1]) for r in refs])
    out = {}
    for sid, x, y, _ in rows:
        d = np.hypot(xy[:, 0] - x, xy[:, 1] - y)
        if d.min() <= radius:
            out[int(sid)] = str(refs[int(d.argmin())][2])
    return out


def label_round(sessions: sessionmaker[Session], round_id: int, truth_layer: int | None = None,
                radius: float = 1.5, spread: float = 0.1, seed: int = 0) -> dict[str, Any]:
    with session_scope(sessions) as session:
        found = get_round(session, round_id)
        if found.k is None:
            raise InputError(f"round {round_id} is a tag round: it has no queues")
        names = list((found.options or {}).get("annotators") or [])
        classes = [str(c["id"]) for c in image_project(session, found.image_id).scheme["classes"]]
        truth = _truth(session, round_source_ids(session, round_id), truth_layer, radius)
        queues = {name: queue(session, round_id, name)["items"] for name in names}
        image_id = found.image_id
    known = [classes.index(c) for c in truth.values() if c in classes]
    if not known:
        raise InputError("none of the round's sources has a known class: import a reference catalogue "
                         "(--truth-layer) first")
    prior = np.bincount(known, minlength=len(classes)) + 1.0
    panel = calibrate(prior, k=len(names), spread=spread)
    rng = np.random.default_rng(seed)
    n = 0
    for j, name in enumerate(names):
        for item in queues[name]:
            sid = item["source_id"]
            if item["done"] or truth.get(sid) not in classes:
                continue
            (_, _, given), = simulate_votes([classes.index(truth[sid])], panel.confusion[j : j + 1], rng)
            save_annotation(sessions, image_id, name, classes[given], source_id=sid, round_id=round_id,
                            repeat=item["repeat"])
            n += 1
    return {"round_id": round_id, "votes": n, "annotators": names,
            "annotator_accuracy": [round(float(a), 3) for a in panel.accuracy], "expected": panel.expected()}
