"""Synthetic annotators: k people voting on the simulated galaxy's sources with calibrated confusions.

Used by the tests, ``skylabel simulate-annotators`` (votes into a round, for the demo) and ``skylabel bench
consensus`` (majority vote vs Dawid-Skene vs adjudication against the simulator's truth).

The model. Annotator ``j`` gives a source of true class ``t`` the class ``t`` with probability ``a_j``; an error
goes to the other class of the same binary group (LEGUS: 1,2 cluster / 3,4 non-cluster) with probability
``beta`` and to each class of the other group with ``(1 - beta) / 2``. The ``a_j`` are spread evenly over
``a - spread .. a + spread`` (people differ), and ``(a, beta)`` are solved so that the *expected* human-to-mode
agreement of the panel (Perez et al. section 4: the fraction of votes equal to their source's mode) is LEGUS's:
75.0% four-class and 87.2% binary. The expectation is exact (every combination of k votes is enumerated,
``4**k`` per class), so calibration has no sampling noise.

Classes are 0-based indices here (LEGUS class ``c`` is index ``c - 1``). Public API:

- :func:`calibrate` -> :class:`Panel` (the confusion matrices and what they were calibrated to);
- :func:`expected_agreement` (four-class and binary) of any set of confusion matrices;
- :func:`simulate_votes`: ``(source, annotator, class)`` triples, each source voted by ``per_source``
  annotators chosen in balance (all ``k`` by default).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

LEGUS_AGREEMENT = {"4class": 0.750, "binary": 0.872}  # Perez et al. section 4, over LEGUS
LEGUS_BINARY = (0, 0, 1, 1)  # class index -> binary index: 1,2 cluster; 3,4 non-cluster
MAX_BETA = 0.95  # errors mostly, never only, within the binary group


@dataclass(frozen=True)
class Panel:
    """k synthetic annotators: ``confusion[j, true, given]``, rows summing to 1."""

    confusion: np.ndarray
    accuracy: np.ndarray  # a_j, the diagonal
    beta: float
    class_prior: np.ndarray
    target: dict[str, float]

    @property
    def k(self) -> int:
        return int(self.confusion.shape[0])

    def expected(self) -> dict[str, float]:
        return expected_agreement(self.confusion, self.class_prior)


def confusion_for(accuracy: float, beta: float, binary: Sequence[int] = LEGUS_BINARY) -> np.ndarray:
    """One annotator's ``(K, K)`` matrix from its accuracy and within-group error share."""
    groups = np.asarray(binary)
    k = groups.size
    out = np.zeros((k, k))
    for t in range(k):
        same = [c for c in range(k) if c != t and groups[c] == groups[t]]
        other = [c for c in range(k) if groups[c] != groups[t]]
        out[t, t] = accuracy
        for c in same:
            out[t, c] = (1 - accuracy) * beta / len(same)
        for c in other:
            out[t, c] = (1 - accuracy) * (1 - beta if same else 1.0) / len(other)
    return out


def expected_agreement(confusion: np.ndarray, class_prior: Sequence[float] | np.ndarray,
                       binary: Sequence[int] = LEGUS_BINARY) -> dict[str, float]:
    """Exact expected human-to-mode agreement (four-class and binary) of annotators voting on every source."""
    confusion = np.asarray(confusion, dtype=np.float64)
    prior = np.asarray(class_prior, dtype=np.float64)
    n_raters, n_classes, _ = confusion.shape
    groups = np.asarray(binary)
    n_groups = int(groups.max()) + 1
    combos = np.array(list(itertools.product(range(n_classes), repeat=n_raters)))  # (K^k, k)
    prob = np.ones((n_classes, combos.shape[0]))
    for j in range(n_raters):
        prob *= confusion[j][:, combos[:, j]]
    top4 = np.stack([(combos == c).sum(axis=1) for c in range(n_classes)]).max(axis=0)
    mapped = groups[combos]
    top2 = np.stack([(mapped == g).sum(axis=1) for g in range(n_groups)]).max(axis=0)
    weight = prior @ prob  # probability of each combination over the class prior
    return {"4class": float(weight @ top4) / n_raters, "binary": float(weight @ top2) / n_raters}


