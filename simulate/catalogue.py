"""How many sources of each kind a field holds, and where they lie.

Counts scale with the field's area: a 4096 x 4096 LEGUS-like pointing holds ~3600 catalogued objects (LEGUS fields
hold a few hundred to a few thousand candidates), shared so that every class has several hundred members for the
learning benchmarks (class 1 is rarer in LEGUS itself). Young objects (clusters, associations, half of the
stars) follow the spiral arms' clumpy light, the other stars the disc, background galaxies and detector
artefacts are uniform. Who has a bright neighbour depends on the class, as in LEGUS (:mod:`simulate.placement`).
Positions are 0-based pixels (numpy / astropy origin 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulate.appearance import revise_classes
from simulate.artefacts import Artefact, cosmic_ray, hot_pixel
from simulate.bands import BANDS, distance_modulus
from simulate.galaxy import GalaxyGeometry, sample_positions
from simulate.placement import draw_statuses, measured_profile, move, place
from simulate.priors import Priors
from simulate.sources import (
    Source,
    associations,
    asymmetric_clusters,
    compact_clusters,
    foreground_stars,
    non_clusters,
)

SOURCES_PER_4096_FIELD = 3600
SHARES: dict[str, float] = {"1": 0.15, "2": 0.17, "3": 0.15, "4": 0.40, "cosmic_ray": 0.09, "hot_pixel": 0.04}
FOREGROUND_PER_4096_FIELD = 8
CANDIDATES = 8
"""Positions each source may try (drawn from its density map) before its crowding status is given up."""


@dataclass(frozen=True)
class Catalogue:
    """Everything placed in the field: sources (rendered through the PSF) and artefacts (set pixel by pixel)."""

    sources: list[Source]
    artefacts: list[Artefact]


def default_source_count(size: int) -> int:
    """Catalogued objects for a field of ``size`` x ``size`` pixels (3600 for 4096, at least 12)."""
    return max(int(round(SOURCES_PER_4096_FIELD * (size / 4096) ** 2)), 12)


def allocate(n_total: int) -> dict[str, int]:
    """Split ``n_total`` over :data:`SHARES` by largest remainders, giving every kind at least one if possible."""
    exact = {key: share * n_total for key, share in SHARES.items()}
    counts = {key: int(math.floor(value)) for key, value in exact.items()}
    if n_total >= len(SHARES):
        counts = {key: max(count, 1) for key, count in counts.items()}
    by_remainder = sorted(exact, key=lambda key: exact[key] - math.floor(exact[key]), reverse=True)
    index = 0
    while sum(counts.values()) < n_total:
        counts[by_remainder[index % len(by_remainder)]] += 1
        index += 1
    while sum(counts.values()) > n_total:
        largest = max(counts, key=lambda key: counts[key])
        counts[largest] -= 1
    return counts


def uniform_positions(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) 0-based (x, y) uniform over the field."""
    return rng.uniform(0.0, size - 1.0, (n, 2))


def _star_groups(n4: int, rng: np.random.Generator) -> np.ndarray:
    """Which density each class 4 star draws from (half the young arms, half the old disc), shuffled."""
    return np.array(["young"] * (n4 // 2) + ["old"] * (n4 - n4 // 2))[rng.permutation(n4)]


def build_catalogue(geometry: GalaxyGeometry, density: dict[str, np.ndarray], priors: Priors, distance_mpc: float,
                    n_sources: int, rng: np.random.Generator) -> Catalogue:
    """All sources and artefacts of a field, with ``n_sources`` catalogued objects besides foreground stars;
    ``density`` holds the young and old placement maps of :func:`simulate.galaxy.placement_density`.

    Sources are made first (at provisional positions from their density maps), then placed with the crowding
    of their class (:mod:`simulate.placement`), then given the class their rendered neighbourhood shows
    (:mod:`simulate.appearance`)."""
    size = geometry.size
    counts = allocate(n_sources)
    dm = distance_modulus(distance_mpc)
    densities = {"young": density["young"], "old": density["old"], "uniform": None}

    def positions(group: str, n: int) -> np.ndarray:
        chosen = densities[group]
        return uniform_positions(n, size, rng) if chosen is None else sample_positions(chosen, n, size, rng)

    n_clusters = counts["1"] + counts["2"] + counts["3"]
    clusters_xy = positions("young", n_clusters)
    first, second = counts["1"], counts["1"] + counts["2"]
    sources = compact_clusters(clusters_xy[:first], priors.classes[1], dm, rng)
    sources += asymmetric_clusters(clusters_xy[first:second], priors.classes[2], dm, rng)
    sources += associations(clusters_xy[second:], priors.classes[3], dm, rng)
    n4 = counts["4"]
    star_groups = _star_groups(n4, rng)
    stars_xy = np.empty((n4, 2))
    for group in ("young", "old"):
        stars_xy[star_groups == group] = positions(group, int((star_groups == group).sum()))
    non = non_clusters(stars_xy, uniform_positions(n4, size, rng), priors.classes[4], dm, rng)
    sources += non
    n_foreground = int(round(FOREGROUND_PER_4096_FIELD * (size / 4096) ** 2))
    sources += foreground_stars(uniform_positions(n_foreground, size, rng), rng)
    groups = np.array(["young"] * n_clusters
                      + [str(g) if s.subtype != "galaxy" else "uniform" for g, s in zip(star_groups, non, strict=True)]
                      + ["uniform"] * n_foreground)
    flux = place_sources(sources, groups, priors, size, positions, rng)
    revise_classes(sources, flux)
    artefacts = [cosmic_ray(x, y, int(rng.integers(len(BANDS))), size, rng)
                 for x, y in uniform_positions(counts["cosmic_ray"], size, rng)]
    artefacts += [hot_pixel(x, y, int(rng.integers(len(BANDS))), rng)
                  for x, y in uniform_positions(counts["hot_pixel"], size, rng)]
    return Catalogue(sources, artefacts)


def place_sources(sources: list[Source], groups: np.ndarray, priors: Priors, size: int,
                  positions: Callable[[str, int], np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Move every source to a position with its class's LEGUS crowding (:func:`simulate.placement.place`);
    the provisional position is each one's first candidate. Returns the sources' catalogue V fluxes."""
    n = len(sources)
    candidates = np.empty((n, CANDIDATES, 2))
    candidates[:, 0] = [(s.x, s.y) for s in sources]
    for group in np.unique(groups):
        chosen = groups == group
        candidates[chosen, 1:] = positions(str(group), int(chosen.sum()) * (CANDIDATES - 1)).reshape(
            -1, CANDIDATES - 1, 2)
    labels = np.array([s.label if s.subtype != "foreground_star" else 0 for s in sources])
    status = draw_statuses(labels, priors.crowding, rng)
    profiles = np.array([measured_profile(s) for s in sources])
    kinds = np.array([s.subtype for s in sources])
    xy, _ = place(profiles, status, candidates, groups, size, rng, kinds)
    for source, (x, y) in zip(sources, xy, strict=True):
        move(source, x, y)
    return profiles[:, 0]
