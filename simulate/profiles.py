"""Source light profiles as mixtures of circular Gaussians, so that PSF convolution is analytic.

Star clusters follow EFF (Elson, Fall & Freeman 1987; gamma ~ 3 fits LEGUS clusters, Ryon et al. 2017) or King
(1962) profiles; background galaxies and diffuse association light follow Sersic profiles. Each is approximated,
as in Hogg & Lang (2013, PASP 125, 719), by a sum of concentric Gaussians with fixed widths and non-negative
weights fitted to the profile's curve of growth (enclosed light versus radius), which is what aperture photometry
and the concentration index measure. Widths are in units of the profile's half-light radius ``r_eff``; a
Gaussian convolved with a Gaussian PSF component is a Gaussian, so a source is rendered without FFTs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.optimize import nnls


@dataclass(frozen=True)
class Mixture:
    """Unit-flux circular Gaussian mixture: ``weights`` sum to 1, ``sigmas`` in units of r_eff."""

    name: str
    weights: np.ndarray
    sigmas: np.ndarray

    def enclosed(self, radius: np.ndarray | float) -> np.ndarray:
        """Fraction of the light inside ``radius`` (in units of r_eff), before PSF convolution."""
        r = np.asarray(radius, dtype=float)[..., None]
        with np.errstate(divide="ignore"):  # a zero-width component (a point) is all inside any radius
            return np.sum(self.weights * (1.0 - np.exp(-0.5 * (r / self.sigmas) ** 2)), axis=-1)


def fit_mixture(name: str, surface_brightness: Callable[[np.ndarray], np.ndarray], r_max: float,
                n_components: int = 16) -> Mixture:
    """Fit a Gaussian mixture to a truncated radial profile ``surface_brightness(r)`` for ``r <= r_max``.

    The curve of growth is integrated numerically, normalised inside ``r_max`` (the truncation radius) and
    fitted by non-negative least squares at log-spaced radii, so small and large radii weigh alike.
    """
    r = np.concatenate([[0.0], np.geomspace(r_max * 1e-5, r_max, 4000)])
    integrand = 2.0 * np.pi * r * surface_brightness(r)
    growth = np.concatenate([[0.0], np.cumsum(0.5 * (integrand[1:] + integrand[:-1]) * np.diff(r))])
    growth /= growth[-1]
    r_eff = float(np.interp(0.5, growth, r))
    radii = np.geomspace(r_max * 1e-3, r_max, 300) / r_eff
    target = np.interp(radii * r_eff, r, growth)
    sigmas = np.geomspace(radii[0], radii[-1] / 2.0, n_components)
    design = 1.0 - np.exp(-0.5 * (radii[:, None] / sigmas[None, :]) ** 2)
    weights, _ = nnls(design, target)
    keep = weights > 1e-5
    weights = weights[keep] / weights[keep].sum()
    return Mixture(name, weights, sigmas[keep])


def _eff(gamma: float, taper: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda r: (1.0 + r * r) ** (-gamma / 2.0) * np.exp(-0.5 * (r / taper) ** 2)


def _king(concentration: float) -> Callable[[np.ndarray], np.ndarray]:
    edge = 1.0 / np.sqrt(1.0 + concentration**2)
    return lambda r: np.clip(1.0 / np.sqrt(1.0 + r * r) - edge, 0.0, None) ** 2


def _sersic(n: float) -> Callable[[np.ndarray], np.ndarray]:
    b = 2.0 * n - 1.0 / 3.0 + 4.0 / (405.0 * n) + 46.0 / (25515.0 * n * n)  # Ciotti & Bertin (1999)
    return lambda r: np.exp(-b * (r ** (1.0 / n) - 1.0))


@cache
def profile(name: str) -> Mixture:
    """The named profile: ``eff`` (gamma 3, Gaussian taper at 8 core radii), ``king`` (c = 30), ``exp``, ``dev``."""
    if name == "eff":
        return fit_mixture(name, _eff(3.0, 8.0), 30.0)
    if name == "king":
        return fit_mixture(name, _king(30.0), 30.0)
    if name == "exp":
        return fit_mixture(name, _sersic(1.0), 5.0)
    if name == "dev":
        return fit_mixture(name, _sersic(4.0), 8.0)
    raise ValueError(f"unknown profile {name!r}: use eff, king, exp or dev")


POINT = Mixture("point", np.array([1.0]), np.array([0.0]))
"""A point source (a star): one zero-width component, the PSF alone."""
