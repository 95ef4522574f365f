"""The LEGUS classes as light components: what a class 1, 2, 3 or 4 source looks like.

Every source draws its absolute V magnitude, colours and V-band CI jointly from the LEGUS prior of its class
(:mod:`simulate.priors`), so magnitudes and colours are LEGUS-like by construction, and its size is chosen so
that its CI comes out as drawn (:mod:`simulate.concentration`). The classes (Adamo et al. 2017):

1. compact, symmetric cluster: one round EFF (70%) or King profile, barely broader than the PSF;
2. compact, asymmetric cluster: an elongated EFF profile (axis ratio 0.35-0.8), often with an off-centre lump of
   a different colour (the "possible colour gradient" of the class definition);
3. multi-peak association: a main peak, 2-5 secondary peaks 2.5-10 px away and diffuse light they share;
4. not a cluster: a star (point source with diffraction spikes) when the drawn CI is stellar, a star blended
   with fainter neighbours above it, a background galaxy (exponential or de Vaucouleurs Sersic profile) for the
   extended draws (:data:`GALAXY_MIN_CI`).

Positions are 0-based pixels (numpy / astropy origin 0). Fluxes are e-/s per band in the order of
:data:`simulate.bands.BANDS`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from simulate.bands import BANDS, V_INDEX
from simulate.concentration import aperture_table, point_fractions, solve_sizes, star_ci
from simulate.photometry import CI_INNER_RADIUS, CI_OUTER_RADIUS, circle_flux
from simulate.priors import ClassPrior
from simulate.profiles import POINT, profile
from simulate.render import Component, component_gaussians, merge, render_window

AXIS_RATIOS = (0.35, 0.5, 0.65, 0.8)
"""Axis ratios of asymmetric clusters (a few values, so their CI tables are computed once each)."""
GALAXY_AXIS_RATIOS = (0.4, 0.65, 1.0)
GALAXY_MIN_CI = 1.6
"""Class 4 draws at least this extended are background galaxies: in LEGUS the class 4 objects above CI 1.6 (the
median cluster's; a quarter of class 4) are the redder, extended ones (median B-V 0.18-0.31, V-I 0.58-0.66
against 0.03-0.07 and 0.30-0.40 below), so galaxies get their own sizes and, through the class-4 copula, their
redder colours, instead of cluster-like CIs among the blended stars."""
COLOUR_GRADIENT = np.array([1.6, 1.0, 0.5, 0.0, -0.6])
"""How a colour offset of 1 mag (in B-V terms) spreads over the five bands, relative to V."""


@dataclass(frozen=True)
class SizeFit:
    """How a source's main component (``components[0]``) was sized: profile family and axis ratio, the CI to
    reach, and the V flux its other components put in the 1 px and 3 px apertures."""

    family: str
    q: float
    target_ci: float
    c1: float
    c3: float


@dataclass
class Source:
    """One catalogued source: position (0-based px), class, subtype, size of its main component (px)."""

    x: float
    y: float
    label: int
    subtype: str
    r_eff_px: float
    components: list[Component] = field(default_factory=list)
    fit: SizeFit | None = None

    @property
    def fluxes(self) -> np.ndarray:
        """Total flux per band (e-/s) over all components."""
        return np.sum([c.fluxes for c in self.components], axis=0)

    def refit(self, env1: float, env3: float) -> None:
        """Re-size the main component so that the CI, with ``env1``, ``env3`` of V light from the surroundings
        (neighbours, field stars, diffuse residuals) added to the apertures, is still the target."""
        if self.fit is None:
            return
        main = self.components[0]
        flux = main.fluxes[V_INDEX]
        isolated, crowded = solve_sizes(aperture_table(self.fit.family, self.fit.q), np.array([flux, flux]),
                                        np.full(2, self.fit.target_ci), np.array([self.fit.c1, self.fit.c1 + env1]),
                                        np.array([self.fit.c3, self.fit.c3 + env3]))
        size = float(np.clip(crowded, isolated / 3.0, isolated * 3.0))  # bounded next to a bright neighbour
        self.components[0] = replace(main, r_eff=size)
        self.r_eff_px = float(size)


def fitted_source(x: float, y: float, label: int, subtype: str, main: Component, extras: list[Component],
                  family: str, target_ci: float) -> Source:
    """A source whose main component (given with any size) is sized so that the whole source has
    ``target_ci``, counting the light its ``extras`` put in the CI apertures."""
    c1, c3 = aperture_contributions(x, y, extras)
    source = Source(x, y, label, subtype, main.r_eff, [main, *extras], SizeFit(family, main.q, target_ci, c1, c3))
    source.refit(0.0, 0.0)
    return source


def band_magnitudes(draws: dict[str, np.ndarray], distance_modulus: float) -> np.ndarray:
    """(n, 5) apparent Vega magnitudes F275W..F814W from drawn M_V and colours NUV-U, U-B, B-V, V-I."""
    v = draws["M_V"] + distance_modulus
    b = v + draws["B-V"]
    u = b + draws["U-B"]
    return np.stack([u + draws["NUV-U"], u, b, v, v - draws["V-I"]], axis=1)


def band_fluxes(mags: np.ndarray) -> np.ndarray:
    """(n, 5) e-/s of (n, 5) Vega magnitudes."""
    return np.stack([band.rate(mags[:, k]) for k, band in enumerate(BANDS)], axis=1)


def _v_only(fluxes: np.ndarray) -> np.ndarray:
    out = np.zeros_like(fluxes)
    out[V_INDEX] = fluxes[V_INDEX]
    return out


def aperture_contributions(x: float, y: float, extras: list[Component]) -> tuple[float, float]:
    """V-band flux that a source's extra components put in the 1 px and 3 px CI apertures at (x, y)."""
    if not extras:
        return 0.0, 0.0
    parts = [component_gaussians(Component(c.dx, c.dy, c.mixture, c.r_eff, c.q, c.theta, _v_only(c.fluxes),
                                           c.spikes)) for c in extras]
    x0, y0, stamp = render_window(x, y, merge(parts), len(BANDS), 16)
    v = stamp[V_INDEX]
    inner = circle_flux(v, [x - x0], [y - y0], CI_INNER_RADIUS)[0]
    return float(inner), float(circle_flux(v, [x - x0], [y - y0], CI_OUTER_RADIUS)[0])


