"""Per-band normalisation that survives the huge dynamic range of HST/JWST images.

Two steps, kept apart so that augmentations act on physical (linear) flux:

1. :meth:`BandNormalisation.to_noise_units` subtracts each band's background and divides by its robust noise
   sigma (1.4826 x the median absolute deviation, sigma-clipped), so 1.0 means "one noise sigma" in every band
   and colours between bands stay linear flux ratios.
2. :func:`asinh_stretch` compresses that to ``asinh(x / softening)``: linear within the noise, logarithmic for
   bright cores (Lupton et al. 1999 asinh magnitudes). Encoders apply it as their first, parameter-free step,
   and their spec holds the softening (one source of truth), so augmentations see linear flux.

The fitted numbers are plain data (:meth:`to_dict` is JSON-able) and are saved with every model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch

from models.errors import ConfigError

MAD_TO_SIGMA = 1.4826


def asinh_stretch(x: torch.Tensor, softening: float = 1.0) -> torch.Tensor:
    """``asinh(x / softening)``: the stretch from noise units to network input (odd, monotonic, NaN-free)."""
    return torch.asinh(x / softening)


REFERENCES = ("none", "peak")
PEAK_RANGE = 100.0  # "peak": the stretch stays linear down to 1/100 of the source's central level


def peak_softening(x: torch.Tensor, softening: float = 1.0, half: int = 1,
                   peak_range: float = PEAK_RANGE) -> torch.Tensor:
    """Per-cutout softening, (B, 1, 1, 1): ``max(softening, central level / peak_range)``.

    The central level is the brightest pixel of the band-mean cutout (noise units) within the central
    (2 half + 1)^2 box. Sources fainter than ``PEAK_RANGE`` noise sigma keep the global softening; a brighter
    one is stretched relative to its own peak, as an astronomer scales the display to each source, so its
    image reads as shape and colour (band ratios are untouched) without its overall brightness. The noise
    floor, divided by the larger softening, still shows its signal-to-noise.
    """
    h, w = x.shape[-2:]
    cy, cx = h // 2, w // 2
    core = x[..., cy - half:cy + half + 1, cx - half:cx + half + 1].mean(dim=-3)
    level = core.amax(dim=(-2, -1))
    return torch.clamp(level / peak_range, min=softening)[..., None, None, None]


def stretch_input(x: torch.Tensor, softening: float = 1.0, reference: str = "none",
                  peak_range: float = PEAK_RANGE) -> torch.Tensor:
    """The encoders' first, parameter-free step: the asinh stretch, its softening global or per-source peak."""
    if reference not in REFERENCES:
        raise ConfigError(f"encoder reference {reference!r} unknown: use one of {REFERENCES}")
    if reference == "peak":
        return torch.asinh(x / peak_softening(x, softening, peak_range=peak_range))
    return asinh_stretch(x, softening)


def _robust_background_sigma(values: np.ndarray, n_clip: int = 3) -> tuple[float, float]:
    """Median and MAD-sigma of ``values`` after ``n_clip`` rounds of 3-sigma clipping (sources: outliers)."""
    v = values[np.isfinite(values)].astype(np.float64)
    if v.size == 0:
        return 0.0, 0.0
    for _ in range(n_clip):
        med = float(np.median(v))
        sig = MAD_TO_SIGMA * float(np.median(np.abs(v - med)))
        if sig <= 0:
            break
        kept = v[np.abs(v - med) < 3.0 * sig]
        if kept.size == v.size or kept.size < 10:
            break
        v = kept
    med = float(np.median(v))
    return med, MAD_TO_SIGMA * float(np.median(np.abs(v - med)))


@dataclass(frozen=True)
class BandNormalisation:
    """Background and noise sigma per band, in the input flux units."""

    background: tuple[float, ...]
    sigma: tuple[float, ...]
    band_names: tuple[str, ...] | None = None

    @classmethod
    def fit(
        cls,
        bands: Sequence[np.ndarray] | np.ndarray,
        band_names: Sequence[str] | None = None,
        max_pixels: int = 1_000_000,
        seed: int = 0,
        valid: np.ndarray | None = None,
    ) -> BandNormalisation:
        """Fit from full band images (list of 2-D arrays) or from cutouts (N, bands, H, W).

        For cutouts pass their ``valid`` mask so the zero padding does not bias the background. At most
        ``max_pixels`` random pixels per band are used, so a 4096^2 band fits in a fraction of a second.
        """
        if isinstance(bands, np.ndarray) and bands.ndim == 4:
            stack = bands if valid is None else np.where(valid, bands, np.nan)
            per_band = [stack[:, b] for b in range(stack.shape[1])]
        else:
            per_band = [np.asarray(b) for b in bands]
        names = tuple(band_names) if band_names is not None else None
        rng = np.random.default_rng(seed)
        backgrounds, sigmas = [], []
        for i, arr in enumerate(per_band):
            flat = arr.reshape(-1)
            if flat.size > max_pixels:
                flat = flat[rng.integers(0, flat.size, max_pixels)]
            med, sig = _robust_background_sigma(flat)
            if not sig > 0:
                label = names[i] if names else f"band {i}"
                raise ConfigError(
                    f"{label} has zero or undefined noise (no finite pixels or a constant image): "
                    "cannot normalise it; drop the band or give its sigma explicitly"
                )
            backgrounds.append(med)
            sigmas.append(sig)
        return cls(tuple(backgrounds), tuple(sigmas), names)

    @property
    def n_bands(self) -> int:
        return len(self.sigma)

    def to_noise_units(self, cutouts: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """(N, bands, H, W) flux -> (flux - background) / sigma, float32; invalid pixels become 0."""
        data = np.asarray(cutouts, dtype=np.float32)
        if data.ndim != 4 or data.shape[1] != self.n_bands:
            raise ConfigError(
                f"cutouts have shape {data.shape}, the normalisation was fitted on {self.n_bands} bands: "
                "expected (N, bands, H, W) with the same bands in the same order"
            )
        bkg = np.asarray(self.background, dtype=np.float32)[None, :, None, None]
        sig = np.asarray(self.sigma, dtype=np.float32)[None, :, None, None]
        out = (data - bkg) / sig
        ok = np.isfinite(out) if valid is None else (valid & np.isfinite(out))
        return np.where(ok, out, np.float32(0.0)).astype(np.float32, copy=False)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["background"] = list(self.background)
        d["sigma"] = list(self.sigma)
        d["band_names"] = list(self.band_names) if self.band_names is not None else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> BandNormalisation:
        names = d.get("band_names")
        return cls(
            background=tuple(float(v) for v in d["background"]),
            sigma=tuple(float(v) for v in d["sigma"]),
            band_names=tuple(names) if names is not None else None,
        )
