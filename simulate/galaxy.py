"""The diffuse light of the simulated galaxy: exponential disc, bulge, spiral arms, clumps and dust lanes.

A LEGUS-like pointing (162" = 4096 px at 0.04"/px, 6.3 kpc at 8 Mpc) covers the inner part of a nearby spiral,
so the galaxy is laid out in physical units and projected with the pixel scale of the chosen distance: an
inclined exponential disc (scale length 2 kpc) with a Sersic bulge, a two-armed logarithmic spiral (pitch 18 deg)
whose young light is clumpy and blue, and dust lanes on the arms' inner edges plus a smooth dusty disc. Dust
attenuates the diffuse light as a foreground screen, tau_band = tau_V * A_band / A_V (Cardelli et al. 1989), so
lanes are darkest in the UV. Stellar-population colours of each component are typical of spiral discs (old disc
and bulge red, arm light blue), normalised to central V surface brightnesses in mag/arcsec^2.

Coordinates: 0-based pixel (x, y) of the numpy / astropy origin-0 convention; the same functions give the full
image and the low-resolution density maps that place the sources along the arms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from simulate.bands import BANDS, PIXEL_SCALE_ARCSEC, parsec_per_pixel

# colour of each component relative to V (mag), in band order F275W, F336W, F435W, F555W, F814W
DISC_COLOURS = np.array([3.0, 2.0, 0.85, 0.0, -1.05])
BULGE_COLOURS = np.array([3.8, 2.5, 1.0, 0.0, -1.2])
ARM_COLOURS = np.array([-1.4, -0.9, 0.1, 0.0, -0.4])
DISC_MU_V = 20.9
BULGE_MU_V = 19.6
ARM_MU_V = 21.3


@dataclass(frozen=True)
class GalaxyGeometry:
    """Placement and shape of the galaxy in 0-based pixels of an image of side ``size``."""

    size: int
    pc_per_px: float
    centre_x: float
    centre_y: float
    position_angle: float = math.radians(28.0)
    inclination: float = math.radians(35.0)
    disc_scale_pc: float = 2000.0
    bulge_reff_pc: float = 450.0
    arm_pitch: float = math.radians(18.0)
    arm_phase: float = 0.6
    lane_offset: float = -0.45
    tau_lane: float = 1.2
    tau_disc: float = 0.35

    @classmethod
    def for_field(cls, size: int, distance_mpc: float) -> GalaxyGeometry:
        """The galaxy centre a little off the field centre, as in a LEGUS pointing on one side of a disc."""
        return cls(size=size, pc_per_px=parsec_per_pixel(distance_mpc), centre_x=0.38 * size, centre_y=0.56 * size)

    def polar(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """De-projected radius (pc) and azimuth (rad) in the disc plane of 0-based pixel positions."""
        dx, dy = x - self.centre_x, y - self.centre_y
        c, s = math.cos(self.position_angle), math.sin(self.position_angle)
        major = (dx * c + dy * s) * self.pc_per_px
        minor = (-dx * s + dy * c) * self.pc_per_px / math.cos(self.inclination)
        return np.hypot(major, minor), np.arctan2(minor, major)

    def components(self, x: np.ndarray, y: np.ndarray, clumps: np.ndarray | float = 1.0,
                   filaments: np.ndarray | float = 1.0) -> dict[str, np.ndarray]:
        """Disc, bulge and arm light (relative units, 1 at their reference points) and tau_V of the dust."""
        radius, azimuth = self.polar(x, y)
        radius = np.maximum(radius, 1.0)
        disc = np.exp(-radius / self.disc_scale_pc)
        bulge = np.exp(-3.67 * ((radius / self.bulge_reff_pc) ** 0.5 - 1.0))  # Sersic n = 2
        bulge = np.minimum(bulge, 30.0)
        phase = azimuth - np.log(radius / 1000.0) / math.tan(self.arm_pitch) - self.arm_phase
        envelope = (1.0 - np.exp(-((radius / 900.0) ** 2))) * np.exp(-radius / 4000.0)
        arms = ((1.0 + np.cos(2.0 * phase)) / 2.0) ** 8 * envelope
        lanes = ((1.0 + np.cos(2.0 * (phase - self.lane_offset))) / 2.0) ** 16 * envelope
        tau = self.tau_lane * lanes * filaments + self.tau_disc * disc
        return {"disc": disc, "bulge": bulge, "arms": arms * clumps, "tau_v": tau}


def _smooth_noise(shape: tuple[int, int], scale_px: float, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance Gaussian random field correlated over ``scale_px`` pixels (at most a quarter of the map,
    so that tiny maps still vary instead of blowing up a near-constant field)."""
    field = gaussian_filter(rng.standard_normal(shape), min(scale_px, shape[0] / 4.0), mode="wrap")
    return field / max(float(field.std()), 1e-6)


