"""Stretches must reproduce astropy.visualization on the same inputs, keep NaN, and be fast."""

from __future__ import annotations

import time

import numpy as np
import pytest
from astropy.io import fits
from astropy.visualization import (
    AsinhStretch,
    LinearStretch,
    LogStretch,
    ManualInterval,
    SqrtStretch,
    make_lupton_rgb,
)

from tests.conftest import shared_file
from tiles.errors import StretchParameterError
from tiles.stretch import STRETCHES, stretch_channels


@pytest.fixture(scope="module")
def sdss_gri() -> np.ndarray:
    """The SDSS i, r, g field (R, G, B order), float32 (3, 496, 682), nanomaggies."""
    planes = [
        fits.getdata(shared_file(f"images/sdss_gri/reprojected_sdss_{band}.fits")).astype(np.float32) for band in "irg"
    ]
    return np.stack(planes)


def _limits(data: np.ndarray) -> list[tuple[float, float]]:
    return [(float(np.nanpercentile(c, 0.5)), float(np.nanpercentile(c, 99.8))) for c in data]


@pytest.mark.parametrize(
    ("name", "a", "reference"),
    [
        ("linear", None, LinearStretch()),
        ("sqrt", None, SqrtStretch()),
        ("log", None, LogStretch()),
        ("log", 100.0, LogStretch(a=100.0)),
        ("asinh", None, AsinhStretch()),
        ("asinh", 0.02, AsinhStretch(a=0.02)),
    ],
)
def test_single_channel_stretches_match_astropy(sdss_gri: np.ndarray, name: str, a, reference) -> None:
    limits = _limits(sdss_gri)
    ours = stretch_channels(sdss_gri, limits, name, a=a)
    for channel, (lo, hi) in enumerate(limits):
        expected = reference(ManualInterval(lo, hi)(sdss_gri[channel].astype(np.float64)), clip=True)
        np.testing.assert_allclose(ours[channel], expected, atol=2e-6)
    assert ours.dtype == np.float32 and ours.min() >= 0.0 and ours.max() <= 1.0


def test_lupton_matches_make_lupton_rgb_with_the_same_curve(sdss_gri: np.ndarray) -> None:
    """With one linear stretch s for all channels, ours is make_lupton_rgb, F(I) = asinh(Q I/s)/asinh(Q)."""
    q, s = 8.0, 1.5
    lows = [float(np.nanpercentile(c, 1.0)) for c in sdss_gri]
    ours = stretch_channels(sdss_gri, [(lo, lo + s) for lo in lows], "lupton", q=q)
    curve = AsinhStretch(a=1.0 / q) + LinearStretch(slope=1.0 / s)  # astropy's `a + b` applies b first
    expected = make_lupton_rgb(
        *sdss_gri.astype(np.float64),
        interval=[ManualInterval(vmin=lo, vmax=None) for lo in lows],
        stretch_object=curve,
        output_dtype=np.float64,
    )
    np.testing.assert_allclose(np.moveaxis(ours, 0, -1), expected, atol=2e-6)


def test_lupton_is_astropys_luptonasinhstretch_up_to_brightness(sdss_gri: np.ndarray) -> None:
    """Below saturation ours = astropy's make_lupton_rgb(Q, stretch) * asinh(0.1 Q) / (0.1 asinh(Q))."""
    q, s = 8.0, 50.0
    ours = np.moveaxis(stretch_channels(sdss_gri, [(0.0, s)] * 3, "lupton", q=q), 0, -1)
    expected = make_lupton_rgb(*sdss_gri.astype(np.float64), stretch=s, Q=q, output_dtype=np.float64)
    factor = np.arcsinh(0.1 * q) / (0.1 * np.arcsinh(q))
    unsaturated = (ours.max(axis=-1) < 1.0) & (expected.max(axis=-1) * factor < 1.0)
    assert unsaturated.mean() > 0.99
    np.testing.assert_allclose(ours[unsaturated], expected[unsaturated] * factor, atol=2e-6)


def test_lupton_keeps_the_colour_of_saturated_pixels() -> None:
    data = np.array([[[100.0]], [[50.0]], [[10.0]]], dtype=np.float32)  # a very bright orange star
    out = stretch_channels(data, [(0.0, 1.0)] * 3, "lupton")[:, 0, 0]
    assert out[0] == pytest.approx(1.0)
    np.testing.assert_allclose(out / out[0], [1.0, 0.5, 0.1], rtol=1e-6)
    clipped = stretch_channels(data, [(0.0, 1.0)] * 3, "asinh")[:, 0, 0]
    np.testing.assert_allclose(clipped, [1.0, 1.0, 1.0])  # per-channel stretches turn it white


def test_lupton_on_one_channel_is_asinh_with_a_one_over_q() -> None:
    data = np.linspace(-1.0, 3.0, 401, dtype=np.float32).reshape(1, 1, -1)
    np.testing.assert_allclose(
        stretch_channels(data, [(0.0, 2.0)], "lupton", q=5.0),
        stretch_channels(data, [(0.0, 2.0)], "asinh", a=0.2),
        atol=2e-7,
    )


@pytest.mark.parametrize("name", STRETCHES)
def test_nan_stays_nan_and_other_pixels_are_finite(name: str) -> None:
    data = np.full((3, 4, 4), 0.5, dtype=np.float32)
    data[1, 0, 0] = np.nan
    data[:, 3, 3] = np.nan
    out = stretch_channels(data, [(0.0, 1.0)] * 3, name)
    assert np.isnan(out[1, 0, 0]) and np.isnan(out[:, 3, 3]).all()
    assert np.isfinite(out).sum() == 3 * 16 - 1 - 3
    assert out[0, 0, 0] == out[0, 1, 1]  # a missing band does not change the others (Lupton included)


def test_gamma_brightens_the_faint_end() -> None:
    data = np.array([[[0.25]]], dtype=np.float32)
    assert stretch_channels(data, [(0.0, 1.0)], "linear", gamma=2.0)[0, 0, 0] == pytest.approx(0.5)


def test_bad_inputs_raise_actionable_errors() -> None:
    data = np.zeros((3, 2, 2), dtype=np.float32)
    with pytest.raises(StretchParameterError, match="unknown stretch 'gamma'"):
        stretch_channels(data, [(0, 1)] * 3, "gamma")
    with pytest.raises(StretchParameterError, match="3 channel"):
        stretch_channels(data, [(0, 1)], "linear")
    with pytest.raises(StretchParameterError, match="lo < hi"):
        stretch_channels(data, [(1, 1)] * 3, "linear")


@pytest.mark.parametrize("name", STRETCHES)
def test_a_256_pixel_three_channel_tile_takes_under_5_ms(name: str) -> None:
    data = np.random.default_rng(1).lognormal(0.0, 1.0, (3, 256, 256)).astype(np.float32)
    timings = []
    for _ in range(7):
        start = time.perf_counter()
        stretch_channels(data, [(0.1, 10.0)] * 3, name)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.005
