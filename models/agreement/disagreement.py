"""The disagreement queue: which sources a reviewer should adjudicate, and why.

One rule for the round report, the reviewer's queue and ``skylabel bench consensus``. A source is queued for
any of these reasons (each is named in the report):

- ``no_majority``: no class has more than half the votes (a tie, or 1-1-1);
- ``low_agreement``: the mode's share of the votes is below ``min_agreement``;
- ``mode_mean_gap``: the mean class is ``mean_gap`` or more from the mode, the LEGUS catalogues' own
  uncertainty flag (votes 1, 1, 4: mode 1 but mean 2, a cluster and a non-cluster call);
- ``low_posterior``: the skill model's posterior of its class is below ``min_posterior``.

Sources with fewer than ``min_votes`` votes are not judged yet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.agreement.votes import mean_class

REASONS = ("no_majority", "low_agreement", "mode_mean_gap", "low_posterior")


@dataclass(frozen=True)
class QueueRule:
    min_agreement: float = 0.6
    mean_gap: float = 1.0
    min_posterior: float = 0.8
    min_votes: int = 2


def disagreements(counts: np.ndarray, mode: np.ndarray, posterior: np.ndarray | None = None,
                  rule: QueueRule | None = None) -> list[list[str]]:
    """Per item the reasons it is queued (empty: not queued); ``mode`` per item as the app decides it."""
    rule = rule or QueueRule()
    c = np.asarray(counts, dtype=np.float64)
    n = c.sum(axis=1)
    top = c.max(axis=1) if c.size else np.zeros(c.shape[0])
    mean = mean_class(c)
    out: list[list[str]] = []
    for i in range(c.shape[0]):
        reasons: list[str] = []
        if n[i] >= rule.min_votes:
            share = top[i] / n[i]
            if top[i] * 2 <= n[i]:
                reasons.append("no_majority")
            if share < rule.min_agreement:
                reasons.append("low_agreement")
            if mode[i] >= 0 and abs(mean[i] - (mode[i] + 1)) >= rule.mean_gap:
                reasons.append("mode_mean_gap")
            if posterior is not None and posterior[i] < rule.min_posterior:
                reasons.append("low_posterior")
        out.append(reasons)
    return out
