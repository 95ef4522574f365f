"""Band normalisation: robust noise sigma, noise units, asinh stretch, plain-data round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from astropy.io import fits

from models.errors import ConfigError
from models.normalise import PEAK_RANGE, BandNormalisation, asinh_stretch, peak_softening, stretch_input
from tests.conftest import shared_file


def test_sigma_of_noise_with_bright_sources_is_the_noise() -> None:
    rng = np.random.default_rng(0)
    image = rng.normal(10.0, 2.0, (300, 300))
    image[rng.integers(0, 300, 500), rng.integers(0, 300, 500)] += 1e5  # stars do not inflate sigma
    norm = BandNormalisation.fit([image])
    assert norm.background[0] == pytest.approx(10.0, abs=0.05)
    assert norm.sigma[0] == pytest.approx(2.0, rel=0.03)


def test_real_sdss_bands_in_noise_units_and_json_round_trip() -> None:
    bands = [fits.getdata(shared_file(f"images/sdss_gri/reprojected_sdss_{b}.fits")) for b in "gri"]
    norm = BandNormalisation.fit(bands, band_names=["g", "r", "i"])
    assert all(s > 0 for s in norm.sigma)
    stack = np.stack(bands)[None, :, 100:132, 100:132]
    units = norm.to_noise_units(stack)
    assert units.dtype == np.float32 and np.isfinite(units).all()
    back = BandNormalisation.from_dict(json.loads(json.dumps(norm.to_dict())))
    assert back == norm


def test_constant_band_cannot_be_normalised() -> None:
    with pytest.raises(ConfigError, match="zero or undefined noise"):
        BandNormalisation.fit([np.ones((50, 50))], band_names=["F814W"])


def test_wrong_band_count_is_refused() -> None:
    norm = BandNormalisation((0.0, 0.0), (1.0, 1.0))
    with pytest.raises(ConfigError, match="fitted on 2 bands"):
        norm.to_noise_units(np.zeros((1, 3, 4, 4)))


def test_asinh_stretch_is_linear_in_the_noise_and_logarithmic_when_bright() -> None:
    x = torch.tensor([-1e6, -0.01, 0.0, 0.01, 1e6])
    y = asinh_stretch(x)
    assert torch.allclose(y[1:4], x[1:4], atol=1e-5)
    assert y[4] == pytest.approx(np.log(2e6), rel=1e-4) and y[0] == -y[4]


def test_peak_reference_removes_a_bright_sources_brightness_and_keeps_its_shape_and_colours() -> None:
    axis = torch.arange(16) - 8.0
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    profile = torch.exp(-(xx**2 + yy**2) / (2 * 1.5**2))
    bright = (1e4 * torch.tensor([1.0, 2.0, 4.0])[:, None, None] * profile)[None]
    a, b = stretch_input(bright, reference="peak"), stretch_input(10 * bright, reference="peak")
    assert torch.allclose(a, b, atol=1e-5)  # x10 in flux: the same image
    plain = stretch_input(10 * bright) - stretch_input(bright)
    assert plain[..., 8, 8].mean() == pytest.approx(np.log(10.0), abs=1e-3)  # one softening: a log(10) offset
    level = bright[0, :, 8, 8].mean()
    assert peak_softening(bright).item() == pytest.approx(float(level) / PEAK_RANGE)
    assert torch.allclose(a, asinh_stretch(bright, float(level) / PEAK_RANGE))  # band ratios: one softening
    faint = (20.0 * profile)[None, None].repeat(1, 3, 1, 1)  # below PEAK_RANGE sigma: the global stretch
    assert torch.equal(stretch_input(faint, reference="peak"), asinh_stretch(faint))
    with pytest.raises(ConfigError, match="reference 'centre' unknown"):
        stretch_input(bright, reference="centre")
    # a lower peak_range stretches the fainter source to its own peak as well
    assert torch.allclose(stretch_input(faint, reference="peak", peak_range=1.0),
                          stretch_input(10 * faint, reference="peak", peak_range=1.0), atol=1e-5)
    assert peak_softening(faint, peak_range=10.0).item() == pytest.approx(2.0, rel=1e-3)
