"""A consensus round's agreement report and per-source consensus, from its votes.

The figures are :mod:`models.agreement`'s, four-class and binary (the scheme's ``binary`` mapping; LEGUS 1,2
cluster / 3,4 non-cluster): the paper's human-to-mode agreement, Fleiss' kappa, Krippendorff's alpha
(nominal), Cohen's kappa per pair of annotators, each annotator's confusion matrix against the consensus and
against gold sources, self-agreement on repeat showings, agreement by magnitude and CI bins (Whitmore et al.
2021; quantile bins of the round's own sources, up to 5 of at least 5 sources each, so a round of faint
sources is split as finely as one spanning the galaxy; placeholders such as 99.999 fall in no bin),
Dawid-Skene skills and posteriors, and the disagreement queue (:mod:`models.agreement.disagreement`).

A vote is an annotator's latest label *in this round* (repeat showings apart); the consensus class of a
source is :func:`backend.services.labelling.consensus.consensus` of those votes: the map's rule, a tie has no
consensus (those sources are left out of the confusion matrices against the consensus).
Undefined figures (no pairable votes, no variation) are ``null``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.catalogues.votes import latest_votes
from backend.db.annotations import Annotation, Annotator, Round
from backend.db.rounds import RoundSource
from backend.db.sources import Source
from backend.services.labelling.annotators import get_round
from backend.services.labelling.consensus import consensus
from backend.services.labelling.projects import binary_groups, image_project
from backend.services.labelling.rounds import adjudications, progress
from backend.services.selection.expressions import is_sentinel
from models.agreement import (
    VoteTable,
    agreement_by_bins,
    dawid_skene,
    fleiss_kappa,
    human_to_mode_agreement,
    krippendorff_alpha,
    pairwise_cohen_kappa,
    per_rater_confusion,
    quantile_edges,
    self_agreement,
)
from models.agreement.disagreement import disagreements
from models.agreement.mode_agreement import per_item_agreement
from models.agreement.votes import mean_class

MAX_BINS, MIN_PER_BIN = 5, 5
V_COLUMNS = ("mag_F555W", "mag_F606W", "mag_v", "V", "mag")
CI_COLUMNS = ("ci", "CI", "concentration_index")


@dataclass
class RoundVotes:
    """A round's votes, integer-coded, with the maps back to ids and names."""

    round: Round
    classes: list[str]
    binary_names: list[str]
    binary_map: list[int]
    source_ids: list[int]
    annotators: list[str]
    votes: VoteTable
    mode: np.ndarray  # per source, -1 without votes or on a tie (the map's rule)
    gold: np.ndarray  # per source, -1 where not gold
    repeats: list[tuple[int, int, int]]  # (rater, first class, repeat class)
    columns: list[dict[str, Any]]

    @property
    def binary(self) -> VoteTable:
        return self.votes.mapped(self.binary_map, len(self.binary_names))

    def binary_of(self, values: np.ndarray) -> np.ndarray:
        lookup = np.asarray(self.binary_map + [-1])
        return np.where(values >= 0, lookup[np.where(values >= 0, values, -1)], -1)


