"""Band PSFs: normalised, band-dependent, stellar CI where the LEGUS stellar locus is."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulate.bands import BAND_NAMES, BANDS, V_INDEX
from simulate.concentration import star_ci
from simulate.noise import pixel_noise
from simulate.profiles import POINT
from simulate.psf import band_psf, coarse_psf, psf_image
from simulate.render import Component, component_gaussians, render_window


@pytest.mark.parametrize("band", BAND_NAMES)
def test_psf_is_normalised_with_and_without_spikes(band: str) -> None:
    assert band_psf(band).weights.sum() == pytest.approx(1.0)
    assert band_psf(band, spikes=True).weights.sum() == pytest.approx(1.0)
    assert psf_image(band, half=60).sum() == pytest.approx(1.0, abs=0.01)


def test_cores_differ_between_uv_and_red_bands() -> None:
    peak = {band: psf_image(band).max() for band in BAND_NAMES}
    assert peak["F336W"] > peak["F555W"] > peak["F814W"]


def test_coarse_psf_keeps_flux_and_second_moment() -> None:
    full, coarse = band_psf("F814W"), coarse_psf("F814W")
    assert coarse.weights.sum() == pytest.approx(1.0)
    moment = lambda p: np.einsum("j,jab->ab", p.weights, p.covs)  # noqa: E731
    assert np.allclose(moment(coarse), moment(full))


def test_star_concentration_index_sits_on_the_legus_stellar_locus() -> None:
    # LEGUS catalogues start at CI ~1.2; stars lie at 1.2-1.3 and clusters above
    assert 1.2 < star_ci() < 1.32


def test_unknown_band_is_refused() -> None:
    with pytest.raises(ValueError, match="no PSF for band"):
        band_psf("F606W")


def test_spikes_show_on_a_typical_legus_class_4_star() -> None:
    # V = 22.5 (M_V -7 at 8 Mpc): its spike reaches half the V pixel noise 5 px out and outshines the halo at 16 px
    band = BANDS[V_INDEX]
    flux = np.zeros(len(BANDS))
    flux[V_INDEX] = float(band.rate(22.5))
    stamps = [render_window(30.0, 30.0, component_gaussians(Component(0, 0, POINT, 0, 1, 0, flux, spikes=s)),
                            len(BANDS), 30)[2][V_INDEX] for s in (True, False)]
    spike = stamps[0] - stamps[1]
    step = round(5 / math.sqrt(2))
    assert spike[30 + step, 30 + step] > 0.5 * pixel_noise(band)
    far = round(16 / math.sqrt(2))
    assert spike[30 + far, 30 + far] > stamps[1][30 + far, 30 + far]
    assert spike[30, 30 + 16] < 0.01 * spike[30 + far, 30 + far]  # on the diagonals only
