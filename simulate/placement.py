"""Where sources go: crowding that depends on the class, as in LEGUS.

In LEGUS a compact symmetric cluster (class 1) is almost always isolated - 1% have a catalogued neighbour of at
least 0.3x their V flux within 5 px, 7% within 10 px - while associations (3) and non-clusters (4: stars in
crowded fields) are crowded (47% and 39% within 10 px); class 2 lies between (5% / 21%). The simulator draws the
same statistic: every catalogued source of class 1-4 gets a *status* with its class's LEGUS probabilities
(:attr:`simulate.priors.Priors.crowding`, derived from the catalogues by :mod:`simulate.derive_priors`):

- ``CLOSE`` (probability p5): placed 3-5 px from an *anchor*, an already placed source at least 0.3x as bright;
- ``NEAR`` (p10 - p5): placed 5-10 px from an anchor, and no such neighbour closer than 5 px;
- ``ISOLATED`` (1 - p10): no neighbour at least 0.3x as bright within 10 px.

Other sources (foreground stars) are ``FREE``: placed first, where their density puts them; the others avoid them
as they avoid each other. Every placement is checked both ways: the new source's own status, and that of every
placed source it would become a qualifying neighbour of (a bright source next to a faint isolated one makes the
faint one crowded; a faint one next to a bright isolated one does not). A source tries its density's candidate
positions (or anchors) in turn and takes the first that breaks no status; if none does, the one breaking the
fewest (an anchored source without a usable anchor waits where it breaks nobody, for a later one to anchor on
it). Anchors are preferably of comparable brightness (0.3-3.3x: a source much
fainter than a neighbour 3-5 px away is lost in its light, would not be catalogued apart, and could not keep a
LEGUS-like CI), of the same kind and population (an association next to associations in a star-forming
complex, a star next to stars of its disc population, a cluster next to young objects), so associations crowd
in star-forming regions, stars in crowded fields, and neighbours' light does not redden a blue association.

Fluxes are compared as the catalogue photometry (4 px aperture, 7-8 px sky annulus) would measure them: each
source's own measured flux plus the share of the other's light its photometry picks up, from each source's
rendered profile (:func:`measured_profile`, :func:`qualifies`). So a faint source 3 px from a cluster counts as
measured almost as bright as the cluster, an association's diffuse light reaches farther than a star's, and a
neighbour in the sky annulus lowers what is measured.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from functools import cache

import numpy as np

from simulate.bands import BANDS, V_INDEX
from simulate.neighbours import FLUX_RATIO, RADII
from simulate.photometry import SKY_ANNULUS, aperture_photometry
from simulate.profiles import POINT
from simulate.render import Component, component_gaussians, merge, render_window
from simulate.sources import Source, aperture_contributions

FREE, ISOLATED, NEAR, CLOSE = -1, 0, 1, 2
CLOSE_RANGE = (3.0, RADII[0])
"""Anchor distances of CLOSE sources, drawn uniformly over the annulus' area: LEGUS's close pairs (a >= 0.3x
neighbour within 5 px) are 4.0 px apart in the median, 3.5 at the first quartile and 2.4 at the 5th percentile
(closer, two sources merge into one detection); the area-uniform 3-5 px annulus has median 4.1, quartile 3.6."""
NEAR_RANGE = (RADII[0], RADII[1])
ANCHOR_TRIES = 40


DISTANCES = np.arange(0.0, 12.0 + 1e-9, 0.5)
"""Distances (px) at which a source's light in the catalogue photometry of a position is tabulated."""
_DIRECTIONS = 4


def measured_profile(source: Source) -> np.ndarray:
    """V flux (e-/s) that the catalogue photometry (4 px aperture, 7-8 px sky annulus) of a position
    :data:`DISTANCES` px from the source measures of its light alone (averaged over directions); [0] is its own
    catalogue flux. An association's diffuse light reaches farther than a star's."""
    only = np.zeros(len(BANDS))
    only[V_INDEX] = 1.0
    parts = [component_gaussians(replace(c, fluxes=c.fluxes * only)) for c in source.components]
    half = int(DISTANCES[-1] + SKY_ANNULUS[1]) + 2
    x0, y0, stamp = render_window(source.x, source.y, merge(parts), len(BANDS), half)
    angles = np.arange(_DIRECTIONS) * (2.0 * math.pi / _DIRECTIONS) + 0.3
    d, a = np.meshgrid(DISTANCES, angles)
    flux, _ = aperture_photometry(np.ascontiguousarray(stamp[V_INDEX], dtype=np.float32),
                                  (source.x - x0 + d * np.cos(a)).ravel(), (source.y - y0 + d * np.sin(a)).ravel())
    return np.asarray(flux).reshape(d.shape).mean(axis=0)


