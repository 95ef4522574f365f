"""Catalogue-level separability: how well detected photometry alone (V, colours, CI) tells clusters (classes 1, 2)
from non-clusters (3, 4), as a gradient-boosting binary AUC under 5-fold stratified cross-validation.

A simulator whose classes differ too much in photometry makes the learning problem easier than the sky's; one
whose classes do not differ at all makes it harder. The real LEGUS fields span about 0.61-0.93 (fields with at
least 100 labelled sources and 20 of each side); the simulated field should fall inside that range.
Features: V magnitude, NUV-U, U-B, B-V, V-I and CI; missing values (undetected bands) are left as NaN, which
scikit-learn's histogram gradient boosting handles natively.
"""

from __future__ import annotations

import math

import numpy as np

MIN_SOURCES = 100
MIN_PER_SIDE = 20


def photometric_features(mags: np.ndarray, ci: np.ndarray) -> np.ndarray:
    """(N, 6): V, NUV-U, U-B, B-V, V-I, CI from (N, 5) Vega magnitudes NUV, U, B, V, I."""
    m = np.asarray(mags, dtype=float)
    return np.c_[m[:, 3], m[:, 0] - m[:, 1], m[:, 1] - m[:, 2], m[:, 2] - m[:, 3], m[:, 3] - m[:, 4],
                 np.asarray(ci, dtype=float)]


def binary_auc(features: np.ndarray, classes: np.ndarray, seed: int = 0, folds: int = 5) -> float:
    """Cross-validated ROC AUC of gradient boosting, cluster (1, 2) vs non-cluster (3, 4); NaN if too few."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    c = np.asarray(classes)
    keep = np.isin(c, (1, 2, 3, 4)) & np.isfinite(np.asarray(features)[:, 0])
    x, y = np.asarray(features, dtype=float)[keep], np.isin(c[keep], (1, 2)).astype(int)
    if y.size < MIN_SOURCES or min(y.sum(), (1 - y).sum()) < MIN_PER_SIDE:
        return math.nan
    scores = np.zeros(y.size)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                               random_state=seed).fit(x[train], y[train])
        scores[test] = model.predict_proba(x[test])[:, 1]
    return round(float(roc_auc_score(y, scores)), 3)
