"""Cosmic rays and hot pixels: sharp, in one band, carrying the flux they report."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.artefacts import add_artefact, cosmic_ray, hot_pixel


def test_cosmic_ray_is_a_track_in_one_band_with_its_flux() -> None:
    stack = np.zeros((5, 64, 64), np.float32)
    ray = cosmic_ray(30.0, 31.0, 2, 64, np.random.default_rng(4))
    add_artefact(stack, ray)
    assert stack[2].sum() == pytest.approx(ray.flux, rel=1e-5)
    assert stack[[0, 1, 3, 4]].sum() == 0
    lit = np.argwhere(stack[2] > 0)
    assert np.abs(lit.mean(axis=0) - [31.0, 30.0]).max() < 1.0


def test_cosmic_ray_at_the_edge_loses_only_what_falls_outside() -> None:
    stack = np.zeros((5, 16, 16), np.float32)
    ray = cosmic_ray(0.0, 0.0, 0, 16, np.random.default_rng(5))
    add_artefact(stack, ray)
    assert 0 < stack[0].sum() <= ray.flux


def test_hot_pixel_is_one_pixel() -> None:
    stack = np.zeros((5, 16, 16), np.float32)
    pixel = hot_pixel(7.4, 3.6, 4, np.random.default_rng(6))
    add_artefact(stack, pixel)
    assert np.count_nonzero(stack) == 1 and stack[4, 4, 7] == pytest.approx(pixel.flux)
