"""The resolved stellar background: many faint stars, below the LEGUS inspection limit, not catalogued.

At 3-18 Mpc HST resolves the brightest individual stars of a galaxy's young and old populations; they give real
images their grainy texture and the crowding that cluster photometry has to live with. These stars are fainter
than anything LEGUS inspected (M_V from -4.5 to -2, a luminosity function rising as 10^(0.35 M_V)), so, like the
catalogues' class 0, they are not in the truth table. Two populations: blue main-sequence stars along the arms
and red giants over the disc. For speed they are drawn with the PSF core sampled at 4 x 4 sub-pixel phases
(9 x 9 px stamps) and added with one scatter-add per band. Positions are 0-based pixels.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from simulate.bands import BAND_NAMES, BANDS, distance_modulus
from simulate.galaxy import GalaxyGeometry, sample_positions
from simulate.profiles import POINT
from simulate.render import Component, component_gaussians, render_window

STARS_PER_SOURCE = 8
PHASES = 4
HALF = 4
BLUE_COLOURS = np.array([-0.3 - 0.8, -0.8, 0.0, 0.0, 0.0])
RED_COLOURS = np.array([1.5 + 0.8 + 1.2, 0.8 + 1.2, 1.2, 0.0, -1.4])
"""Magnitude minus V per band (F275W..F814W) of the blue and red populations."""


@cache
def phase_stamps() -> np.ndarray:
    """(PHASES, PHASES, bands, 2 HALF + 1, 2 HALF + 1) unit-flux PSF stamps at sub-pixel phases (dy, dx)."""
    stamps = np.zeros((PHASES, PHASES, len(BANDS), 2 * HALF + 1, 2 * HALF + 1))
    for iy in range(PHASES):
        for ix in range(PHASES):
            dx, dy = (ix + 0.5) / PHASES - 0.5, (iy + 0.5) / PHASES - 0.5
            gaussians = component_gaussians(Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, np.ones(len(BANDS))))
            stamps[iy, ix] = render_window(dx, dy, gaussians, len(BANDS), HALF)[2]
    return stamps


def add_field_stars(stack: np.ndarray, geometry: GalaxyGeometry, density: dict[str, np.ndarray], n_stars: int,
                    distance_mpc: float, rng: np.random.Generator) -> None:
    """Scatter ``n_stars`` faint stars into the (bands, n, n) stack, following the young and old densities."""
    if n_stars <= 0:
        return
    size = geometry.size
    young = rng.random(n_stars) < 0.6
    xy = np.empty((n_stars, 2))
    xy[young] = sample_positions(density["young"], int(young.sum()), size, rng)
    xy[~young] = sample_positions(density["old"], int((~young).sum()), size, rng)
    # luminosity function dN/dM ~ 10^(0.35 M) between -4.5 and -2: inverse-CDF sampling
    lo, hi = 10 ** (0.35 * -4.5), 10 ** (0.35 * -2.0)
    m_v = np.log10(lo + rng.random(n_stars) * (hi - lo)) / 0.35 + distance_modulus(distance_mpc)
    colours = np.where(young[:, None], BLUE_COLOURS, RED_COLOURS) + rng.normal(0.0, 0.15, (n_stars, len(BANDS)))
    colours[:, BAND_NAMES.index("F555W")] = 0.0
    ix, iy = np.rint(xy[:, 0]).astype(int), np.rint(xy[:, 1]).astype(int)
    px = np.clip(((xy[:, 0] - ix + 0.5) * PHASES).astype(int), 0, PHASES - 1)
    py = np.clip(((xy[:, 1] - iy + 0.5) * PHASES).astype(int), 0, PHASES - 1)
    offsets = np.arange(-HALF, HALF + 1)
    rows, cols = np.broadcast_arrays(iy[:, None, None] + offsets[None, :, None],
                                     ix[:, None, None] + offsets[None, None, :])
    inside = (rows >= 0) & (rows < size) & (cols >= 0) & (cols < size)
    flat = (rows * size + cols)[inside]
    stamps = phase_stamps()
    for index, band in enumerate(BANDS):
        flux = band.rate(m_v + colours[:, index])
        weights = (stamps[py, px, index] * flux[:, None, None])[inside]
        stack[index].reshape(-1)[:] += np.bincount(flat, weights, minlength=size * size).astype(np.float32)
