"""Class 4 sources: background galaxies are the extended, redder draws; stars and blends the compact ones."""

from __future__ import annotations

import numpy as np

from simulate.bands import BANDS
from simulate.priors import load_priors
from simulate.sources import GALAXY_MIN_CI, non_clusters


def test_galaxies_are_the_extended_redder_class_4_draws() -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(50.0, 150.0, (400, 2))
    sources = non_clusters(xy, xy, load_priors().classes[4], 29.5, rng)
    galaxies = [s for s in sources if s.subtype == "galaxy"]
    stars = [s for s in sources if s.subtype in ("star", "star_blend")]
    assert 0.1 < len(galaxies) / len(sources) < 0.45  # LEGUS: a quarter of class 4 lies above CI 1.6
    extended = np.mean([s.fit is not None and s.fit.target_ci >= GALAXY_MIN_CI for s in galaxies])
    assert extended > 0.8  # the others: draws no blend of stars can reach (simulate.sources.blend_share)

    def v_minus_i(group: list) -> float:
        f = np.array([s.fluxes for s in group])
        return float(np.median(BANDS[3].magnitude(f[:, 3]) - BANDS[4].magnitude(f[:, 4])))

    assert v_minus_i(galaxies) > v_minus_i(stars) + 0.05  # the class-4 copula carries part of LEGUS's reddening
