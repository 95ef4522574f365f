"""Rendering sources into postage stamps and adding them to the band stack.

Pixel convention: numpy / astropy origin 0, pixel (i, j) centred on x = j, y = i and covering +-0.5 around it
(sep uses the same convention). A source component is a Gaussian mixture (its profile) convolved analytically
with each band's PSF mixture; integration over the square pixel is approximated by adding the variance of a unit
box, 1/12 px^2, to every Gaussian. Gaussians whose peak lies below a per-band floor (a small fraction of the
pixel noise) are dropped and each stamp is only as large as its brightest Gaussian needs, so faint sources cost
little and bright stars get long wings and spikes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulate.profiles import Mixture
from simulate.psf import psf_set

PIXEL_VARIANCE = 1.0 / 12.0
TINY_VARIANCE = 0.3**2
"""Profile Gaussians narrower than 0.3 px (sd) are merged into one."""
BROAD_VARIANCE = 2.0**2
"""Profile Gaussians wider than 2 px (minor-axis sd) see the coarse two-Gaussian PSF."""


@dataclass(frozen=True)
class Component:
    """One light component: offset (px) from its source's position, profile, size (r_eff px), axis ratio,
    position angle (rad, from +x towards +y), per-band flux (e-/s) and whether its PSF has spikes."""

    dx: float
    dy: float
    mixture: Mixture
    r_eff: float
    q: float
    theta: float
    fluxes: np.ndarray
    spikes: bool = False


@dataclass(frozen=True)
class Gaussians:
    """Flat list of 2-D Gaussians: band index, integrated flux, centre offset and covariance of each."""

    band: np.ndarray
    flux: np.ndarray
    cx: np.ndarray
    cy: np.ndarray
    cov: np.ndarray


def _profile_terms(component: Component) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weights, covariances (K, 2, 2) and minor-axis variances of the component's profile Gaussians.

    Components narrower than :data:`TINY_VARIANCE` are merged into one of the same second moment: convolved with
    the PSF they are indistinguishable, and it saves work.
    """
    mix = component.mixture
    variance = (mix.sigmas * component.r_eff) ** 2
    weights = mix.weights
    tiny = variance < TINY_VARIANCE
    if tiny.sum() > 1:
        merged = float(np.sum(weights[tiny] * variance[tiny]) / weights[tiny].sum())
        weights = np.concatenate([[weights[tiny].sum()], weights[~tiny]])
        variance = np.concatenate([[merged], variance[~tiny]])
    c, s = math.cos(component.theta), math.sin(component.theta)
    rot = np.array([[c, -s], [s, c]])
    shape = np.eye(2) if component.q == 1.0 else rot @ np.diag([1.0, component.q**2]) @ rot.T
    return weights, variance[:, None, None] * shape[None], variance * component.q**2


def component_gaussians(component: Component) -> Gaussians:
    """Every (band, profile Gaussian, PSF Gaussian) product of one component, with its covariance.

    Profile Gaussians broader than :data:`BROAD_VARIANCE` (minor axis) are convolved with the two-Gaussian
    moment-matched version of the PSF (:func:`simulate.psf.coarse_psf`): the PSF's fine structure is
    lost in them anyway. Bands where the component has no flux get no Gaussians.
    """
    weights, covs, minor = _profile_terms(component)
    broad = minor > BROAD_VARIANCE
    fluxes = np.asarray(component.fluxes, dtype=float)
    parts = []
    for chosen, psfs in ((~broad, psf_set(component.spikes)), (broad, psf_set(component.spikes, coarse=True))):
        if not chosen.any():
            continue
        cov = covs[chosen][None, :, None] + psfs.covs[:, None, :] + PIXEL_VARIANCE * np.eye(2)  # (B, K, J, 2, 2)
        flux = fluxes[:, None, None] * weights[chosen][None, :, None] * psfs.weights[:, None, :]
        band = np.broadcast_to(np.arange(fluxes.size)[:, None, None], flux.shape)
        keep = flux.ravel() > 0
        n = int(keep.sum())
        parts.append(Gaussians(band.ravel()[keep], flux.ravel()[keep], np.full(n, component.dx),
                               np.full(n, component.dy), cov.reshape(-1, 2, 2)[keep]))
    if not parts:
        return Gaussians(np.zeros(0, int), np.zeros(0), np.zeros(0), np.zeros(0), np.zeros((0, 2, 2)))
    return merge(parts)


def merge(parts: list[Gaussians]) -> Gaussians:
    """Concatenate the Gaussians of several components of one source."""
    return Gaussians(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("band", "flux", "cx", "cy", "cov")))


