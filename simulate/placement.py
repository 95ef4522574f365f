"""Where sources go: crowding that depends on the class, as in LEGUS.

In LEGUS a compact symmetric cluster (class 1) is almost always isolated - 1% have a catalogued neighbour of at
least 0.3x their V flux within 5 px, 7% within 10 px - while associations (3) and non-clusters (4: stars in
crowded fields) are crowded (47% and 39% within 10 px); class 2 lies between (5% / 21%). The simulator draws the
same statistic: every catalogued source of class 1-4 gets a *status* with its class's LEGUS probabilities
(:attr:`simulate.priors.Priors.crowding`, derived from the catalogues by :mod:`simulate.derive_priors`):

- ``CLOSE`` (probability p5): placed 2-5 px from an *anchor*, an already placed source at least 0.3x as bright;
- ``NEAR`` (p10 - p5): placed 5-10 px from an anchor, and no such neighbour closer than 5 px;
- ``ISOLATED`` (1 - p10): no neighbour at least 0.3x as bright within 10 px.

Other sources (foreground stars) are ``FREE``: placed first, where their density puts them; the others avoid them
as they avoid each other.
Every placement is checked both ways: the new source's own status, and that of every placed source it would
become a qualifying neighbour of (a bright source next to a faint isolated one makes the faint one crowded; a
faint one next to a bright isolated one does not). A source tries its density's candidate positions (or anchors)
in turn and takes the first that breaks no status; if none does, the one breaking the fewest. Anchors are
preferably sources of the same population (young arm objects anchor young ones, old disc stars old ones), so
associations crowd in star-forming regions and stars in crowded fields.

Fluxes compared are V fluxes in the 4 px photometry aperture of the source alone (:func:`aperture_v_flux`), so
an association's extended diffuse light does not count as if it were in the aperture, and each is raised by the
share of the other's light the catalogue photometry of it picks up (:func:`qualifies`): a faint catalogued source
3 px from a cluster is measured almost as bright as the cluster, as the catalogue would measure it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from functools import cache

import numpy as np

from simulate.bands import BANDS, V_INDEX
from simulate.neighbours import FLUX_RATIO, RADII
from simulate.photometry import PHOT_RADIUS, aperture_photometry, circle_flux
from simulate.profiles import POINT
from simulate.render import Component, component_gaussians, merge, render_window
from simulate.sources import Source, aperture_contributions

FREE, ISOLATED, NEAR, CLOSE = -1, 0, 1, 2
CLOSE_RANGE = (2.0, RADII[0])
"""Anchor distances of CLOSE sources: from 2 px (closer, two sources merge into one detection) to 5 px."""
NEAR_RANGE = (RADII[0], RADII[1])
ANCHOR_TRIES = 40


def aperture_v_flux(source: Source) -> float:
    """V flux (e-/s) of the source alone in the 4 px photometry aperture at its position."""
    only = np.zeros(len(BANDS))
    only[V_INDEX] = 1.0
    parts = [component_gaussians(replace(c, fluxes=c.fluxes * only)) for c in source.components]
    x0, y0, stamp = render_window(source.x, source.y, merge(parts), len(BANDS), int(PHOT_RADIUS) + 2)
    return float(circle_flux(np.ascontiguousarray(stamp[V_INDEX]), [source.x - x0], [source.y - y0],
                             PHOT_RADIUS)[0])


LEAK_STEP = 0.25


@cache
def leak_table() -> np.ndarray:
    """Fraction of a V point source's light that the catalogue photometry (4 px aperture, 7-8 px sky annulus)
    of a position ``d`` px away measures, relative to its own, for d = 0, 0.25, ..., 12 px."""
    half = 24
    only = np.zeros(len(BANDS))
    only[V_INDEX] = 1.0
    star = component_gaussians(Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, only))
    x0, y0, stamp = render_window(float(half), float(half), star, len(BANDS), half)
    v = np.ascontiguousarray(stamp[V_INDEX], dtype=np.float32)
    d = np.arange(0.0, 12.0 + LEAK_STEP / 2, LEAK_STEP)
    flux, _ = aperture_photometry(v, half - x0 + d, np.full(d.size, float(half - y0)))
    return np.asarray(flux / flux[0])


def leak(distance: float) -> float:
    """:func:`leak_table` at ``distance`` px (0 beyond 12 px)."""
    table = leak_table()
    k = distance / LEAK_STEP
    return float(np.interp(k, np.arange(table.size), table, right=0.0))


def qualifies(neighbour_flux: float, own_flux: float, distance: float) -> bool:
    """Whether a neighbour at ``distance`` px is, as the catalogue measures both (each aperture holding some of
    the other's light, :func:`leak`), at least 0.3x as bright as the source."""
    m = leak(distance)
    return neighbour_flux + m * own_flux >= FLUX_RATIO * (own_flux + m * neighbour_flux)


def draw_statuses(labels: np.ndarray, rates: dict[int, tuple[float, float]], rng: np.random.Generator) -> np.ndarray:
    """Status per source: CLOSE, NEAR or ISOLATED with its class's (p5, p10); FREE for labels without rates."""
    u = rng.random(len(labels))
    status = np.full(len(labels), FREE)
    for label, (p5, p10) in rates.items():
        chosen = labels == label
        status[chosen] = np.where(u[chosen] < p5, CLOSE, np.where(u[chosen] < p10, NEAR, ISOLATED))
    return status


class _Grid:
    """Placed positions hashed in cells of the largest radius, for neighbour queries."""

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)

    def add(self, index: int, x: float, y: float) -> None:
        self.cells[(int(x // self.cell), int(y // self.cell))].append(index)

    def near(self, x: float, y: float) -> list[int]:
        cx, cy = int(x // self.cell), int(y // self.cell)
        return [i for dx in (-1, 0, 1) for dy in (-1, 0, 1) for i in self.cells.get((cx + dx, cy + dy), ())]


def _forbidden(status: int, distance: float) -> bool:
    """Whether a qualifying neighbour at ``distance`` breaks a source of this status."""
    if status == ISOLATED:
        return distance < RADII[1]
    if status == NEAR:
        return distance < RADII[0]
    return False


def place(flux: np.ndarray, status: np.ndarray, candidates: np.ndarray, groups: np.ndarray, size: int,
          rng: np.random.Generator) -> tuple[np.ndarray, int]:
    """(n, 2) positions honouring every status where possible, and how many statuses stayed broken.

    ``flux`` (n,) aperture V fluxes; ``candidates`` (n, K, 2) positions drawn from each source's density map;
    ``groups`` (n,) population labels (anchors are chosen within the same group first).
    """
    n = len(flux)
    xy = np.full((n, 2), np.nan)
    placed = np.zeros(n, dtype=bool)
    grid = _Grid(RADII[1])
    broken = 0

    def violations(s: int, x: float, y: float) -> int:
        count = 0
        for t in grid.near(x, y):
            d = math.hypot(xy[t, 0] - x, xy[t, 1] - y)
            if d >= RADII[1]:
                continue
            if _forbidden(int(status[s]), d) and qualifies(flux[t], flux[s], d):
                count += 1
            if _forbidden(int(status[t]), d) and qualifies(flux[s], flux[t], d):
                count += 1
        return count

    def commit(s: int, x: float, y: float) -> None:
        xy[s] = (x, y)
        placed[s] = True
        grid.add(s, x, y)

    unconstrained, isolated = np.flatnonzero(status == FREE), np.flatnonzero(status == ISOLATED)
    anchored = np.flatnonzero(status > ISOLATED)
    for s in np.concatenate([unconstrained, isolated[rng.permutation(isolated.size)]]):
        best, best_count = candidates[s, 0], None
        for x, y in candidates[s]:
            count = violations(s, x, y) if status[s] != FREE else 0
            if best_count is None or count < best_count:
                best, best_count = (x, y), count
            if count == 0:
                break
        broken += int(bool(best_count))
        commit(s, float(best[0]), float(best[1]))
    for s in anchored[rng.permutation(anchored.size)]:
        low, high = CLOSE_RANGE if status[s] == CLOSE else NEAR_RANGE
        bright = placed & (flux >= FLUX_RATIO * flux[s])
        pool = np.flatnonzero(bright & (groups == groups[s]))
        if pool.size == 0:
            pool = np.flatnonzero(bright)
        best, best_count = (float(candidates[s, 0, 0]), float(candidates[s, 0, 1])), None
        for anchor in rng.choice(pool, min(ANCHOR_TRIES, pool.size), replace=False) if pool.size else []:
            distance, angle = rng.uniform(low, high), rng.uniform(0.0, 2.0 * math.pi)
            x = float(np.clip(xy[anchor, 0] + distance * math.cos(angle), 0.0, size - 1.0))
            y = float(np.clip(xy[anchor, 1] + distance * math.sin(angle), 0.0, size - 1.0))
            count = violations(s, x, y) + int(not qualifies(flux[anchor], flux[s], distance))
            if best_count is None or count < best_count:
                best, best_count = (x, y), count
            if count == 0:
                break
        broken += int(best_count is None or best_count > 0)
        commit(s, *best)
    return xy, broken


def move(source: Source, x: float, y: float) -> None:
    """Put a source at (x, y); a fitted source with extra components is re-sized for their aperture light at the
    new sub-pixel phase (its size was fitted at the provisional one)."""
    source.x, source.y = float(x), float(y)
    if source.fit is not None and len(source.components) > 1:
        c1, c3 = aperture_contributions(source.x, source.y, source.components[1:])
        source.fit = replace(source.fit, c1=c1, c3=c3)
        source.refit(0.0, 0.0)
