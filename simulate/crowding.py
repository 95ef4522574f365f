"""Accounting for crowding when sizing sources, so that measured CIs stay LEGUS-like in a crowded disc.

The CI LEGUS reports was measured in real, crowded discs: whatever light the surroundings put in a cluster's
1 px and 3 px apertures is already part of the catalogued CI. Sources sized in isolation would count it twice:
neighbours along the arms, the resolved faint stars and residual diffuse light (after the mesh background is
subtracted) add more to the 3 px aperture than to the 1 px one and raise the CI (by ~0.05 on average, more in
the arms). So, before the final rendering, the field is rendered once in V alone, measured as
:func:`simulate.photometry.concentration_index` measures it, and every source whose size was fitted
(clusters, associations, galaxies) is re-sized with its surroundings' aperture light included.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from simulate.bands import BANDS, V_INDEX
from simulate.photometry import CI_INNER_RADIUS, CI_OUTER_RADIUS, circle_flux, subtract_background
from simulate.render import add_stamp, component_gaussians, merge, render
from simulate.sources import Source


def _v_only(source: Source) -> list:
    only = np.zeros(len(BANDS))
    only[V_INDEX] = 1.0
    return [component_gaussians(replace(c, fluxes=c.fluxes * only)) for c in source.components]


def environment_light(background_v: np.ndarray, sources: list[Source], floor: np.ndarray) -> tuple[np.ndarray,
                                                                                                   np.ndarray]:
    """V flux that everything but each source puts in its 1 px and 3 px CI apertures, after background
    subtraction: (env1, env3), one value per source. ``background_v`` is the V image without the sources."""
    image = np.array(background_v, dtype=np.float32)[None]
    own = np.zeros((len(sources), 2))
    for index, source in enumerate(sources):
        stamp = render(source.x, source.y, merge(_v_only(source)), len(BANDS), floor)
        if stamp is None:
            continue
        x0, y0, cube = stamp
        v = np.ascontiguousarray(cube[V_INDEX])
        own[index, 0] = circle_flux(v, [source.x - x0], [source.y - y0], CI_INNER_RADIUS)[0]
        own[index, 1] = circle_flux(v, [source.x - x0], [source.y - y0], CI_OUTER_RADIUS)[0]
        add_stamp(image, x0, y0, cube[V_INDEX:V_INDEX + 1])
    data, _ = subtract_background(image[0])
    x = np.array([s.x for s in sources])
    y = np.array([s.y for s in sources])
    return (circle_flux(data, x, y, CI_INNER_RADIUS) - own[:, 0], circle_flux(data, x, y, CI_OUTER_RADIUS) - own[:, 1])


def refit_for_crowding(background_v: np.ndarray, sources: list[Source], floor: np.ndarray) -> None:
    """Re-size every fitted source for the light of its surroundings (see the module docstring)."""
    env1, env3 = environment_light(background_v, sources, floor)
    for source, inner, outer in zip(sources, env1, env3, strict=True):
        source.refit(float(inner), float(outer))