def round_votes(session: Session, round_id: int) -> RoundVotes:
    found = get_round(session, round_id)
    scheme = image_project(session, found.image_id).scheme
    classes = [str(c["id"]) for c in scheme["classes"]]
    binary_names, group_of = binary_groups(scheme)
    binary_map = [group_of.get(c, 0) for c in classes]
    members = session.execute(select(RoundSource.source_id, RoundSource.gold_class, Source.columns)
                              .join(Source, Source.id == RoundSource.source_id)
                              .where(RoundSource.round_id == round_id).order_by(RoundSource.position)).all()
    source_ids = [int(m[0]) for m in members]
    index = {sid: i for i, sid in enumerate(source_ids)}
    rows = session.execute(select(Annotation.id, Annotation.source_id, Annotator.name, Annotation.class_,
                                  Annotation.repeat)
                           .join(Annotator, Annotator.id == Annotation.annotator_id)
                           .where(Annotation.round_id == round_id).order_by(Annotation.id)).all()
    history: dict[int, list[tuple[int, str, str | None]]] = defaultdict(list)
    repeat_history: dict[int, list[tuple[int, str, str | None]]] = defaultdict(list)
    for aid, sid, name, cls, rep in rows:
        if int(sid) in index:
            (repeat_history if rep else history)[int(sid)].append((int(aid), name, cls))
    names = sorted({name for h in history.values() for _, name, _ in h}
                   | set((found.options or {}).get("annotators") or []))
    rater = {n: i for i, n in enumerate(names)}
    class_index = {c: i for i, c in enumerate(classes)}
    triples, mode = [], np.full(len(source_ids), -1, dtype=np.int64)
    current: dict[tuple[int, int], int] = {}
    for sid, h in history.items():
        for who, (_, vote) in latest_votes(h).items():
            if vote in class_index:
                triples.append((index[sid], rater[str(who)], class_index[vote]))
                current[(index[sid], rater[str(who)])] = class_index[vote]
        winner, _ = consensus(h)
        mode[index[sid]] = class_index.get(winner, -1) if winner is not None else -1
    repeats = []
    for sid, h in repeat_history.items():
        for who, (_, again) in latest_votes(h).items():
            first = current.get((index[sid], rater[str(who)]))
            if first is not None and again in class_index:
                repeats.append((rater[str(who)], first, class_index[again]))
    gold = np.array([class_index.get(str(m[1]), -1) if m[1] is not None else -1 for m in members], dtype=np.int64)
    votes = VoteTable.from_triples(triples, len(source_ids), len(names), len(classes))
    return RoundVotes(found, classes, binary_names, binary_map, source_ids, names, votes, mode, gold, repeats,
                      [dict(m[2] or {}) for m in members])


