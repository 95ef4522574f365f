"""Sizes chosen from the CI: rendering a source at the solved size gives back the drawn CI."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.bands import V_INDEX
from simulate.concentration import aperture_table, solve_sizes
from simulate.photometry import circle_flux, concentration_index
from simulate.profiles import POINT, profile
from simulate.render import Component, component_gaussians, merge, render


def _measured_ci(components: list[Component], x: float = 30.2, y: float = 29.7) -> float:
    parts = [component_gaussians(c) for c in components]
    x0, y0, stamp = render(x, y, merge(parts), 5, np.zeros(5), half=25)
    return float(concentration_index(stamp[V_INDEX], [x - x0], [y - y0])[0])


@pytest.mark.parametrize(("family", "q"), [("eff", 1.0), ("eff", 0.5), ("king", 1.0), ("dev", 1.0)])
def test_solved_size_reproduces_the_target_ci(family: str, q: float) -> None:
    targets = np.array([1.35, 1.6, 1.9])
    sizes = solve_sizes(aperture_table(family, q), np.ones(3), targets)
    assert np.all(np.diff(sizes) > 0)
    flux = np.full(5, 5.0)
    for size, target in zip(sizes, targets, strict=True):
        assert _measured_ci([Component(0, 0, profile(family), size, q, 0.3, flux)]) == pytest.approx(target, abs=0.03)


def test_companion_light_is_accounted_for() -> None:
    flux = np.full(5, 5.0)
    companion = Component(2.5, 0.0, POINT, 0.0, 1.0, 0.0, flux * 0.4)
    x0, y0, stamp = render(30.2, 29.7, component_gaussians(companion), 5, np.zeros(5), half=25)
    c1 = circle_flux(stamp[V_INDEX], [30.2 - x0], [29.7 - y0], 1.0)[0]
    c3 = circle_flux(stamp[V_INDEX], [30.2 - x0], [29.7 - y0], 3.0)[0]
    size = solve_sizes(aperture_table("eff"), flux[V_INDEX:V_INDEX + 1], np.array([1.8]), np.array([c1]),
                       np.array([c3]))[0]
    main = Component(0.0, 0.0, profile("eff"), size, 1.0, 0.0, flux)
    assert _measured_ci([main, companion]) == pytest.approx(1.8, abs=0.03)
    alone = solve_sizes(aperture_table("eff"), np.ones(1), np.array([1.8]))[0]
    assert size < alone  # the companion already broadens the light, so the cluster itself is smaller
