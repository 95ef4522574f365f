"""Gaussian-mixture profiles: unit flux, half-light radius 1, faithful curves of growth."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.profiles import POINT, fit_mixture, profile


@pytest.mark.parametrize("name", ["eff", "king", "exp", "dev"])
def test_mixture_has_unit_flux_and_half_light_at_r_eff(name: str) -> None:
    mixture = profile(name)
    assert mixture.weights.sum() == pytest.approx(1.0)
    assert np.all(mixture.weights > 0)
    assert mixture.enclosed(1.0) == pytest.approx(0.5, abs=0.015)
    assert mixture.enclosed(1e3) == pytest.approx(1.0, abs=1e-6)


def test_fit_reproduces_an_exponential_curve_of_growth() -> None:
    # exponential disc with scale length 1: enclosed fraction 1 - (1 + r) exp(-r); r_eff = 1.678 h
    mixture = fit_mixture("test", lambda r: np.exp(-r), 20.0)
    radii_h = np.array([0.3, 1.0, 2.0, 4.0])
    exact = 1.0 - (1.0 + radii_h) * np.exp(-radii_h)
    assert np.allclose(mixture.enclosed(radii_h / 1.678), exact, atol=0.01)


def test_concentrated_profiles_hold_more_light_near_the_centre() -> None:
    assert profile("dev").enclosed(0.2) > profile("exp").enclosed(0.2)
    assert POINT.enclosed(0.01) == pytest.approx(1.0)


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        profile("gauss")