@cache
def leak_table() -> np.ndarray:
    """:func:`measured_profile` of a V point source, relative to its own measured flux."""
    only = np.zeros(len(BANDS))
    only[V_INDEX] = 1.0
    star = Source(40.0, 40.0, 4, "star", 0.0, [Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, only)])
    profile = measured_profile(star)
    return profile / profile[0]


def point_profiles(flux: np.ndarray) -> np.ndarray:
    """(n, len(DISTANCES)) measured profiles of point sources of the given fluxes."""
    return np.asarray(flux, dtype=float)[:, None] * leak_table()[None, :]


def leak(distance: float) -> float:
    """Share of a point source's light the catalogue photometry measures ``distance`` px away (0 beyond 12 px)."""
    return float(np.interp(distance, DISTANCES, leak_table(), right=0.0))


def qualifies(neighbour: np.ndarray, own: np.ndarray, distance: float) -> bool:
    """Whether a neighbour at ``distance`` px is, as the catalogue measures both (each one's photometry holding
    some of the other's light), at least 0.3x as bright as the source; ``neighbour`` and ``own`` are
    :func:`measured_profile` arrays."""
    into_neighbour = float(np.interp(distance, DISTANCES, own, right=0.0))
    into_own = float(np.interp(distance, DISTANCES, neighbour, right=0.0))
    return bool(neighbour[0] + into_neighbour >= FLUX_RATIO * (own[0] + into_own))


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


def place(profiles: np.ndarray, status: np.ndarray, candidates: np.ndarray, groups: np.ndarray, size: int,
          rng: np.random.Generator, kinds: np.ndarray | None = None) -> tuple[np.ndarray, int]:
    """(n, 2) positions honouring every status where possible, and how many statuses stayed broken.

    ``profiles`` (n, len(DISTANCES)) the sources' :func:`measured_profile`; ``candidates`` (n, K, 2) positions
    drawn from each source's density map;
    ``groups`` (n,) population labels and ``kinds`` (n,) source kinds (default: all alike): anchors are chosen
    of the same kind and group first, then of the same group, then any.
    """
    flux = profiles[:, 0]
    kinds = np.zeros(len(flux), dtype=int) if kinds is None else np.asarray(kinds)
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
            if _forbidden(int(status[s]), d) and qualifies(profiles[t], profiles[s], d):
                count += 1
            if _forbidden(int(status[t]), d) and qualifies(profiles[s], profiles[t], d):
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
        alike = bright & (flux <= flux[s] / FLUX_RATIO) & (groups == groups[s])
        for allowed in (alike & (kinds == kinds[s]), alike, bright & (groups == groups[s]), bright):
            pool = np.flatnonzero(allowed)
            if pool.size >= min(ANCHOR_TRIES, 5):
                break
        best, best_count = None, None
        for anchor in rng.choice(pool, min(ANCHOR_TRIES, pool.size), replace=False) if pool.size else []:
            distance, angle = math.sqrt(rng.uniform(low**2, high**2)), rng.uniform(0.0, 2.0 * math.pi)
            x = float(np.clip(xy[anchor, 0] + distance * math.cos(angle), 0.0, size - 1.0))
            y = float(np.clip(xy[anchor, 1] + distance * math.sin(angle), 0.0, size - 1.0))
            count = violations(s, x, y) + int(not qualifies(profiles[anchor], profiles[s], distance))
            if best_count is None or count < best_count:
                best, best_count = (x, y), count
            if count == 0:
                break
        if best_count != 0:  # no anchor: wait where it breaks nobody, for a later source to anchor on it
            broken += 1
            for x, y in candidates[s]:
                count = violations(s, x, y)
                if best_count is None or count < best_count:
                    best, best_count = (float(x), float(y)), count
                if count == 0:
                    break
        assert best is not None
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
