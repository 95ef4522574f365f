"""The LEGUS per-class priors (``legus_priors.json``) and sampling from them.

The table is written by :mod:`simulate.derive_priors`; here it is only read, so the simulator needs no
LEGUS catalogue at run time. Sampling follows the Gaussian copula the table describes: correlated standard
normals, mapped to uniforms and then through each variable's quantile function (linear between the tabulated
quantiles, clamped at the 0.1 and 99.9 per cent points).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from simulate.errors import PriorsError

PRIORS_PATH = Path(__file__).with_name("legus_priors.json")


@dataclass(frozen=True)
class ClassPrior:
    """One visual class: quantiles (variables x probabilities) and the copula correlation matrix."""

    label: int
    variables: tuple[str, ...]
    probabilities: np.ndarray
    quantiles: np.ndarray
    correlation: np.ndarray

    def sample(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``n`` joint draws of every variable (M_V, colours, CI), as a dict of arrays."""
        chol = np.linalg.cholesky(self.correlation)
        uniforms = ndtr(rng.standard_normal((n, len(self.variables))) @ chol.T)
        return {
            name: np.interp(uniforms[:, k], self.probabilities, self.quantiles[k])
            for k, name in enumerate(self.variables)
        }


@dataclass(frozen=True)
class Priors:
    """All classes of the table, plus the field distance moduli it was derived with (for reference)."""

    classes: dict[int, ClassPrior]
    distance_moduli: dict[str, float]
    crowding: dict[int, tuple[float, float]]
    """Per class, LEGUS's fractions of sources with a >= 0.3x V neighbour within 5 and within 10 px."""


def parse_priors(table: dict) -> Priors:
    """Build :class:`Priors` from the JSON dict, checking its shape."""
    try:
        variables = tuple(table["variables"])
        probabilities = np.asarray(table["probabilities"], dtype=float)
        classes = {}
        for key, entry in table["classes"].items():
            quantiles = np.asarray([entry["quantiles"][name] for name in variables], dtype=float)
            correlation = np.asarray(entry["correlation"], dtype=float)
            if quantiles.shape != (len(variables), probabilities.size):
                raise PriorsError(f"class {key}: quantiles have shape {quantiles.shape}, expected "
                                  f"{(len(variables), probabilities.size)}")
            if correlation.shape != (len(variables),) * 2:
                raise PriorsError(f"class {key}: correlation has shape {correlation.shape}")
            classes[int(key)] = ClassPrior(int(key), variables, probabilities, quantiles, correlation)
        crowding = {int(key): (float(pair[0]), float(pair[1]))
                    for key, pair in table["crowding"]["fractions"].items()}
        if set(crowding) != set(classes) or not all(0.0 <= a <= b <= 1.0 for a, b in crowding.values()):
            raise PriorsError(f"the crowding fractions {crowding} do not cover the classes {sorted(classes)} "
                              "as within-5 <= within-10 px fractions")
        return Priors(classes=classes, distance_moduli=dict(table.get("distance_moduli", {})), crowding=crowding)
    except KeyError as error:
        raise PriorsError(f"the priors table lacks the entry {error}; regenerate it with "
                          "python -m simulate.derive_priors <legus folder>") from error


@lru_cache(maxsize=4)
def load_priors(path: Path = PRIORS_PATH) -> Priors:
    """Read the priors table shipped with the package (or another one written by ``derive_priors``)."""
    if not Path(path).is_file():
        raise PriorsError(f"priors file {path} is missing; regenerate it with "
                          "python -m simulate.derive_priors <legus folder>")
    return parse_priors(json.loads(Path(path).read_text()))
