"""Label draws and acquisition strategies of the label-efficiency benchmark, scored as correctness matrices.

Every method sees the same draws: draw ``d`` is the pool in the order ``default_rng(d).permutation(pool)``,
and a budget of ``n`` random labels is its first ``n`` (nested, as an annotator's labels grow). The
acquisition strategies start from the first half of the smallest budget of the same order, then pick the
rest in rounds (each picks half of what the next budget still lacks) with a binary (cluster / non-cluster,
the paper's case-study question) probe at a fixed L2 (cheap enough for 50 draws), one walk per draw through
every budget (its first ``n`` picks are its labels at ``n``), and are scored like random choice: by the
cross-validated :class:`models.probe_cv.TunedProbe` on what they picked.
"all" is the whole pool, the same for every draw, so a probe on it is scored once.

A method's result at one budget is a pair of (draws, evaluation sources) boolean matrices, binary and
4-class, the input of :mod:`benchmarks.label_efficiency.bootstrap`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from models.acquisition import select
from models.probe import LinearProbe
from models.probe_cv import CLUSTER_CLASSES, TunedProbe
from models.pseudo_labels import PseudoLabelSchedule, select_pseudo_labels

PROBE_STRATEGIES = ("random", "entropy", "cluster_entropy", "kcenter", "pseudo_labels")
ACQUISITION = {"entropy", "cluster_entropy", "kcenter"}
Correct = tuple[np.ndarray, np.ndarray]  # (binary, 4-class) boolean (draws, evaluation sources)


def draw_order(pool: np.ndarray, draw: int) -> np.ndarray:
    """The order labels arrive in for draw ``draw`` (0-based pool indices, a permutation of ``pool``)."""
    return np.random.default_rng(draw).permutation(np.asarray(pool, dtype=np.int64))


def correctness(pred_classes: np.ndarray, pred_cluster: np.ndarray, true: np.ndarray) -> Correct:
    """Per evaluation source: the binary answer right, the 4-class answer right."""
    return (np.asarray(pred_cluster) == np.isin(true, CLUSTER_CLASSES)), (np.asarray(pred_classes) == true)


def network_correctness(probs: np.ndarray, classes: Sequence[int], true: np.ndarray) -> Correct:
    """A network's 4-class probabilities scored both ways (binary = merged argmax, the paper's)."""
    pred = np.asarray(classes)[np.asarray(probs).argmax(axis=1)]
    return correctness(pred, np.isin(pred, CLUSTER_CLASSES), true)


def _stack(rows: list[Correct]) -> Correct:
    return np.stack([r[0] for r in rows]), np.stack([r[1] for r in rows])


def _tuned(x: np.ndarray, labels: np.ndarray, picked: np.ndarray, evaluation: np.ndarray, seed: int) -> Correct:
    probe = TunedProbe(seed=seed).fit(x[picked], labels[picked])
    return correctness(*probe.predict(x[evaluation]), labels[evaluation])


def probe_curves(
    x: np.ndarray, labels: np.ndarray, pool: np.ndarray, evaluation: np.ndarray, budgets: Sequence[int],
    n_draws: int, strategies: Sequence[str] = ("random",), progress: Callable[[str], None] | None = None,
) -> dict[tuple[str, int], Correct]:
    """``{(strategy, n_labels): (binary, 4class)}`` for a probe on standardised ``x`` (N, D).

    ``labels`` are class values 1..4 for every row; ``pool`` and ``evaluation`` 0-based row indices;
    ``budgets`` label counts (the pool size for "all").
    """
    out: dict[tuple[str, int], Correct] = {}
    sizes = sorted({int(b) for b in budgets if 0 < int(b) <= pool.size})
    for strategy in strategies:
        acquired = [n for n in sizes if n < pool.size]
        paths: dict[int, np.ndarray] = {}  # per draw, the strategy's picks up to its largest budget
        for n in sizes:
            if n == pool.size and strategy != "random":
                continue  # every strategy labels the whole pool: the same as random's "all"
            draws = 1 if n == pool.size else n_draws
            rows = []
            for d in range(draws):
                order = draw_order(pool, d)
                if strategy == "random":
                    rows.append(_tuned(x, labels, order[:n], evaluation, d))
                elif strategy == "pseudo_labels":
                    rows.append(_pseudo(x, labels, pool, order[:n], evaluation, d))
                else:
                    if d not in paths:
                        paths[d] = acquire(strategy, x, labels, pool, order, acquired, d)
                    rows.append(_tuned(x, labels, paths[d][:n], evaluation, d))
            out[(strategy, n)] = _stack(rows)
            if progress:
                b, f = out[(strategy, n)]
                progress(f"  {strategy:<16s} n={n:<5d} draws={draws:<3d} binary {b.mean():.3f} 4-class {f.mean():.3f}")
    return out


def acquire(
    strategy: str, x: np.ndarray, labels: np.ndarray, pool: np.ndarray, order: np.ndarray,
    budgets: Sequence[int], seed: int, rounds_per_budget: int = 2, question: str = "binary",
) -> np.ndarray:
    """The pool sources ``strategy`` labels, in the order it labels them, up to the largest of ``budgets``.

    It starts from half of the smallest budget taken from ``order`` (the draw's random labels), then reaches
    each budget in turn from the one below in rounds of picks (each ``1 / rounds_per_budget`` of what is still
    missing, so 10 -> 20 labels in picks of 5, 3, 1, 1), the probe refitted before each round, as the
    product's loop would; so the first ``n`` picks are what the strategy labels with a budget of ``n`` (one
    walk per draw serves every budget). Rows outside the pool are never picked.

    ``question``: what the acquisition probe predicts, so what "uncertain" means: ``"binary"`` (cluster =
    classes 1, 2 against the rest, the question of the paper's case studies, whose entropy sampling is on that
    classifier's predictions) or ``"4class"`` (the four classes' entropy, which also spends labels on 1 vs 2
    and 3 vs 4).
    """
    if question not in ("binary", "4class"):
        raise ValueError(f"question {question!r} unknown: use 'binary' or '4class'")
    targets = sorted({int(b) for b in budgets})
    if not targets or targets[0] < 1 or targets[-1] > pool.size:
        raise ValueError(f"budgets {list(budgets)} must lie in 1..{pool.size} (the pool)")
    rng = np.random.default_rng(seed)
    if question == "binary":
        classes = np.array([0, 1])
        y = np.isin(labels, CLUSTER_CLASSES).astype(np.int64)
    else:
        classes = np.unique(labels[pool])
        index = {c: i for i, c in enumerate(classes.tolist())}
        y = np.array([index.get(v, 0) for v in labels.tolist()], dtype=np.int64)
    xs = x[pool]
    local = {int(g): i for i, g in enumerate(pool.tolist())}
    labelled = [local[int(g)] for g in order[: max(1, targets[0] // 2)]]
    probe = LinearProbe(classes.size, l2=3.0, class_weight=None, max_iter=60)
    for target in targets:
        while len(labelled) < target:
            step = max(1, math.ceil((target - len(labelled)) / rounds_per_budget))
            mask = np.zeros(pool.size, dtype=bool)
            mask[labelled] = True
            if strategy == "kcenter":
                probs = np.full((pool.size, classes.size), 1.0 / classes.size)
            else:
                idx = np.asarray(labelled)
                probs = probe.fit(xs[idx], y[pool[idx]]).predict_proba(xs)
            pick = select(strategy, probs, min(step, target - len(labelled)), mask, embeddings=xs, rng=rng)
            labelled.extend(int(i) for i in pick)
    return pool[np.asarray(labelled[: targets[-1]])]


def _pseudo(
    x: np.ndarray, labels: np.ndarray, pool: np.ndarray, labelled: np.ndarray, evaluation: np.ndarray, seed: int,
    schedule: PseudoLabelSchedule | None = None,
) -> Correct:
    """Self-training (Lee 2013) on the tuned probe: confident pool sources join at half weight, both heads."""
    sched = schedule or PseudoLabelSchedule(start=0.99, end=0.95, rounds=3, weight=0.5)
    tuned = TunedProbe(seed=seed).fit(x[labelled], labels[labelled])
    assert tuned.four is not None and tuned.binary is not None
    classes = np.asarray(tuned.classes)
    known = np.isin(pool, labelled)
    index = {c: i for i, c in enumerate(classes.tolist())}
    y4 = np.array([index[v] for v in labels[labelled].tolist()], dtype=np.int64)
    for r in range(sched.rounds):
        pl = select_pseudo_labels(tuned.four.predict_proba(x[pool]), known, sched.threshold(r),
                                  sched.count_cap(r), sched.class_balanced)
        if not len(pl):
            break
        rows = np.r_[labelled, pool[pl.indices]]
        weights = np.r_[np.ones(labelled.size), np.full(len(pl), sched.weight)]
        y_all = np.r_[y4, pl.classes]
        tuned.four.fit(x[rows], y_all, sample_weight=weights)
        tuned.binary.fit(x[rows], np.isin(classes[y_all], CLUSTER_CLASSES).astype(np.int64),
                         sample_weight=weights)
    return correctness(*tuned.predict(x[evaluation]), labels[evaluation])
