"""Diffuse galaxy light: positive, redder in the bulge, dust lanes darkest in the UV; placement maps."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulate.galaxy import GalaxyGeometry, diffuse_light, placement_density, sample_positions


@pytest.fixture(scope="module")
def field() -> tuple[GalaxyGeometry, np.ndarray]:
    geometry = GalaxyGeometry.for_field(512, 30.0)  # far away, so 512 px show the arms (7.4 kpc)
    return geometry, diffuse_light(geometry, np.random.default_rng(3))


def test_diffuse_light_is_positive_float32_and_peaks_at_the_centre(field) -> None:
    geometry, stack = field
    assert stack.dtype == np.float32 and stack.shape == (5, 512, 512) and np.all(stack > 0)
    y, x = np.unravel_index(np.argmax(stack[3]), stack[3].shape)
    assert abs(x - geometry.centre_x) <= 2 and abs(y - geometry.centre_y) <= 2


def test_dust_lanes_dim_the_uv_most(field) -> None:
    geometry, stack = field
    clear = diffuse_light(replace(geometry, tau_lane=0.0, tau_disc=0.0), np.random.default_rng(3))
    yy, xx = np.mgrid[0:512, 0:512].astype(np.float32)
    lane = geometry.components(xx, yy)["tau_v"] > 0.6
    assert lane.sum() > 100
    extinction = -2.5 * np.log10(np.median(stack[:, lane] / clear[:, lane], axis=1))
    assert np.all(np.diff(extinction) < 0)  # F275W > F336W > F435W > F555W > F814W
    assert extinction[0] / extinction[3] == pytest.approx(2.027 / 1.029, rel=0.02)  # Cardelli et al. (1989)


def test_sources_are_placed_along_the_arms() -> None:
    geometry = GalaxyGeometry.for_field(4096, 8.0)
    density = placement_density(geometry, np.random.default_rng(0))
    assert density["young"].sum() == pytest.approx(1.0) and density["old"].sum() == pytest.approx(1.0)
    xy = sample_positions(density["young"], 2000, 4096, np.random.default_rng(1))
    assert xy.min() >= 0 and xy.max() <= 4095
    arms = geometry.components(xy[:, 0], xy[:, 1])["arms"]
    low = (np.arange(density["young"].shape[0]) + 0.5) * 4096 / density["young"].shape[0]
    grid_x, grid_y = np.meshgrid(low, low)
    everywhere = geometry.components(grid_x, grid_y)["arms"]
    assert np.median(arms) > 3 * np.median(everywhere)
