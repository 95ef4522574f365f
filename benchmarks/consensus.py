"""``skylabel bench consensus``: majority vote vs Dawid-Skene vs adjudication, against the simulator's truth.

The simulated galaxy's catalogue gives every source a true class; k synthetic annotators calibrated to LEGUS's
human-to-mode agreement (:mod:`simulate.annotators`) vote on every source. Three consensus methods are
scored against the truth, four-class and binary:

Each k gives ``majority_accuracy``, ``dawid_skene_accuracy``, ``dawid_skene_gold_accuracy`` and
``adjudicated_accuracy`` (four-class; ``..._binary`` alongside), in ``results`` (a list) and ``by_k["3"]``.

- ``majority``: the mode of the votes, a tie broken at random (the app breaks it by the latest vote, which in
  a simulation is a random vote);
- ``dawid_skene``: the skill model's most probable class (no gold); ``dawid_skene_gold``: seeded with the true
  class of ``gold_fraction`` of the sources, scored on the others;
- ``adjudicated``: the majority, with every source of the disagreement queue
  (:mod:`models.agreement.disagreement`) decided by a simulated reviewer, an independent call drawn from the
  best annotator's confusion matrix (a conservative reviewer: a real one also sees the votes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from models.agreement import VoteTable, dawid_skene, human_to_mode_agreement
from models.agreement.disagreement import disagreements
from simulate.annotators import LEGUS_BINARY, calibrate, galaxy_truth, simulate_votes


def run(ks: tuple[int, ...] = (3, 5), size: int = 4096, seed: int = 0, gold_fraction: float = 0.05,
        spread: float = 0.1) -> dict[str, Any]:
    classes, _ = galaxy_truth(size=size, seed=seed)
    truth = classes - 1
    prior = np.bincount(truth, minlength=4) / truth.size
    out: dict[str, Any] = {"n_sources": int(truth.size), "size": size, "seed": seed,
                           "class_prior": [round(float(p), 4) for p in prior], "by_k": {}, "results": []}
    for k in ks:
        rng = np.random.default_rng([seed, k])
        panel = calibrate(prior, k=k, spread=spread)
        votes = VoteTable.from_triples(simulate_votes(truth, panel.confusion, rng), truth.size, k, 4)
        row = {"k": k} | _score(votes, truth, panel.confusion, gold_fraction, rng) | {
            "annotator_accuracy": [round(float(a), 4) for a in panel.accuracy],
            "expected_agreement": {key: round(v, 4) for key, v in panel.expected().items()},
        }
        out["by_k"][str(k)] = row
        out["results"].append(row)
    return out


def _score(votes: VoteTable, truth: np.ndarray, confusion: np.ndarray, gold_fraction: float,
           rng: np.random.Generator) -> dict[str, Any]:
    counts = votes.counts()
    noise = rng.random(counts.shape) * 0.1  # random tie-break
    majority = (counts + noise).argmax(axis=1)
    ds = dawid_skene(votes)
    gold_items = rng.random(truth.size) < gold_fraction
    gold = np.where(gold_items, truth, -1)
    ds_gold = dawid_skene(votes, gold=gold)
    queue = np.array([bool(r) for r in disagreements(counts, majority, ds.confidence)])
    reviewer = confusion[int(np.argmax(np.diagonal(confusion, axis1=1, axis2=2).mean(axis=1)))]
    adjudicated = majority.copy()
    for i in np.flatnonzero(queue):
        adjudicated[i] = int(rng.choice(4, p=reviewer[truth[i]]))
    binary = np.asarray(LEGUS_BINARY)

    def acc(name: str, pred: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
        m = np.ones(truth.size, bool) if mask is None else mask
        if not m.any():
            return {name: float("nan"), f"{name}_binary": float("nan")}
        return {name: round(float((pred[m] == truth[m]).mean()), 4),
                f"{name}_binary": round(float((binary[pred[m]] == binary[truth[m]]).mean()), 4)}

    return {
        "human_to_mode_agreement": {
            "4class": round(human_to_mode_agreement(counts), 4),
            "binary": round(human_to_mode_agreement(votes.mapped(LEGUS_BINARY, 2).counts()), 4)},
        **acc("majority_accuracy", majority), **acc("dawid_skene_accuracy", ds.labels),
        **acc("dawid_skene_gold_accuracy", ds_gold.labels, ~gold_items),
        **acc("adjudicated_accuracy", adjudicated),
        "disagreement_queue": int(queue.sum()),
        "disagreement_queue_fraction": round(float(queue.mean()), 4),
        **acc("majority_accuracy_in_queue", majority, queue),
    }


def table(figures: dict[str, Any]) -> str:
    """The printed table: one row per k and method."""
    lines = [f"bench consensus: {figures['n_sources']} simulated sources ({figures['size']} px, seed "
             f"{figures['seed']}), annotators calibrated to LEGUS agreement 75.0% / 87.2%",
             f"{'k':>2}  {'method':<22} {'4-class':>8} {'binary':>8}"]
    for row in figures["results"]:
        k = row["k"]
        h = row["human_to_mode_agreement"]
        lines.append(f"{k:>2}  {'(human-to-mode agr.)':<22} {h['4class']:8.3f} {h['binary']:8.3f}")
        for key, label in (("majority_accuracy", "majority vote"), ("dawid_skene_accuracy", "Dawid-Skene"),
                           ("dawid_skene_gold_accuracy", "Dawid-Skene + 5% gold"),
                           ("adjudicated_accuracy", "adjudicated queue")):
            lines.append(f"{k:>2}  {label:<22} {row[key]:8.3f} {row[key + '_binary']:8.3f}")
        lines.append(f"{k:>2}  disagreement queue: {row['disagreement_queue']} sources "
                     f"({100 * row['disagreement_queue_fraction']:.1f}%)")
    return "\n".join(lines)
