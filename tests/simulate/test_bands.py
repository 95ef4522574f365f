"""Photometric calibration of the simulated bands: zeropoints, PHOTFLAM/PHOTPLAM consistency, distances."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulate.bands import BANDS, distance_modulus, parsec_per_pixel


@pytest.mark.parametrize("band", BANDS, ids=lambda b: b.name)
def test_photflam_photplam_reproduce_the_ab_zeropoint(band) -> None:
    ab = -2.5 * math.log10(band.photflam) - 21.10 - 5.0 * math.log10(band.photplam) + 18.6921
    assert ab == pytest.approx(band.ab_zp, abs=1e-6)


@pytest.mark.parametrize("band", BANDS, ids=lambda b: b.name)
def test_rate_and_magnitude_are_inverse_and_zeropoint_gives_one_electron(band) -> None:
    assert band.rate(band.vega_zp) == pytest.approx(1.0)
    mags = np.array([18.0, 22.5, 26.0])
    assert np.allclose(band.magnitude(band.rate(mags)), mags)
    assert np.isnan(band.magnitude(0.0)) and band.rate(np.nan) == 0.0


def test_pivot_wavelengths_are_those_of_the_filters() -> None:
    pivots = {band.name: band.photplam for band in BANDS}
    assert pivots["F275W"] == pytest.approx(2710, abs=15)
    assert pivots["F336W"] == pytest.approx(3355, abs=15)
    assert list(pivots.values()) == sorted(pivots.values())


def test_extinction_is_stronger_in_the_ultraviolet() -> None:
    ratios = [band.extinction_ratio for band in BANDS]
    assert ratios == sorted(ratios, reverse=True) and ratios[3] == pytest.approx(1.0, abs=0.05)


def test_distance_scale_at_8_mpc() -> None:
    assert distance_modulus(8.0) == pytest.approx(29.515, abs=1e-3)
    assert parsec_per_pixel(8.0) == pytest.approx(1.55, abs=0.01)
