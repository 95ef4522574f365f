"""How many sources of each kind a field holds, and where they lie.

Counts scale with the field's area: a 4096 x 4096 LEGUS-like pointing holds ~3600 catalogued objects (LEGUS fields
hold a few hundred to a few thousand candidates), shared so that every class has several hundred members for the
learning benchmarks (class 1 is rarer in LEGUS itself). Young objects (clusters, associations, half of the
stars) follow the spiral arms' clumpy light, the other stars the disc, background galaxies and detector
artefacts are uniform; 10% of the clusters are moved next to another one, making blends. Positions are 0-based
pixels (numpy / astropy origin 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulate.artefacts import Artefact, cosmic_ray, hot_pixel
from simulate.bands import BANDS, distance_modulus
from simulate.galaxy import GalaxyGeometry, sample_positions
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
BLEND_FRACTION = 0.1


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


def make_blends(xy: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Move :data:`BLEND_FRACTION` of the positions 3-8 px from another one (crowding on the arms)."""
    xy = xy.copy()
    n_blend = int(round(BLEND_FRACTION * len(xy)))
    if len(xy) < 2 or n_blend == 0:
        return xy
    movers = rng.choice(len(xy), n_blend, replace=False)
    for index in movers:
        partner = (index + 1 + rng.integers(len(xy) - 1)) % len(xy)
        distance, angle = rng.uniform(3.0, 8.0), rng.uniform(0.0, 2.0 * math.pi)
        xy[index] = xy[partner] + distance * np.array([math.cos(angle), math.sin(angle)])
    return np.clip(xy, 0.0, size - 1.0)


def build_catalogue(geometry: GalaxyGeometry, density: dict[str, np.ndarray], priors: Priors, distance_mpc: float,
                    n_sources: int, rng: np.random.Generator) -> Catalogue:
    """All sources and artefacts of a field, with ``n_sources`` catalogued objects besides foreground stars;
    ``density`` holds the young and old placement maps of :func:`simulate.galaxy.placement_density`."""
    size = geometry.size
    counts = allocate(n_sources)
    dm = distance_modulus(distance_mpc)
    n_clusters = counts["1"] + counts["2"] + counts["3"]
    clusters_xy = make_blends(sample_positions(density["young"], n_clusters, size, rng), size, rng)
    first, second = counts["1"], counts["1"] + counts["2"]
    sources = compact_clusters(clusters_xy[:first], priors.classes[1], dm, rng)
    sources += asymmetric_clusters(clusters_xy[first:second], priors.classes[2], dm, rng)
    sources += associations(clusters_xy[second:], priors.classes[3], dm, rng)
    n4 = counts["4"]
    stars_xy = np.concatenate([sample_positions(density["young"], n4 // 2, size, rng),
                               sample_positions(density["old"], n4 - n4 // 2, size, rng)])
    sources += non_clusters(stars_xy[rng.permutation(n4)], uniform_positions(n4, size, rng),
                            priors.classes[4], dm, rng)
    n_foreground = int(round(FOREGROUND_PER_4096_FIELD * (size / 4096) ** 2))
    sources += foreground_stars(uniform_positions(n_foreground, size, rng), rng)
    artefacts = [cosmic_ray(x, y, int(rng.integers(len(BANDS))), size, rng)
                 for x, y in uniform_positions(counts["cosmic_ray"], size, rng)]
    artefacts += [hot_pixel(x, y, int(rng.integers(len(BANDS))), rng)
                  for x, y in uniform_positions(counts["hot_pixel"], size, rng)]
    return Catalogue(sources, artefacts)
