"""Band PSFs: normalised, band-dependent, stellar CI where the LEGUS stellar locus is."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.bands import BAND_NAMES
from simulate.concentration import star_ci
from simulate.psf import band_psf, coarse_psf, psf_image


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
