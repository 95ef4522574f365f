"""Detector noise: blank sky averages zero with the expected scatter; sources keep their mean."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.bands import BANDS
from simulate.noise import observe, pixel_noise


@pytest.mark.parametrize("band", [BANDS[0], BANDS[3]], ids=lambda b: b.name)
def test_blank_sky_is_zero_mean_with_the_predicted_noise(band) -> None:
    image = observe(np.zeros((300, 300), np.float32), band, np.random.default_rng(0))
    assert image.dtype == np.float32
    assert abs(image.mean()) < 3 * pixel_noise(band) / 300
    assert image.std() == pytest.approx(pixel_noise(band), rel=0.03)


def test_signal_is_preserved_and_adds_poisson_noise() -> None:
    band = BANDS[3]
    image = observe(np.full((300, 300), 2.0, np.float32), band, np.random.default_rng(1))
    assert image.mean() == pytest.approx(2.0, rel=0.005)
    expected = np.sqrt(pixel_noise(band) ** 2 + 2.0 / band.exptime)
    assert image.std() == pytest.approx(expected, rel=0.03)
