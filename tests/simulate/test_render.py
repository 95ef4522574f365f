"""Stamp rendering: flux conservation, centring on the 0-based position, clipping at the image edge."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.profiles import POINT, profile
from simulate.render import Component, add_stamp, component_gaussians, render

FLUX = np.array([10.0, 20.0, 30.0, 40.0, 50.0])


@pytest.mark.parametrize("q", [1.0, 0.4])
def test_rendered_flux_and_centroid(q: float) -> None:
    component = Component(0.0, 0.0, profile("eff"), 1.5, q, 0.7, FLUX)
    x0, y0, stamp = render(20.3, 30.8, component_gaussians(component), 5, np.zeros(5), half=40)
    assert np.allclose(stamp.sum(axis=(1, 2)), FLUX, rtol=0.02)
    yy, xx = np.mgrid[0:stamp.shape[1], 0:stamp.shape[2]]
    v = stamp[3]
    assert (v * xx).sum() / v.sum() + x0 == pytest.approx(20.3, abs=0.02)
    assert (v * yy).sum() / v.sum() + y0 == pytest.approx(30.8, abs=0.02)


def test_floor_drops_invisible_light_and_bounds_the_stamp() -> None:
    faint = component_gaussians(Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, FLUX * 1e-6))
    assert render(5.0, 5.0, faint, 5, np.full(5, 1e-3)) is None
    bright = render(5.0, 5.0, component_gaussians(Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, FLUX)), 5,
                    np.full(5, 1e-3))
    assert bright is not None and bright[2].shape[1] < 120


def test_spikes_lie_on_the_diagonals() -> None:
    star = Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, FLUX * 1e4, spikes=True)
    _, _, stamp = render(0.0, 0.0, component_gaussians(star), 5, np.zeros(5), half=40)
    v, c = stamp[3], 40
    assert v[c + 25, c + 25] > 3 * v[c, c + 35]  # on the 45 degree spike versus off it, same radius


def test_add_stamp_clips_at_the_edges() -> None:
    stack = np.zeros((5, 10, 10), dtype=np.float32)
    add_stamp(stack, -2, 7, np.ones((5, 5, 5)))
    assert stack.sum() == pytest.approx(5 * 3 * 3)
    add_stamp(stack, 20, 20, np.ones((5, 5, 5)))  # entirely outside: nothing
    assert stack.sum() == pytest.approx(45)