def render(x: float, y: float, gaussians: Gaussians, n_bands: int, floor: np.ndarray,
           max_half: int = 150, half: int | None = None) -> tuple[int, int, np.ndarray] | None:
    """Stamp (n_bands, h, w) of the Gaussians around (x, y) and its origin (x0, y0) in the image, or None.

    ``floor`` (per band, e-/s/px) drops Gaussians whose peak is fainter and sets the stamp size where the
    brightest remaining one falls to the floor; ``half`` forces the half-size instead (floor 0 keeps all).
    """
    det = gaussians.cov[:, 0, 0] * gaussians.cov[:, 1, 1] - gaussians.cov[:, 0, 1] ** 2
    peak = gaussians.flux / (2.0 * math.pi * np.sqrt(det))
    level = floor[gaussians.band]
    keep = peak > level
    if not keep.any():
        return None
    g_band, g_flux, g_peak = gaussians.band[keep], gaussians.flux[keep], peak[keep]
    g_cx, g_cy, g_cov, g_det = gaussians.cx[keep], gaussians.cy[keep], gaussians.cov[keep], det[keep]
    major = 0.5 * (g_cov[:, 0, 0] + g_cov[:, 1, 1]) + np.sqrt(
        0.25 * (g_cov[:, 0, 0] - g_cov[:, 1, 1]) ** 2 + g_cov[:, 0, 1] ** 2)
    ratio = np.where(level[keep] > 0, g_peak / np.maximum(level[keep], 1e-30), 1e4)
    reach = np.sqrt(2.0 * major * np.log(np.maximum(ratio, 1.0))) + np.hypot(g_cx, g_cy)
    if half is None:
        half = int(min(max(math.ceil(reach.max()), 3), max_half))
    ix, iy = int(round(x)), int(round(y))
    offsets = np.arange(-half, half + 1, dtype=float)
    gx = (ix - x) + offsets[None, :] - g_cx[:, None]  # (G, W)
    gy = (iy - y) + offsets[None, :] - g_cy[:, None]  # (G, H)
    norm = g_flux / (2.0 * math.pi * np.sqrt(g_det))
    stamp = np.zeros((n_bands, offsets.size, offsets.size))
    round_ = (g_cov[:, 0, 1] == 0) & (g_cov[:, 0, 0] == g_cov[:, 1, 1])
    if round_.any():  # circular Gaussians are separable: a sum of outer products (einsum: no BLAS threads,
        var = g_cov[round_, 0, 0][:, None]  # which cost more than they save on such small products)
        ex = np.exp(-0.5 * gx[round_] ** 2 / var)
        ey = np.exp(-0.5 * gy[round_] ** 2 / var) * norm[round_, None]
        for band in np.unique(g_band[round_]):
            sel = g_band[round_] == band
            stamp[band] += np.einsum("gh,gw->hw", ey[sel], ex[sel])
    # tilted Gaussians are evaluated on windows just large enough for them (most are small)
    lower = 0
    for window in (4, 8, 16, 32, 64, half):
        window = min(window, half)
        chosen = ~round_ & (reach > lower) & (reach <= window if window < half else True)
        lower = window
        if chosen.any():
            _add_tilted(stamp, half, window, gx[chosen], gy[chosen], g_cov[chosen], g_det[chosen],
                        norm[chosen], g_band[chosen])
        if window == half:
            break
    return ix - half, iy - half, stamp


def render_window(x: float, y: float, gaussians: Gaussians, n_bands: int, half: int) -> tuple[int, int, np.ndarray]:
    """Stamp of all the Gaussians (no floor) on a fixed (2 half + 1)^2 window around (x, y)."""
    stamp = render(x, y, gaussians, n_bands, np.zeros(n_bands), half=half)
    if stamp is None:
        raise ValueError("nothing to render: every Gaussian has zero flux")
    return stamp


def _add_tilted(stamp: np.ndarray, half: int, window: int, gx: np.ndarray, gy: np.ndarray, cov: np.ndarray,
                det: np.ndarray, norm: np.ndarray, bands: np.ndarray) -> None:
    """Add general (rotated, elongated) Gaussians on the central (2 window + 1)^2 pixels of the stamp."""
    cut = slice(half - window, half + window + 1)
    gxx = gx[:, None, cut].astype(np.float32)
    gyy = gy[:, cut, None].astype(np.float32)
    a, b, c = ((m / det).astype(np.float32)[:, None, None] for m in (-0.5 * cov[:, 1, 1], cov[:, 0, 1],
                                                                     -0.5 * cov[:, 0, 0]))
    quad = a * gxx * gxx + c * gyy * gyy
    quad += b * gxx * gyy
    values = np.exp(quad) * norm.astype(np.float32)[:, None, None]
    for band in np.unique(bands):
        stamp[band, cut, cut] += values[bands == band].sum(axis=0)


def add_stamp(stack: np.ndarray, x0: int, y0: int, stamp: np.ndarray) -> None:
    """Add a (bands, h, w) stamp into the (bands, ny, nx) stack at origin (x0, y0), clipped to the image."""
    _, ny, nx = stack.shape
    h, w = stamp.shape[1:]
    xa, ya = max(x0, 0), max(y0, 0)
    xb, yb = min(x0 + w, nx), min(y0 + h, ny)
    if xa >= xb or ya >= yb:
        return
    stack[:, ya:yb, xa:xb] += stamp[:, ya - y0:yb - y0, xa - x0:xb - x0]
