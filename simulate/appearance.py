"""Classes follow what is rendered: a cluster's truth class is what its light, with its neighbours', shows.

A source is drawn as a class (:mod:`simulate.sources`) and then placed (:mod:`simulate.placement`); where the
placement leaves light of other catalogued sources on it, an annotator would no longer see what was drawn. So,
after placement, every class 1 and 2 source is looked at as an annotator looks at it, in the noiseless V band with
the light of its catalogued neighbours (diffuse light and the uncatalogued faint stars left out), and its class is
revised by these rules, in order:

1. **several peaks** - two or more catalogued neighbours of at least 0.3x its catalogue V flux within 5 px: it is
   a multi-peak association, class 3;
2. **lopsided or elongated** (class 1 only) - the V light on its peak (weighted by a Gaussian of
   :data:`SHAPE_RADIUS` px at its position; neighbours within 5 px included, farther ones are seen as separate
   sources) has its centroid more than :data:`MAX_OFFSET_PX` from the position, or a second-moment axis ratio
   below :data:`ROUND_AXIS_RATIO`: it looks like a compact asymmetric cluster, class 2.

The thresholds are what a class 2 cluster looks like: :data:`ROUND_AXIS_RATIO` and :data:`MAX_OFFSET_PX` are the
medians of the rendered axis ratio and centroid offset of the simulator's own class 2 clusters in isolation
(``tests/simulate/test_appearance.py`` keeps them so), so a class 1 source is relabelled when its surroundings make
it look at least as asymmetric as a typical class 2. Class 1 clusters are round by construction, so only
neighbours can do that. Classes 3 and 4 are left as drawn (an association with neighbours is still one; a star
next to a cluster is still not a cluster). The subtype keeps what the source was built as.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy.spatial import cKDTree

from simulate.bands import BANDS, V_INDEX
from simulate.neighbours import FLUX_RATIO, RADII
from simulate.render import Component, Gaussians, component_gaussians, merge, render_window
from simulate.sources import Source

SHAPE_RADIUS = 1.5
"""Sigma (px) of the Gaussian weight on the V light whose moments describe a source's look (the core of the
PSF: what sits on the peak, not what lies beside it)."""
ROUND_AXIS_RATIO = 0.90
MAX_OFFSET_PX = 0.12
LOOK_RADIUS = RADII[0]
"""Neighbours farther than this (two PSF widths) are seen as separate sources: their light is not counted."""
_HALF = 6


def _v_gaussians(components: list[Component], dx: float = 0.0, dy: float = 0.0) -> list[Gaussians]:
    only = np.zeros(len(BANDS))
    only[V_INDEX] = 1.0
    return [component_gaussians(replace(c, dx=c.dx + dx, dy=c.dy + dy, fluxes=c.fluxes * only)) for c in components]


def rendered_shape(source: Source, neighbours: Sequence[Source] = ()) -> tuple[float, float]:
    """(axis ratio, centroid offset in px) of the noiseless V light around the source's position (Gaussian weight
    of :data:`SHAPE_RADIUS` px), its own light and its ``neighbours``' together."""
    parts = _v_gaussians(source.components)
    for other in neighbours:
        parts += _v_gaussians(other.components, other.x - source.x, other.y - source.y)
    x0, y0, stamp = render_window(source.x, source.y, merge(parts), len(BANDS), _HALF)
    v = stamp[V_INDEX]
    yy, xx = np.mgrid[0:v.shape[0], 0:v.shape[1]].astype(float)
    dx, dy = xx + x0 - source.x, yy + y0 - source.y
    w = np.maximum(v, 0.0) * np.exp(-0.5 * (dx**2 + dy**2) / SHAPE_RADIUS**2)
    total = w.sum()
    if total <= 0:
        return 1.0, 0.0
    mx, my = (w * dx).sum() / total, (w * dy).sum() / total
    cxx = (w * (dx - mx) ** 2).sum() / total
    cyy = (w * (dy - my) ** 2).sum() / total
    cxy = (w * (dx - mx) * (dy - my)).sum() / total
    half_trace, root = 0.5 * (cxx + cyy), math.sqrt(0.25 * (cxx - cyy) ** 2 + cxy**2)
    major, minor = half_trace + root, max(half_trace - root, 0.0)
    return (math.sqrt(minor / major) if major > 0 else 1.0), math.hypot(mx, my)


def revise_classes(sources: list[Source], flux: np.ndarray) -> dict[str, int]:
    """Apply the rules of the module docstring in place; ``flux`` holds each source's catalogue V flux.
    Returns how many sources each rule relabelled."""
    changed = {"several_peaks": 0, "lopsided": 0}
    if len(sources) < 2:
        return changed
    xy = np.array([(s.x, s.y) for s in sources])
    tree = cKDTree(xy)
    for index, source in enumerate(sources):
        if source.label not in (1, 2):
            continue
        near = [j for j in tree.query_ball_point(xy[index], LOOK_RADIUS) if j != index]
        if not near:
            continue
        distance = np.hypot(*(xy[near] - xy[index]).T)
        bright = (flux[near] >= FLUX_RATIO * flux[index]) & (distance < RADII[0])
        if bright.sum() >= 2:
            source.label = 3
            changed["several_peaks"] += 1
            continue
        if source.label == 1:
            q, offset = rendered_shape(source, [sources[j] for j in near])
            if q < ROUND_AXIS_RATIO or offset > MAX_OFFSET_PX:
                source.label = 2
                changed["lopsided"] += 1
    return changed