def _with_colour_offset(fluxes: np.ndarray, offset_mag: float) -> np.ndarray:
    return fluxes * 10.0 ** (-0.4 * offset_mag * COLOUR_GRADIENT)


def compact_clusters(xy: np.ndarray, prior: ClassPrior, dm: float, rng: np.random.Generator) -> list[Source]:
    """Class 1: one round EFF or King cluster each, sized to the drawn CI."""
    draws = prior.sample(len(xy), rng)
    fluxes = band_fluxes(band_magnitudes(draws, dm))
    king = rng.random(len(xy)) < 0.3
    sizes = np.empty(len(xy))
    for family, chosen in (("eff", ~king), ("king", king)):
        sizes[chosen] = solve_sizes(aperture_table(family), np.ones(chosen.sum()), draws["CI"][chosen])
    sources = []
    for i, (x, y) in enumerate(xy):
        family = "king" if king[i] else "eff"
        main = Component(0.0, 0.0, profile(family), sizes[i], 1.0, 0.0, fluxes[i])
        sources.append(Source(x, y, 1, "compact_cluster", sizes[i], [main],
                              SizeFit(family, 1.0, float(draws["CI"][i]), 0.0, 0.0)))
    return sources


def asymmetric_clusters(xy: np.ndarray, prior: ClassPrior, dm: float, rng: np.random.Generator) -> list[Source]:
    """Class 2: an elongated EFF cluster, with an off-centre lump of another colour in 60% of them."""
    draws = prior.sample(len(xy), rng)
    fluxes = band_fluxes(band_magnitudes(draws, dm))
    sources = []
    for i, (x, y) in enumerate(xy):
        q = float(rng.choice(AXIS_RATIOS))
        theta = float(rng.uniform(0.0, math.pi))
        extras, main_flux = [], fluxes[i].copy()
        if rng.random() < 0.6:
            share, distance = rng.uniform(0.12, 0.3), rng.uniform(1.2, 3.0)
            angle = theta + rng.choice([0.0, math.pi]) + rng.normal(0.0, 0.4)
            lump = np.minimum(_with_colour_offset(share * fluxes[i], rng.normal(0.0, 0.35)), 0.6 * fluxes[i])
            main_flux = fluxes[i] - lump
            extras.append(Component(distance * math.cos(angle), distance * math.sin(angle), profile("eff"),
                                    float(rng.uniform(0.2, 0.6)), 1.0, 0.0, lump))
        main = Component(0.0, 0.0, profile("eff"), 1.0, q, theta, main_flux)
        sources.append(fitted_source(x, y, 2, "asymmetric_cluster", main, extras, "eff", float(draws["CI"][i])))
    return sources


