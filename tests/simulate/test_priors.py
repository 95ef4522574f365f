"""The shipped LEGUS priors: well formed, reproducible from the real catalogues, sampled faithfully."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from simulate.derive_priors import VARIABLES, derive_priors
from simulate.errors import PriorsError
from simulate.priors import PRIORS_PATH, load_priors, parse_priors


def test_priors_file_loads_with_every_class_and_variable() -> None:
    priors = load_priors()
    assert sorted(priors.classes) == [1, 2, 3, 4]
    for prior in priors.classes.values():
        assert prior.variables == VARIABLES
        assert np.all(np.diff(prior.quantiles, axis=1) >= 0)  # quantile functions are monotonic
        assert np.allclose(prior.correlation, prior.correlation.T)
        assert np.all(np.linalg.eigvalsh(prior.correlation) > 0)


def test_classes_differ_as_legus_describes_them() -> None:
    priors = load_priors()
    median = {label: dict(zip(VARIABLES, prior.quantiles[:, prior.probabilities.tolist().index(0.5)],
                              strict=True)) for label, prior in priors.classes.items()}
    assert median[3]["U-B"] < median[1]["U-B"]  # associations are younger, bluer than compact clusters
    assert median[4]["CI"] < median[2]["CI"]  # non-clusters (stars) are more concentrated


def test_samples_follow_the_tabulated_quantiles() -> None:
    prior = load_priors().classes[1]
    draws = prior.sample(20000, np.random.default_rng(1))
    for k, name in enumerate(VARIABLES):
        median = prior.quantiles[k, prior.probabilities.tolist().index(0.5)]
        assert np.median(draws[name]) == pytest.approx(median, abs=0.05)
    again = prior.sample(5, np.random.default_rng(1))
    assert np.array_equal(again["CI"], prior.sample(5, np.random.default_rng(1))["CI"])


def test_priors_file_matches_what_derive_priors_computes(shared_data: Path) -> None:
    derived = derive_priors(shared_data / "legus")
    shipped = json.loads(PRIORS_PATH.read_text())
    assert derived["distance_moduli"] == shipped["distance_moduli"]
    for label, entry in derived["classes"].items():
        assert entry["n"] == shipped["classes"][label]["n"]
        for name in VARIABLES:
            assert np.allclose(entry["quantiles"][name], shipped["classes"][label]["quantiles"][name], atol=1e-4)
        assert np.allclose(entry["correlation"], shipped["classes"][label]["correlation"], atol=1e-4)


def test_malformed_priors_are_reported() -> None:
    with pytest.raises(PriorsError, match="lacks the entry"):
        parse_priors({"variables": ["M_V"], "probabilities": [0.5]})
    with pytest.raises(PriorsError, match="is missing"):
        load_priors(Path("/nonexistent/priors.json"))
