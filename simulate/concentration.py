"""Choosing source sizes so that the simulated concentration index matches LEGUS.

LEGUS separates stars from clusters by the V-band concentration index, CI = m(1 px) - m(3 px), so the simulator
draws each source's CI from the LEGUS distribution of its class and picks the profile size that gives it. For a
profile family and axis ratio, the fractions e1(r_eff), e3(r_eff) of a unit-flux source that fall in the 1 px and
3 px apertures are tabulated once by rendering the source in the V band and measuring it exactly as
:func:`simulate.photometry.concentration_index` does (averaged over sub-pixel positions). Light from a
source's other components (an association's secondary peaks, an asymmetric cluster's lump) adds fixed amounts
c1, c3 to the apertures, so CI(r) = -2.5 log10((f e1(r) + c1) / (f e3(r) + c3)) is solved on the size grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from simulate.bands import BAND_NAMES, V_INDEX
from simulate.photometry import CI_INNER_RADIUS, CI_OUTER_RADIUS, circle_flux
from simulate.profiles import POINT, profile
from simulate.render import Component, component_gaussians, render_window

SIZE_GRID = np.geomspace(0.03, 40.0, 32)
"""Half-light radii (px) tabulated; beyond 40 px the CI no longer changes within the noise."""
OFFSETS = ((0.0, 0.0), (0.25, 0.125), (0.5, 0.375))
"""Sub-pixel positions averaged over: sources fall anywhere in their pixel."""
_HALF = 5


@dataclass(frozen=True)
class ApertureTable:
    """Fractions of a unit-flux V-band source in the CI apertures, per size in :data:`SIZE_GRID`."""

    e1: np.ndarray
    e3: np.ndarray

    @property
    def ci(self) -> np.ndarray:
        return -2.5 * np.log10(self.e1 / self.e3)


def _fractions(component: Component) -> tuple[float, float]:
    e1 = e3 = 0.0
    for ox, oy in OFFSETS:
        x, y = 10.0 + ox, 10.0 + oy
        x0, y0, stamp = render_window(x, y, component_gaussians(component), len(BAND_NAMES), _HALF)
        e1 += circle_flux(stamp[V_INDEX], [x - x0], [y - y0], CI_INNER_RADIUS)[0]
        e3 += circle_flux(stamp[V_INDEX], [x - x0], [y - y0], CI_OUTER_RADIUS)[0]
    return e1 / len(OFFSETS), e3 / len(OFFSETS)


def _unit_flux() -> np.ndarray:
    flux = np.zeros(len(BAND_NAMES))
    flux[V_INDEX] = 1.0
    return flux


@cache
def aperture_table(family: str, q: float = 1.0) -> ApertureTable:
    """e1, e3 over :data:`SIZE_GRID` for a profile family (see :func:`profile`) at axis ratio ``q``."""
    mixture = profile(family)
    pairs = [_fractions(Component(0.0, 0.0, mixture, float(r), q, 0.3, _unit_flux())) for r in SIZE_GRID]
    return ApertureTable(np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))


@cache
def point_fractions() -> tuple[float, float]:
    """e1, e3 of a star (the V-band PSF alone, with the diffraction spikes every simulated star has)."""
    return _fractions(Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, _unit_flux(), spikes=True))


def star_ci() -> float:
    """Concentration index of a star in the simulated V band (~1.25, the LEGUS stellar locus)."""
    e1, e3 = point_fractions()
    return float(-2.5 * np.log10(e1 / e3))


def solve_sizes(table: ApertureTable, flux: np.ndarray, target_ci: np.ndarray,
                c1: np.ndarray | None = None, c3: np.ndarray | None = None) -> np.ndarray:
    """Half-light radius (px) per source giving ``target_ci`` for a main component of V flux ``flux`` plus
    fixed aperture contributions ``c1``, ``c3`` from its other components; clipped to the grid's ends."""
    flux = np.asarray(flux, dtype=float)
    c1 = np.zeros_like(flux) if c1 is None else np.asarray(c1, dtype=float)
    c3 = np.zeros_like(flux) if c3 is None else np.asarray(c3, dtype=float)
    inner = flux[:, None] * table.e1[None, :] + c1[:, None]
    outer = flux[:, None] * table.e3[None, :] + c3[:, None]
    # surroundings measured on background-subtracted data can be negative: keep the ratio defined
    inner = np.maximum(inner, 1e-6 * np.maximum(flux, 1e-30)[:, None])
    outer = np.maximum(outer, inner)
    ci = np.maximum.accumulate(-2.5 * np.log10(inner / outer), axis=1)
    log_sizes = np.log(SIZE_GRID)
    sizes = np.empty(flux.size)
    for index in range(flux.size):
        curve = ci[index] + np.arange(SIZE_GRID.size) * 1e-9  # strictly increasing for interp
        sizes[index] = np.exp(np.interp(target_ci[index], curve, log_sizes))
    return sizes