def _clean(value: Any) -> Any:
    """JSON-safe: NaN -> None, numpy scalars and arrays -> Python."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return _clean(value.tolist())
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if not math.isfinite(float(value)) else round(float(value), 6)
    return value


def _column(columns: list[dict[str, Any]], names: tuple[str, ...]) -> tuple[str | None, np.ndarray]:
    for name in names:
        if any(name in c for c in columns):
            values = []
            for c in columns:
                try:
                    value = float(c.get(name))  # type: ignore[arg-type]
                except (TypeError, ValueError):
                    value = float("nan")
                values.append(float("nan") if math.isfinite(value) and is_sentinel(value) else value)
            return name, np.asarray(values)
    return None, np.full(len(columns), np.nan)


def _binned(counts: np.ndarray, name: str | None, values: np.ndarray) -> dict[str, Any]:
    """Agreement in quantile bins of the round's sources' values (edges from the data, each bin's counts)."""
    edges = quantile_edges(values, MAX_BINS, MIN_PER_BIN) if name else []
    return {"column": name, "binning": "quantile", "edges": edges,
            "bins": agreement_by_bins(counts, values, edges) if edges else []}


def source_consensus(rv: RoundVotes, session: Session) -> list[dict[str, Any]]:
    """Per source: vote counts, mode (map rule), mean class, agreement, Dawid-Skene class and posterior,
    adjudicated class, disagreement reasons. Shared by the report and the curated export."""
    counts = rv.votes.counts()
    ds = dawid_skene(rv.votes, gold=rv.gold) if rv.votes.n_votes else None
    reasons = disagreements(counts, rv.mode, ds.confidence if ds is not None else None)
    decided = adjudications(session, rv.round.id)
    means = mean_class(counts)
    share = per_item_agreement(counts)
    out = []
    for i, sid in enumerate(rv.source_ids):
        adj = decided.get(sid)
        has_votes = counts[i].sum() > 0
        out.append({
            "source_id": sid, "n_votes": int(counts[i].sum()),
            "votes": {c: int(counts[i, j]) for j, c in enumerate(rv.classes)},
            "class_mode": rv.classes[rv.mode[i]] if rv.mode[i] >= 0 else None,
            "class_mean": float(means[i]), "agreement": float(share[i]),
            "class_ds": rv.classes[int(ds.labels[i])] if ds is not None and has_votes else None,
            "p_ds": float(ds.confidence[i]) if ds is not None and has_votes else None,
            "class_adjudicated": adj.class_ if adj else None, "adjudication_note": adj.note if adj else None,
            "gold": bool(rv.gold[i] >= 0), "reasons": reasons[i],
        })
    return out


def report(session: Session, round_id: int) -> dict[str, Any]:
    rv = round_votes(session, round_id)
    votes, binary = rv.votes, rv.binary
    counts, bcounts = votes.counts(), binary.counts()
    per_source = source_consensus(rv, session)
    ds = dawid_skene(votes, gold=rv.gold) if votes.n_votes else None
    conf_consensus = per_rater_confusion(votes, rv.mode)
    conf_binary = per_rater_confusion(binary, rv.binary_of(rv.mode))
    conf_gold = per_rater_confusion(votes, rv.gold)
    per_annotator = []
    for j, name in enumerate(rv.annotators):
        mine = votes.raters == j
        ref = rv.mode[votes.items[mine]]
        decided = ref >= 0
        rep = [(a, b) for r, a, b in rv.repeats if r == j]
        sa, n_sa = self_agreement(np.array([a for a, _ in rep]), np.array([b for _, b in rep]))
        per_annotator.append({
            "annotator": name, "n_votes": int(mine.sum()),
            "agreement_with_consensus": float(np.mean(votes.classes[mine][decided] == ref[decided]))
            if decided.any() else None,
            "confusion": conf_consensus[j], "confusion_binary": conf_binary[j],
            "confusion_gold": conf_gold[j] if (rv.gold >= 0).any() else None,
            "self_agreement": {"value": sa, "n": n_sa},
            "skill": {"confusion": ds.confusion[j], "accuracy": float(np.mean(np.diagonal(ds.confusion[j])))}
            if ds is not None else None,
        })
    pairs = {(p["a"], p["b"]): p for p in pairwise_cohen_kappa(binary)}
    cohen = [{"a": rv.annotators[int(p["a"])], "b": rv.annotators[int(p["b"])], "n": p["n"], "4class": p["kappa"],
              "binary": pairs.get((p["a"], p["b"]), {}).get("kappa")} for p in pairwise_cohen_kappa(votes)]
    sa_all, n_all = self_agreement(np.array([a for _, a, _ in rv.repeats]), np.array([b for _, _, b in rv.repeats]))
    mag_name, mags = _column(rv.columns, V_COLUMNS)
    ci_name, cis = _column(rv.columns, CI_COLUMNS)
    gold_items = rv.gold >= 0
    out = {
        "round_id": rv.round.id, "name": rv.round.name, "state": rv.round.state, "k": rv.round.k,
        "classes": rv.classes, "binary_classes": rv.binary_names, "annotators": rv.annotators,
        "n_sources": len(rv.source_ids), "n_votes": votes.n_votes,
        "n_sources_voted": int((counts.sum(axis=1) > 0).sum()),
        "human_to_mode_agreement": {"4class": human_to_mode_agreement(counts),
                                    "binary": human_to_mode_agreement(bcounts)},
        "fleiss_kappa": {"4class": fleiss_kappa(counts), "binary": fleiss_kappa(bcounts)},
        "krippendorff_alpha": {"4class": krippendorff_alpha(counts), "binary": krippendorff_alpha(bcounts)},
        "cohen_kappa": cohen,
        "per_annotator": per_annotator,
        "self_agreement": {"value": sa_all, "n": n_all},
        "gold": {"n_sources": int(gold_items.sum()),
                 "consensus_accuracy": float(np.mean(rv.mode[gold_items] == rv.gold[gold_items]))
                 if gold_items.any() else None},
        "by_magnitude": _binned(counts, mag_name, mags),
        "by_ci": _binned(counts, ci_name, cis),
        "dawid_skene": {"n_iter": ds.n_iter, "priors": ds.priors} if ds is not None else None,
        "disagreements": [s["source_id"] for s in per_source if s["reasons"]],
        "sources": per_source,
        "progress": progress(session, round_id),
    }
    return _clean(out)  # type: ignore[no-any-return]