def associations(xy: np.ndarray, prior: ClassPrior, dm: float, rng: np.random.Generator) -> list[Source]:
    """Class 3: a main peak (at the catalogue position), secondary peaks and shared diffuse light."""
    draws = prior.sample(len(xy), rng)
    fluxes = band_fluxes(band_magnitudes(draws, dm))
    sources = []
    for i, (x, y) in enumerate(xy):
        main_share, diffuse_share = rng.uniform(0.35, 0.6), rng.uniform(0.15, 0.35)
        n_peaks = int(rng.integers(2, 6))
        shares = rng.dirichlet(np.ones(n_peaks)) * (1.0 - main_share - diffuse_share)
        extras = []
        for share in shares:
            distance, angle = rng.uniform(2.5, 10.0), rng.uniform(0.0, 2.0 * math.pi)
            compact = rng.random() < 0.5
            extras.append(Component(distance * math.cos(angle), distance * math.sin(angle),
                                    POINT if compact else profile("eff"), 0.0 if compact else rng.uniform(0.3, 1.0),
                                    1.0, 0.0, _with_colour_offset(share * fluxes[i], rng.normal(0.0, 0.15))))
        angle = rng.uniform(0.0, 2.0 * math.pi)
        offset = rng.uniform(1.0, 4.0)
        extras.append(Component(offset * math.cos(angle), offset * math.sin(angle), profile("exp"),
                                rng.uniform(4.0, 12.0), 1.0, 0.0,
                                _with_colour_offset(diffuse_share * fluxes[i], rng.normal(0.0, 0.1))))
        main = Component(0.0, 0.0, profile("eff"), 1.0, 1.0, 0.0, main_share * fluxes[i])
        sources.append(fitted_source(x, y, 3, "association", main, extras, "eff", float(draws["CI"][i])))
    return sources


BLEND_SHARES = np.linspace(0.0, 0.5, 51)
"""Fractions of a blended star's V light that its companions may take (the main star stays the brightest)."""


def blend_share(x: float, y: float, companions: list[Component], target_ci: float) -> float | None:
    """Share of the V light the companions (unit total V flux) must take so that the blend's CI is
    ``target_ci``; None when even the largest share cannot reach it."""
    e1, e3 = point_fractions()
    c1, c3 = aperture_contributions(x, y, companions)
    inner = (1.0 - BLEND_SHARES) * e1 + BLEND_SHARES * c1
    outer = (1.0 - BLEND_SHARES) * e3 + BLEND_SHARES * c3
    ci = np.maximum.accumulate(-2.5 * np.log10(inner / outer))
    if target_ci > ci[-1]:
        return None
    return float(np.interp(target_ci, ci + np.arange(ci.size) * 1e-9, BLEND_SHARES))


