"""Derive the per-class magnitude, colour and CI priors of the simulator from the real LEGUS catalogues.

Run once by a developer (``python -m simulate.derive_priors ../shared/data/legus``); the result,
``legus_priors.json`` next to this file, is what the simulator reads, so it needs no LEGUS file at run time.

For every human visual class (1-4, the mode of the votes; 0 = never inspected is left out) the six variables of
:data:`VARIABLES` - absolute V magnitude (field distance from :func:`simulate.legus.distance_moduli`), the
colours NUV-U, U-B, B-V, V-I and the V-band concentration index - are summarised as a Gaussian copula: the
marginal quantiles at :data:`PROBABILITIES` and the correlation matrix of the normal scores (pairwise over the
rows where both values exist, since undetected bands are missing, not faint). LEGUS magnitudes are observed ones,
so each cluster's own extinction is part of its colours. The table also carries LEGUS's crowding by class
(:func:`crowding_rates`), which the simulator's placement reproduces.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import ndtri
from scipy.stats import rankdata

from simulate.legus import LegusField, distance_moduli, read_fields
from simulate.neighbours import FLUX_RATIO, RADII, legus_crowding
from simulate.priors import PRIORS_PATH

VARIABLES: tuple[str, ...] = ("M_V", "NUV-U", "U-B", "B-V", "V-I", "CI")
PROBABILITIES: tuple[float, ...] = (0.001, 0.01, 0.025) + tuple(round(0.05 * i, 2) for i in range(1, 20)) + (
    0.975, 0.99, 0.999)
CLASSES: tuple[int, ...] = (1, 2, 3, 4)


def class_variables(field: LegusField, distance_modulus: float) -> np.ndarray:
    """(n, 6) array of :data:`VARIABLES` for every source of a field; NaN where a band is missing."""
    nuv, u, b, v, i = field.mags.T
    return np.stack([v - distance_modulus, nuv - u, u - b, b - v, v - i, field.ci], axis=1)


def legus_samples(fields: list[LegusField], moduli: dict[str, float]) -> dict[int, np.ndarray]:
    """All human-classified LEGUS sources, pooled over fields, as (n, 6) arrays per visual class."""
    rows: dict[int, list[np.ndarray]] = {label: [] for label in CLASSES}
    for field in fields:
        values = class_variables(field, moduli[field.name])
        for label in CLASSES:
            rows[label].append(values[field.visual_class == label])
    return {label: np.concatenate(parts) for label, parts in rows.items()}


def normal_scores(values: np.ndarray) -> np.ndarray:
    """Gaussian-copula scores of one column: Phi^-1 of the mid-rank, NaN kept."""
    scores = np.full(values.shape, np.nan)
    present = np.isfinite(values)
    scores[present] = ndtri((rankdata(values[present]) - 0.5) / present.sum())
    return scores


def copula_correlation(sample: np.ndarray) -> np.ndarray:
    """Pairwise correlation of normal scores, made positive definite (eigenvalues >= 1e-3)."""
    scores = np.stack([normal_scores(column) for column in sample.T], axis=1)
    n = sample.shape[1]
    corr = np.eye(n)
    for a in range(n):
        for b in range(a + 1, n):
            both = np.isfinite(scores[:, a]) & np.isfinite(scores[:, b])
            if both.sum() >= 10:
                corr[a, b] = corr[b, a] = np.corrcoef(scores[both, a], scores[both, b])[0, 1]
    eigval, eigvec = np.linalg.eigh(corr)
    corr = (eigvec * np.maximum(eigval, 1e-3)) @ eigvec.T
    scale = np.sqrt(np.diag(corr))
    return corr / np.outer(scale, scale)


def summarise_class(sample: np.ndarray) -> dict[str, Any]:
    """Quantiles, detected fraction and copula correlation of one class's (n, 6) sample."""
    quantiles = {}
    detected = {}
    for name, column in zip(VARIABLES, sample.T, strict=True):
        present = column[np.isfinite(column)]
        quantiles[name] = [round(float(q), 4) for q in np.quantile(present, PROBABILITIES)]
        detected[name] = round(float(present.size / column.size), 4)
    correlation = copula_correlation(sample)
    return {
        "n": int(sample.shape[0]),
        "detected_fraction": detected,
        "quantiles": quantiles,
        "correlation": [[round(float(x), 4) for x in row] for row in correlation],
    }


def derive_priors(legus_dir: Path) -> dict[str, Any]:
    """The priors table (JSON-ready dict) computed from the LEGUS catalogues in ``legus_dir``."""
    fields = read_fields(Path(legus_dir))
    moduli = distance_moduli(fields)
    samples = legus_samples(fields, moduli)
    return {
        "description": "Per-class priors for the skylabel galaxy simulator, derived from the LEGUS cluster "
                       "catalogues (Calzetti et al. 2015, Adamo et al. 2017) by tiles/simulate/derive_priors.py. "
                       "Gaussian copula: marginal quantiles at 'probabilities' and the correlation of normal "
                       "scores. M_V is absolute (observed V minus the field distance modulus); colours are "
                       "observed Vega colours; CI = m_V(1 px) - m_V(3 px).",
        "variables": list(VARIABLES),
        "probabilities": list(PROBABILITIES),
        "fields": len(fields),
        "distance_moduli": moduli,
        "classes": {str(label): summarise_class(samples[label]) for label in CLASSES},
        "crowding": crowding_rates(fields),
    }


def crowding_rates(fields: list[LegusField]) -> dict[str, Any]:
    """LEGUS's pooled crowding by class (fraction of labelled sources with a catalogued neighbour of at least
    0.3x their V flux within 5 and 10 px, :func:`simulate.neighbours.legus_crowding`): what the simulator's
    placement reproduces (:mod:`simulate.placement`)."""
    real = legus_crowding(fields)
    return {"radii_px": list(RADII), "flux_ratio": FLUX_RATIO,
            "fractions": {str(c): real["pooled"][c] for c in CLASSES}}


def write_priors(priors: dict[str, Any], path: Path = PRIORS_PATH) -> Path:
    """Write the priors table as indented JSON (small and diff-friendly)."""
    path.write_text(json.dumps(priors, indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("legus_dir", type=Path, help="folder holding the hlsp_legus_*_multiband_*.tab files")
    parser.add_argument("--out", type=Path, default=PRIORS_PATH, help="where to write the JSON priors")
    args = parser.parse_args(argv)
    print(write_priors(derive_priors(args.legus_dir), args.out))


if __name__ == "__main__":
    main()
