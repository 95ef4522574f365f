"""Label-efficiency benchmark pieces: accuracies and the strategies of the paper's Figure 3.

Classes follow LEGUS (section 4): 1 compact symmetric, 2 compact asymmetric, 3 multi-peak, 4 not a cluster;
the binary task merges 1, 2 into *cluster* and 3, 4 into *non-cluster*. Strategies, run for each label budget
(20, 50, ..., "all") and seed on a training pool, scored on a held-out evaluation split:

- ``scratch``: the supervised network trained from random weights on the labelled cutouts (for catalogue
  features: a small MLP trained from scratch);
- ``byol_probe``: a linear probe on frozen (BYOL) embeddings of random labelled sources;
- ``byol_probe_entropy``: the same probe, labelled sources chosen by entropy (active learning);
- ``byol_probe_pseudo``: the random labelled set plus confident pseudo-labels of the unlabelled pool.

With catalogue features alone (LEGUS tables have no images here) the "encoder" is the identity on the
standardised features, so the probe strategies become logistic regression on colours, CI and magnitudes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from models.acquisition import select
from models.embed import embed
from models.encoders import build_encoder
from models.errors import ConfigError, LabelError
from models.features import FeatureScaler, combine
from models.finetune import finetune, predict_proba_network
from models.probe import LinearProbe
from models.pseudo_labels import PseudoLabelSchedule, select_pseudo_labels

LEGUS_CLASSES = (1, 2, 3, 4)
CLUSTER_CLASSES = (1, 2)
STRATEGIES = ("scratch", "byol_probe", "byol_probe_entropy", "byol_probe_pseudo")
BUDGETS: tuple[int | str, ...] = (20, 50, 100, 200, 500, 1000, "all")


def accuracy_4class(predicted: np.ndarray, true: np.ndarray) -> float:
    """Fraction of exact class matches (class values, e.g. 1..4)."""
    p, t = np.asarray(predicted).ravel(), np.asarray(true).ravel()
    return float((p == t).mean()) if t.size else float("nan")


def accuracy_binary(
    predicted: np.ndarray, true: np.ndarray, cluster_classes: Sequence[int] = CLUSTER_CLASSES
) -> float:
    """Accuracy of cluster (classes 1, 2) versus non-cluster (3, 4), the literature's binary scheme."""
    p = np.isin(np.asarray(predicted).ravel(), cluster_classes)
    t = np.isin(np.asarray(true).ravel(), cluster_classes)
    return float((p == t).mean()) if t.size else float("nan")


@dataclass
class BenchmarkData:
    """Class values per source, the training pool and evaluation split (0-based indices), and the inputs.

    Give ``cutouts`` (N, bands, H, W, noise units) for ``scratch`` on images, ``embeddings`` (N, D) or an
    encoder for the probes, and/or catalogue ``features`` (N, F, raw: NaN and sentinels are handled).
    """

    labels: np.ndarray
    train: np.ndarray
    evaluation: np.ndarray
    classes: tuple = LEGUS_CLASSES
    cutouts: np.ndarray | None = None
    embeddings: np.ndarray | None = None
    features: np.ndarray | None = None


class FeatureMLP(nn.Module):
    """Two hidden layers on standardised catalogue features: the "scratch" network without images."""

    def __init__(self, n_features: int, hidden: int = 64):
        super().__init__()
        self.out_dim = hidden
        self.body = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def _budgets(budgets: Sequence[int | str], pool: int) -> list[int]:
    sizes = sorted({pool if b == "all" else int(b) for b in budgets})
    kept = [b for b in sizes if 0 < b <= pool]
    if len(kept) < len(sizes):
        warnings.warn(f"budgets {sorted(set(sizes) - set(kept))} exceed the training pool of {pool}: skipped",
                      stacklevel=3)
    return kept


def _row(strategy: str, n: int, seed: int, pred: np.ndarray, true: np.ndarray) -> dict:
    return {"strategy": strategy, "n_labels": int(n), "seed": int(seed),
            "accuracy_binary": accuracy_binary(pred, true), "accuracy_4class": accuracy_4class(pred, true)}