def _star(x: float, y: float, fluxes: np.ndarray, target_ci: float, rng: np.random.Generator) -> Source | None:
    """A star, blended with 1-2 fainter neighbours 1.5-3.5 px away when its CI is above the PSF's."""
    if target_ci < star_ci() + 0.05:
        return Source(x, y, 4, "star", 0.0, [Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, fluxes, spikes=True)])
    splits = rng.dirichlet(np.ones(int(rng.integers(1, 3))))
    geometry = [(rng.uniform(1.5, 3.5), rng.uniform(0.0, 2.0 * math.pi), split) for split in splits]
    offsets = [_with_colour_offset(np.ones(len(BANDS)), rng.normal(0.0, 0.3)) for _ in splits]

    def companions(total: np.ndarray) -> list[Component]:
        return [Component(d * math.cos(a), d * math.sin(a), POINT, 0.0, 1.0, 0.0, split * total * offset)
                for (d, a, split), offset in zip(geometry, offsets, strict=True)]

    unit = np.zeros(len(BANDS))
    unit[V_INDEX] = 1.0
    share = blend_share(x, y, companions(unit), target_ci)
    if share is None:
        return None
    main = Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, (1.0 - share) * fluxes, spikes=True)
    return Source(x, y, 4, "star_blend", 0.0, [main, *companions(share * fluxes)])


def non_clusters(xy_stars: np.ndarray, xy_galaxies: np.ndarray, prior: ClassPrior, dm: float,
                 rng: np.random.Generator) -> list[Source]:
    """Class 4: stars where the drawn CI is stellar (within 0.05 of the PSF's), blended stars above it up to
    :data:`GALAXY_MIN_CI`, background galaxies (exponential or de Vaucouleurs discs sized to the drawn CI) from
    there, or where no blend reaches the drawn CI.

    Source i sits at ``xy_stars[i]`` (placed in the disc) if it is a star, else at ``xy_galaxies[i]`` (anywhere).
    """
    draws = prior.sample(len(xy_stars), rng)
    fluxes = band_fluxes(band_magnitudes(draws, dm))
    sources = []
    for i in range(len(xy_stars)):
        target = float(draws["CI"][i])
        if target < GALAXY_MIN_CI:
            star = _star(float(xy_stars[i, 0]), float(xy_stars[i, 1]), fluxes[i], target, rng)
            if star is not None:
                sources.append(star)
                continue
        x, y = xy_galaxies[i]
        family = "exp" if rng.random() < 0.6 else "dev"
        q = float(rng.choice(GALAXY_AXIS_RATIOS))
        main = Component(0.0, 0.0, profile(family), 1.0, q, float(rng.uniform(0.0, math.pi)), fluxes[i])
        sources.append(fitted_source(x, y, 4, "galaxy", main, [], family, target))
    return sources


def foreground_stars(xy: np.ndarray, rng: np.random.Generator) -> list[Source]:
    """Bright Milky Way stars (V 15.5-19.5, dwarf colours): class 4, with long diffraction spikes."""
    n = len(xy)
    bv = rng.uniform(0.4, 1.3, n)
    draws = {"M_V": rng.uniform(15.5, 19.5, n), "B-V": bv, "V-I": 0.1 + 1.1 * bv + rng.normal(0, 0.05, n),
             "U-B": 0.9 * bv - 0.3, "NUV-U": 1.5 + 1.5 * bv}
    fluxes = band_fluxes(band_magnitudes(draws, 0.0))
    return [Source(x, y, 4, "foreground_star", 0.0, [Component(0.0, 0.0, POINT, 0.0, 1.0, 0.0, fluxes[i],
                                                                spikes=True)]) for i, (x, y) in enumerate(xy)]