def _surface_rate(mu_v: float, colours: np.ndarray) -> np.ndarray:
    """Per-band e-/s per pixel of a surface brightness mu_V (mag/arcsec^2) with the given colours."""
    pixel_area = PIXEL_SCALE_ARCSEC**2
    return np.array([band.rate(mu_v + colour) * pixel_area for band, colour in zip(BANDS, colours, strict=True)])


def texture_maps(geometry: GalaxyGeometry, rng: np.random.Generator, factor: int = 8) -> tuple[np.ndarray, ...]:
    """Lognormal clump and dust-filament fields at 1/``factor`` resolution (multiplicative, mean ~1)."""
    low = max(geometry.size // factor, 8)
    clump_scale = max(60.0 / geometry.pc_per_px / factor, 1.0)
    clumps = np.exp(0.8 * _smooth_noise((low, low), clump_scale, rng) - 0.32)
    fine = _smooth_noise((low, low), max(clump_scale * 0.3, 0.7), rng)
    filaments = np.exp(0.35 * (_smooth_noise((low, low), clump_scale, rng) + fine) - 0.12)
    return clumps.astype(np.float32), filaments.astype(np.float32)


def _bilinear(field: np.ndarray, size: int, rows: slice) -> np.ndarray:
    """Rows ``rows`` of ``field`` (a square low-resolution map) bilinearly resampled to ``size`` x ``size``."""
    low = field.shape[0]

    def weights(coords: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        u = np.clip((coords + 0.5) * low / size - 0.5, 0.0, low - 1.0)
        i0 = np.minimum(np.floor(u).astype(int), low - 2)
        return i0, i0 + 1, (u - i0).astype(np.float32)

    y0, y1, wy = weights(np.arange(rows.start, rows.stop, dtype=np.float64))
    x0, x1, wx = weights(np.arange(size, dtype=np.float64))
    band_rows = field[y0] * (1.0 - wy[:, None]) + field[y1] * wy[:, None]
    return band_rows[:, x0] * (1.0 - wx) + band_rows[:, x1] * wx


def diffuse_light(geometry: GalaxyGeometry, rng: np.random.Generator, block: int = 256) -> np.ndarray:
    """(5, size, size) float32 noiseless diffuse light in e-/s per pixel, dust-attenuated per band.

    Computed in blocks of rows so that the temporaries stay small (fast on a 4096 x 4096 field).
    """
    size = geometry.size
    clumps_low, filaments_low = texture_maps(geometry, rng)
    rates = [_surface_rate(mu, colours).tolist() for mu, colours in  # Python floats keep float32 maths
             ((DISC_MU_V, DISC_COLOURS), (BULGE_MU_V, BULGE_COLOURS), (ARM_MU_V, ARM_COLOURS))]
    stack = np.empty((len(BANDS), size, size), dtype=np.float32)
    xx = np.arange(size, dtype=np.float32)[None, :]
    for start in range(0, size, block):
        rows = slice(start, min(start + block, size))
        yy = np.arange(rows.start, rows.stop, dtype=np.float32)[:, None]
        parts = geometry.components(xx, yy, _bilinear(clumps_low, size, rows), _bilinear(filaments_low, size, rows))
        for index, band in enumerate(BANDS):
            light = rates[0][index] * parts["disc"] + rates[1][index] * parts["bulge"]
            light += rates[2][index] * parts["arms"]
            stack[index, rows] = light * np.exp(-band.extinction_ratio * parts["tau_v"])
    return stack


def placement_density(geometry: GalaxyGeometry, rng: np.random.Generator, factor: int = 16) -> dict[str, np.ndarray]:
    """Low-resolution maps (1/``factor``) of where young (arm) and old (disc) sources lie, each summing to 1."""
    low = max(geometry.size // factor, 4)
    centres = (np.arange(low, dtype=np.float64) + 0.5) * geometry.size / low - 0.5
    yy, xx = np.meshgrid(centres, centres, indexing="ij")
    clumps = np.exp(1.0 * _smooth_noise((low, low), max(3.0 * 16 / factor, 1.0), rng) - 0.5)
    parts = geometry.components(xx, yy, clumps)
    young = parts["arms"] ** 1.5 + 0.03 * parts["disc"]
    old = parts["disc"] + 0.2 * parts["bulge"]
    return {"young": young / young.sum(), "old": old / old.sum()}


def sample_positions(density: np.ndarray, n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) 0-based (x, y) drawn from a low-resolution density map covering the whole field."""
    low = density.shape[0]
    cells = rng.choice(density.size, size=n, p=density.ravel())
    row, col = np.divmod(cells, low)
    cell = size / low
    x = (col + rng.random(n)) * cell - 0.5
    y = (row + rng.random(n)) * cell - 0.5
    return np.clip(np.stack([x, y], axis=1), 0.0, size - 1.0)