def calibrate(class_prior: Sequence[float] | np.ndarray, k: int = 3, target: dict[str, float] | None = None,
              spread: float = 0.1, binary: Sequence[int] = LEGUS_BINARY) -> Panel:
    """The panel of ``k`` whose expected agreement equals ``target`` (LEGUS's by default).

    Raises ``ValueError`` when no ``(a, beta)`` reaches the target (e.g. a binary target below what the
    four-class one implies); ``spread`` 0 gives k identical annotators.
    """
    target = dict(target or LEGUS_AGREEMENT)
    prior = np.asarray(class_prior, dtype=np.float64)
    prior = prior / prior.sum()
    n_classes = len(binary)
    offsets = np.linspace(-spread, spread, k) if k > 1 else np.zeros(1)

    def panel(a: float, beta: float) -> np.ndarray:
        acc = np.clip(a + offsets, 1.0 / n_classes, 0.999)
        return np.stack([confusion_for(float(x), beta, binary) for x in acc])

    def accuracy_for(beta: float) -> float:
        f = lambda a: expected_agreement(panel(a, beta), prior, binary)["4class"] - target["4class"]  # noqa: E731
        lo, hi = 0.5, 0.999 - spread  # below 1/2 a concentrated error can out-vote the truth
        if f(lo) * f(hi) > 0:
            raise ValueError(f"no accuracy reaches four-class agreement {target['4class']:.3f} with k={k}, "
                             f"spread={spread}")
        return float(brentq(f, lo, hi, xtol=1e-10))

    def binary_gap(beta: float) -> float:
        return expected_agreement(panel(accuracy_for(beta), beta), prior, binary)["binary"] - target["binary"]

    if binary_gap(0.0) * binary_gap(MAX_BETA) > 0:
        raise ValueError(f"no error split reaches binary agreement {target['binary']:.3f} together with "
                         f"four-class {target['4class']:.3f} (k={k})")
    beta = float(brentq(binary_gap, 0.0, MAX_BETA, xtol=1e-10))
    a = accuracy_for(beta)
    confusion = panel(a, beta)
    return Panel(confusion, np.diagonal(confusion, axis1=1, axis2=2).mean(axis=1), beta, prior, target)


def simulate_votes(truth: Sequence[int] | np.ndarray, confusion: np.ndarray, rng: np.random.Generator,
                   per_source: int | None = None) -> list[tuple[int, int, int]]:
    """``(source index, annotator, class)``: each source voted by ``per_source`` annotators (all by default),
    chosen so every annotator gets the same number of sources to within one (balanced, as a round assigns)."""
    truth = np.asarray(truth, dtype=np.int64)
    confusion = np.asarray(confusion)
    n_raters = confusion.shape[0]
    per = n_raters if per_source is None else per_source
    if not 1 <= per <= n_raters:
        raise ValueError(f"per_source must be 1..{n_raters}, not {per}")
    load = np.zeros(n_raters)
    out: list[tuple[int, int, int]] = []
    cumulative = confusion.cumsum(axis=2)
    for source, t in enumerate(truth):
        chosen = np.lexsort((np.asarray(rng.random(n_raters)), load))[:per]
        load[chosen] += 1
        for j in chosen:
            given = int(np.searchsorted(cumulative[j, t], rng.random() * cumulative[j, t, -1], side="right"))
            out.append((source, int(j), min(given, confusion.shape[1] - 1)))
    return out


def galaxy_truth(size: int = 4096, seed: int = 0, distance_mpc: float = 8.0) -> tuple[np.ndarray, np.ndarray]:
    """``(class 1..4, V magnitude)`` of every object ``simulate(size=..., seed=...)`` catalogues, artefacts as
    class 4, without rendering the images (the same catalogue draws: a second or two instead of minutes)."""
    from simulate.bands import BANDS, V_INDEX
    from simulate.catalogue import build_catalogue, default_source_count
    from simulate.galaxy import GalaxyGeometry, placement_density
    from simulate.priors import load_priors

    catalogue_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[0])
    geometry = GalaxyGeometry.for_field(size, distance_mpc)
    density = placement_density(geometry, catalogue_rng)
    catalogue = build_catalogue(geometry, density, load_priors(), distance_mpc, default_source_count(size),
                                catalogue_rng)
    classes = np.array([s.label for s in catalogue.sources] + [4] * len(catalogue.artefacts), dtype=np.int64)
    v = BANDS[V_INDEX]
    mags = np.array([float(v.magnitude(s.fluxes[V_INDEX])) for s in catalogue.sources]
                    + [float("nan")] * len(catalogue.artefacts))
    return classes, mags