def label_efficiency(
    data: BenchmarkData,
    strategies: Sequence[str] = STRATEGIES,
    budgets: Sequence[int | str] = BUDGETS,
    seeds: Sequence[int] = (0, 1, 2, 3),
    *,
    encoder: nn.Module | None = None,
    scratch_encoder: dict | None = None,
    l2: float = 1.0,
    class_weight: str | None = "balanced",
    pseudo: PseudoLabelSchedule | None = None,
    finetune_options: dict | None = None,
    device: str | None = None,
    progress: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Rows ``{"strategy", "n_labels", "seed", "accuracy_binary", "accuracy_4class"}`` for every combination.

    Labelled sets grow nested within a seed (the 50 include the 20), as an annotator's would.
    ``scratch_encoder`` is the spec of the network trained from scratch (default: StarcNet on the cutouts'
    bands); ``class_weight`` is the probes' ("balanced" helps rare classes; None fits plain accuracy, the
    paper's metric); ``pseudo`` defaults to three rounds from 0.99 down to 0.95, pseudo weight 0.5.
    """
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise ConfigError(f"unknown strategies {unknown}: choose from {list(STRATEGIES)}")
    index = {c: i for i, c in enumerate(data.classes)}
    values = [v.item() if isinstance(v, np.generic) else v for v in np.asarray(data.labels, dtype=object)]
    train, evaluation = np.asarray(data.train, np.int64), np.asarray(data.evaluation, np.int64)
    bad = sorted({values[i] for i in np.r_[train, evaluation]} - set(index), key=str)
    if bad:
        raise LabelError(f"labels {bad} are not among the classes {list(data.classes)}: drop those sources")
    y = np.array([index.get(v, -1) for v in values], dtype=np.int64)
    k = len(data.classes)
    x = _probe_inputs(data, encoder, device) if any(s != "scratch" for s in strategies) else np.zeros((0, 0))
    schedule = pseudo or PseudoLabelSchedule(start=0.99, end=0.95, rounds=3, weight=0.5)
    sizes = _budgets(budgets, train.size)
    classes = np.asarray(data.classes, dtype=object)
    true = classes[y[evaluation]]

    def make_probe() -> LinearProbe:
        return LinearProbe(k, l2, class_weight=class_weight)

    def run(strategy: str, labelled: np.ndarray, seed: int) -> np.ndarray:
        if strategy == "scratch":
            return _scratch(data, y, labelled, evaluation, scratch_encoder, seed, finetune_options, device)
        if strategy == "byol_probe":
            return make_probe().fit(x[labelled], y[labelled]).predict_proba(x[evaluation])
        return _pseudo_run(x, y, train, labelled, evaluation, schedule, make_probe)

    rows: list[dict] = []
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(train)
        for strategy in strategies:
            if strategy == "byol_probe_entropy":
                results = _entropy_runs(x, y, train, evaluation, sizes, seed, make_probe)
            else:
                results = [(n, run(strategy, order[:n], seed)) for n in sizes]
            for n, probs in results:
                rows.append(_row(strategy, n, seed, classes[probs.argmax(axis=1)], true))
                if progress:
                    progress(rows[-1])
    return rows


def _probe_inputs(data: BenchmarkData, encoder: nn.Module | None, device: str | None) -> np.ndarray:
    emb = data.embeddings
    if emb is None and encoder is not None:
        if data.cutouts is None:
            raise ConfigError("an encoder was given but no cutouts to embed")
        emb = embed(encoder, data.cutouts, device=device)
    if emb is None and data.features is None:
        raise ConfigError("probe strategies need embeddings, an encoder with cutouts, or catalogue features")
    raw = combine(emb, data.features) if emb is not None else np.asarray(data.features, dtype=np.float64)
    return FeatureScaler.fit(raw).transform(raw)


def _entropy_runs(
    x: np.ndarray, y: np.ndarray, train: np.ndarray, evaluation: np.ndarray,
    sizes: list[int], seed: int, make_probe: Callable[[], LinearProbe], rounds_per_budget: int = 2,
) -> list[tuple[int, np.ndarray]]:
    """Active learning: half the first budget at random, then entropy picks in rounds up to each budget."""
    rng = np.random.default_rng(seed)
    outside = np.ones(y.size, dtype=bool)
    outside[train] = False  # sources outside the pool count as "labelled" so they are never picked
    labelled = rng.choice(train, size=max(1, sizes[0] // 2), replace=False)
    probe = make_probe()
    results = []
    for n in sizes:
        while labelled.size < n:
            probe.fit(x[labelled], y[labelled])
            step = max(1, math.ceil((n - labelled.size) / rounds_per_budget))
            mask = outside.copy()
            mask[labelled] = True
            pick = select("entropy", probe.predict_proba(x), min(step, n - labelled.size), mask, rng=rng)
            labelled = np.concatenate([labelled, pick])
        probe.fit(x[labelled], y[labelled])
        results.append((n, probe.predict_proba(x[evaluation])))
    return results


def _pseudo_run(
    x: np.ndarray, y: np.ndarray, train: np.ndarray, labelled: np.ndarray,
    evaluation: np.ndarray, schedule: PseudoLabelSchedule, make_probe: Callable[[], LinearProbe],
) -> np.ndarray:
    """Self-training (Lee 2013): refit on human + pseudo-labels of the unlabelled pool, one round per step."""
    probe = make_probe().fit(x[labelled], y[labelled])
    pool = x[train]
    known = np.isin(train, labelled)
    for r in range(schedule.rounds):
        pl = select_pseudo_labels(probe.predict_proba(pool), known, schedule.threshold(r),
                                  schedule.count_cap(r), schedule.class_balanced)
        if not len(pl):
            break
        weights = np.r_[np.ones(labelled.size), np.full(len(pl), schedule.weight)]
        probe.fit(np.r_[x[labelled], pool[pl.indices]], np.r_[y[labelled], pl.classes], sample_weight=weights)
    return probe.predict_proba(x[evaluation])


def _scratch(
    data: BenchmarkData, y: np.ndarray, labelled: np.ndarray, evaluation: np.ndarray, spec: dict | None,
    seed: int, options: dict | None, device: str | None,
) -> np.ndarray:
    """Train a network from random weights on the labelled sources; probabilities on the evaluation split."""
    n_classes = len(data.classes)
    if data.cutouts is not None:
        torch.manual_seed(seed)
        net = build_encoder(spec or {"kind": "starcnet", "n_bands": int(data.cutouts.shape[1])})
        inputs, augment = data.cutouts, True
    elif data.features is not None:
        inputs = FeatureScaler.fit(data.features).transform(data.features)
        torch.manual_seed(seed)
        net, augment = FeatureMLP(inputs.shape[1]), False
        # an MLP needs a larger lr than the CNN's 1e-4; bf16 does not pay for matrices this small
        options = {"lr": 1e-3, "min_steps": 300, "precision": "fp32", **(options or {})}
    else:
        raise ConfigError("the scratch strategy needs cutouts or catalogue features")
    model = finetune(net, inputs[labelled], y[labelled], n_classes, seed=seed, device=device,
                     augment=augment, **(options or {}))
    return predict_proba_network(model, inputs[evaluation], device=device)
