"""Chance-corrected agreement coefficients on a vote table.

- **Fleiss' kappa** (Fleiss 1971) in its general form for a varying number of votes per item: each item's
  observed pairwise agreement ``P_i = (sum_j c_ij^2 - n_i) / (n_i (n_i - 1))`` is averaged over items, the
  chance term uses the pooled class proportions. With the same number of votes on every item it is exactly
  Fleiss's (and statsmodels') statistic.
- **Krippendorff's alpha**, nominal: ``1 - D_o / D_e`` from the coincidence matrix (Krippendorff 2011);
  missing votes allowed, items with fewer than two votes are not pairable and left out.
- **Cohen's kappa** (Cohen 1960) between two raters on the items both voted on, and its table over every
  pair of raters.

Every coefficient is ``nan`` where it is undefined (fewer than two pairable items or votes, or no variation
at all, so chance agreement is 1); callers show that as "n/a", never as 0 or 1.
"""

from __future__ import annotations

import numpy as np

from models.agreement.votes import VoteTable


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa from an ``(items, classes)`` count matrix; items with fewer than 2 votes are skipped."""
    c = np.asarray(counts, dtype=np.float64)
    n = c.sum(axis=1)
    c, n = c[n >= 2], n[n >= 2]
    if c.shape[0] == 0:
        return float("nan")
    p_i = ((c * c).sum(axis=1) - n) / (n * (n - 1))
    p_bar = p_i.mean()
    p_j = c.sum(axis=0) / n.sum()
    p_e = float((p_j * p_j).sum())
    if np.isclose(p_e, 1.0):
        return float("nan")
    return float((p_bar - p_e) / (1.0 - p_e))


def krippendorff_alpha(counts: np.ndarray) -> float:
    """Krippendorff's alpha (nominal) from an ``(items, classes)`` count matrix (the "value counts" form)."""
    c = np.asarray(counts, dtype=np.float64)
    m = c.sum(axis=1)
    c, m = c[m >= 2], m[m >= 2]
    if c.shape[0] == 0:
        return float("nan")
    # coincidences o_ck = sum_u (n_uc n_uk - [c = k] n_uc) / (m_u - 1)
    o = np.einsum("uc,uk,u->ck", c, c, 1.0 / (m - 1)) - np.diag((c / (m - 1)[:, None]).sum(axis=0))
    n_c = o.sum(axis=1)
    total = n_c.sum()
    disagree_observed = o.sum() - np.trace(o)
    disagree_expected = (n_c.sum() ** 2 - (n_c * n_c).sum()) / (total - 1)
    if total <= 1 or np.isclose(disagree_expected, 0.0):
        return float("nan")
    return float(1.0 - disagree_observed / disagree_expected)


def cohen_kappa(a: np.ndarray, b: np.ndarray, n_classes: int) -> float:
    """Cohen's kappa of two aligned label arrays (class indices ``0..n_classes-1``)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    if a.shape != b.shape or a.size < 2:
        return float("nan")
    table = np.zeros((n_classes, n_classes), dtype=np.float64)
    np.add.at(table, (a, b), 1)
    table /= table.sum()
    p_o = np.trace(table)
    p_e = float(table.sum(axis=1) @ table.sum(axis=0))
    if np.isclose(p_e, 1.0):
        return float("nan")
    return float((p_o - p_e) / (1.0 - p_e))


def pairwise_cohen_kappa(votes: VoteTable) -> list[dict[str, float | int]]:
    """Cohen's kappa for each pair of raters with at least two items in common: ``{a, b, n, kappa}``."""
    matrix = votes.matrix()
    out: list[dict[str, float | int]] = []
    for a in range(votes.n_raters):
        for b in range(a + 1, votes.n_raters):
            both = ~np.isnan(matrix[a]) & ~np.isnan(matrix[b])
            n = int(both.sum())
            if n < 2:
                continue
            kappa = cohen_kappa(matrix[a, both].astype(np.int64), matrix[b, both].astype(np.int64), votes.n_classes)
            out.append({"a": a, "b": b, "n": n, "kappa": kappa})
    return out
