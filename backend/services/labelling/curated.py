"""The curated catalogue's consensus columns and the annotator-skill sidecar.

Per source (as LEGUS documents its catalogue columns, Adamo et al. 2017):

==================  ======================================================================================
``n_votes``         current human votes (each annotator's latest label, retractions and repeats left out)
``votes_<c>``       votes for scheme class ``c``; ``frac_<c>`` the fraction of the votes
``class_mode``      the mode of the votes; empty on a tie (the map's rule, one place:
                    :mod:`backend.catalogues.votes`)
``class_mean``      the mean class number (LEGUS's ``class_mean``; numeric schemes only)
``agreement``       the mode's share of the votes
``class_ds``        the Dawid-Skene class (annotator skill model over every vote on the image)
``p_ds``            its posterior probability
``class_adjudicated`` a reviewer's latest decision in a round, if any
``class_reference`` the class a reference catalogue gives the source (a reference, never a vote)
``class_curated``   the class the catalogue adopts, by ``consensus_method``
``consensus_method`` ``adjudicated`` > ``human-<n>`` (a strict majority of n votes) > ``skill-model`` (votes
                    without a majority: the skill model decides) > ``reference`` (no votes) > empty
``rounds``          the ids of the rounds the votes were cast in (comma-separated)
==================  ======================================================================================
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogues import ColumnInfo
from backend.catalogues.votes import latest_votes
from backend.db.annotations import Annotation, Annotator
from backend.db.rounds import Adjudication
from backend.db.sources import Source
from backend.services.labelling.consensus import consensus
from backend.services.labelling.projects import image_project
from models.agreement import VoteTable, dawid_skene

DESCRIPTIONS = {
    "n_votes": "number of current human votes (latest label per annotator; retractions, repeats left out)",
    "class_mode": "mode of the votes; empty on a tie (as the map shows it)",
    "class_mean": "mean class number of the votes (LEGUS class_mean)",
    "agreement": "fraction of the votes equal to class_mode",
    "class_ds": "most probable class under the Dawid-Skene annotator-skill model",
    "p_ds": "posterior probability of class_ds",
    "class_adjudicated": "class decided by a reviewer in a consensus round (latest decision)",
    "class_reference": "class given by a reference catalogue layer (a reference, not a vote)",
    "class_curated": "the adopted class, chosen as consensus_method says",
    "consensus_method": "how class_curated was decided: adjudicated, human-<n votes>, skill-model, reference",
    "rounds": "ids of the labelling rounds the votes were cast in",
}


def _votes(session: Session, image_id: int, source_ids: list[int]) -> tuple[
        dict[int, list[tuple[int, str, str | None]]], dict[int, set[int]]]:
    history: dict[int, list[tuple[int, str, str | None]]] = defaultdict(list)
    rounds: dict[int, set[int]] = defaultdict(set)
    wanted = set(source_ids)
    rows = session.execute(select(Annotation.id, Annotation.source_id, Annotator.name, Annotation.class_,
                                  Annotation.round_id)
                           .join(Annotator, Annotator.id == Annotation.annotator_id)
                           .where(Annotation.image_id == image_id, Annotation.repeat.is_(False))
                           .order_by(Annotation.id))
    for aid, sid, name, cls, rid in rows:
        if int(sid) in wanted:
            history[int(sid)].append((int(aid), name, cls))
            if rid is not None and cls is not None:
                rounds[int(sid)].add(int(rid))
    return history, rounds


def curated_columns(session: Session, image_id: int, source_ids: list[int], blind_hidden: set[int] | None = None,
                    viewer: str | None = None, matched: dict[int, int] | None = None,
                    ) -> tuple[dict[str, tuple[ColumnInfo, list[Any]]], list[dict[str, Any]]]:
    """The curated columns for ``source_ids`` (in that order) and the skill sidecar rows.

    ``blind_hidden``: sources of an open blind round the viewer may not see others' votes on: only the
    viewer's own vote counts there, and no adjudication is shown. ``matched``: a row's cross-matched
    reference source (one object, two memberships): its votes and reference class count for the row."""
    scheme = image_project(session, image_id).scheme
    classes = [str(c["id"]) for c in scheme["classes"]]
    numeric = all(c.isdigit() for c in classes)
    hidden = blind_hidden or set()
    history, rounds = _votes(session, image_id, source_ids + list((matched or {}).values())) if source_ids \
        else ({}, {})
    for sid, twin in (matched or {}).items():
        if twin in history:
            history[sid] = sorted(history.get(sid, []) + history.pop(twin))
            rounds[sid] = rounds.get(sid, set()) | rounds.pop(twin, set())
    decided: dict[int, str] = {}
    for sid, cls in session.execute(select(Adjudication.source_id, Adjudication.class_)
                                    .join(Source, Source.id == Adjudication.source_id)
                                    .where(Source.image_id == image_id).order_by(Adjudication.id)):
        decided[int(sid)] = cls
    reference = dict(session.execute(select(Source.id, Source.reference_class).where(
        Source.image_id == image_id, Source.reference_class.is_not(None))).all())
    for sid, twin in (matched or {}).items():
        if reference.get(sid) is None and twin in reference:
            reference[sid] = reference[twin]
    # the skill model over every visible vote
    people = sorted({name for sid, h in history.items() if sid not in hidden for _, name, _ in h})
    rater = {n: i for i, n in enumerate(people)}
    item = {sid: i for i, sid in enumerate(source_ids)}
    triples = [(item[sid], rater[str(name)], classes.index(cls))
               for sid, h in history.items() if sid not in hidden and sid in item
               for name, (_, cls) in latest_votes(h).items() if cls in classes]
    ds = dawid_skene(VoteTable.from_triples(triples, len(source_ids), len(people), len(classes))) if triples else None
    cols: dict[str, list[Any]] = {name: [] for name in ("n_votes", *(f"votes_{c}" for c in classes),
                                                        *(f"frac_{c}" for c in classes), "class_mode", "class_mean",
                                                        "agreement", "class_ds", "p_ds", "class_adjudicated",
                                                        "class_reference", "class_curated", "consensus_method",
                                                        "rounds")}
    for sid in source_ids:
        h = [v for v in history.get(sid, []) if v[1] == viewer] if sid in hidden else history.get(sid, [])
        current = {who: cls for who, (_, cls) in latest_votes(h).items()}
        counts = Counter(current.values())
        n = sum(counts.values())
        mode = consensus(h)[0] if n else None
        top = max(counts.values()) if n else 0
        adjudicated = None if sid in hidden else decided.get(sid)
        has_ds = ds is not None and n > 0 and sid not in hidden
        class_ds = classes[int(ds.labels[item[sid]])] if has_ds else None  # type: ignore[union-attr]
        chosen: str | None
        if adjudicated is not None:
            method, chosen = "adjudicated", adjudicated
        elif n and top * 2 > n:
            method, chosen = f"human-{n}", mode
        elif n:
            method, chosen = "skill-model", class_ds
        elif reference.get(sid) is not None:
            method, chosen = "reference", reference[sid]
        else:
            method, chosen = "", None
        cols["n_votes"].append(n)
        for c in classes:
            cols[f"votes_{c}"].append(counts.get(c, 0))
            cols[f"frac_{c}"].append(counts.get(c, 0) / n if n else None)
        cols["class_mode"].append(mode)
        cols["class_mean"].append(float(np.mean([int(c) for c in current.values()])) if n and numeric else None)
        cols["agreement"].append(top / n if n else None)
        cols["class_ds"].append(class_ds)
        cols["p_ds"].append(round(float(ds.confidence[item[sid]]), 4) if has_ds else None)  # type: ignore[union-attr]
        cols["class_adjudicated"].append(adjudicated)
        cols["class_reference"].append(reference.get(sid))
        cols["class_curated"].append(chosen)
        cols["consensus_method"].append(method)
        cols["rounds"].append(",".join(str(r) for r in sorted(rounds.get(sid, ()))) if sid not in hidden else "")
    out = {}
    for name, values in cols.items():
        if name.startswith("votes_"):
            text = f"number of votes for class {name[6:]}"
        elif name.startswith("frac_"):
            text = f"fraction of the votes for class {name[5:]}"
        else:
            text = DESCRIPTIONS[name]
        out[name] = (ColumnInfo(None, text), values)
    skill = []
    if ds is not None:
        for j, name in enumerate(people):
            row: dict[str, Any] = {"annotator": name, "n_votes": int(sum(1 for t in triples if t[1] == j)),
                                   "accuracy": round(float(np.mean(np.diagonal(ds.confusion[j]))), 4)}
            for a, ca in enumerate(classes):
                for b, cb in enumerate(classes):
                    row[f"p_{ca}_{cb}"] = round(float(ds.confusion[j, a, b]), 4)
            skill.append(row)
    return out, skill


def annotator_skill(session: Session, image_id: int, viewer: str | None = None) -> list[dict[str, Any]]:
    """The skill sidecar for every source of the image (as the viewer may see it)."""
    from backend.services.labelling.blind import blind_view
    from backend.services.labelling.layers import require_image

    require_image(session, image_id)
    ids = [int(s) for s in session.scalars(select(Source.id).where(Source.image_id == image_id).order_by(Source.id))]
    _, skill = curated_columns(session, image_id, ids, blind_view(session, image_id, viewer).hidden, viewer)
    return skill
