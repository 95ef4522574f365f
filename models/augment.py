"""BYOL augmentations for multi-band cutouts, as plain callables on (B, bands, H, W) batches (GPU-friendly).

The paper's Table C.1 (Perez et al., Appendix C) adapted to five bands; the probabilities and strengths are
data (:data:`BYOL_AUGMENTATION`, overridable per run from the training config):

- random resized crop with scale (0.5, 1.0), always (smaller crops put a neighbour at the centre and did not
  train, Table C.1c); flips and 90-degree rotations (the sky has no up); shifts of a pixel or two;
- colour jitter with probability 0.3: brightness 0.8, contrast 0.8 and per-band flux jitter (the RGB
  saturation and hue, Table C.1b), see :class:`models.augment_photometric.ColourJitter`;
- grayscale with probability 0.3: every band replaced by the band mean (Table C.1d);
- PSF-width jitter (BYOL's Gaussian blur) and Gaussian noise, each with its probability.

An earlier version left colour jitter and grayscale out "to keep the age-colour signal": the paper does the
opposite, and without them the two views were nearly identical (the BYOL loss fell to 0.06 and the
embedding learnt brightness, not shape). Colour is still seen by the probe, which gets unaugmented cutouts.
Inputs are linear noise units (see :mod:`models.normalise`); the encoder applies the asinh stretch.

Every callable takes ``(x, generator)``; pass a seeded ``torch.Generator`` on ``x``'s device for reproducible
views. Per-sample randomness is drawn in one call per batch (no Python loop over samples).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from models.augment_photometric import ColourJitter, Grayscale, PSFJitter
from models.errors import ConfigError

Augmentation = Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]


def _uniform(n: int, lo: float, hi: float, x: torch.Tensor, g: torch.Generator | None, cols: int = 1):
    u = torch.rand((n, cols), generator=g, device=x.device, dtype=torch.float32)
    return (lo + (hi - lo) * u).squeeze(1) if cols == 1 else lo + (hi - lo) * u


def _apply_mask(mask: torch.Tensor, new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    return torch.where(mask.view(-1, *([1] * (old.dim() - 1))), new, old)


@dataclass(frozen=True)
class RandomResizedCrop:
    """Crop a random window of ``scale`` x the area and aspect ``ratio``, resized back to the input size."""

    scale: tuple[float, float] = (0.5, 1.0)
    ratio: tuple[float, float] = (3 / 4, 4 / 3)
    p: float = 1.0

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n = x.shape[0]
        area = _uniform(n, *self.scale, x, generator)
        log_r = _uniform(n, math.log(self.ratio[0]), math.log(self.ratio[1]), x, generator)
        w = torch.sqrt(area * torch.exp(log_r)).clamp(max=1.0)  # half-extents in normalised [-1, 1] units
        h = torch.sqrt(area / torch.exp(log_r)).clamp(max=1.0)
        cx = (1.0 - w) * (2.0 * torch.rand(n, generator=generator, device=x.device) - 1.0)
        cy = (1.0 - h) * (2.0 * torch.rand(n, generator=generator, device=x.device) - 1.0)
        keep = torch.rand(n, generator=generator, device=x.device) >= self.p
        one, zero = torch.ones_like(w), torch.zeros_like(w)
        w, h = torch.where(keep, one, w), torch.where(keep, one, h)
        cx, cy = torch.where(keep, zero, cx), torch.where(keep, zero, cy)
        theta = torch.stack([torch.stack([w, zero, cx], 1), torch.stack([zero, h, cy], 1)], 1)
        grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


@dataclass(frozen=True)
class RandomFlipRotate:
    """One of the 8 symmetries of the square (optional horizontal flip, then k x 90 degrees), per sample."""

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n = x.shape[0]
        flip = torch.rand(n, generator=generator, device=x.device) < 0.5
        k = torch.randint(0, 4, (n,), generator=generator, device=x.device)
        out = _apply_mask(flip, x.flip(-1), x)
        if x.shape[-1] != x.shape[-2]:
            raise ValueError(f"flips and rotations need square cutouts, got {tuple(x.shape[-2:])}")
        rotated = out.clone()
        for turns in (1, 2, 3):  # rotate only the samples that turn (a quarter each), not the whole batch
            idx = torch.nonzero(k == turns).flatten()
            if idx.numel():
                rotated[idx] = torch.rot90(out[idx], turns, dims=(-2, -1))
        return rotated


@dataclass(frozen=True)
class RandomShift:
    """Integer shift of up to ``max_shift`` pixels in x and y, zero-filled (a mis-centred detection)."""

    max_shift: int = 2

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        if self.max_shift <= 0:
            return x
        n, _, height, width = x.shape
        s = self.max_shift
        d = torch.randint(-s, s + 1, (n, 2), generator=generator, device=x.device)
        padded = F.pad(x, (s, s, s, s))
        rows = (torch.arange(height, device=x.device)[None, :] + s - d[:, :1])[:, :, None]  # (n, H, 1)
        cols = (torch.arange(width, device=x.device)[None, :] + s - d[:, 1:])[:, None, :]  # (n, 1, W)
        batch = torch.arange(n, device=x.device)[:, None, None]
        return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2).contiguous()


@dataclass(frozen=True)
class GaussianNoise:
    """Add N(0, sigma^2) noise, sigma drawn per sample from ``sigma`` (noise units: 1 = the image's noise)."""

    sigma: tuple[float, float] = (0.0, 0.5)
    p: float = 0.5

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n = x.shape[0]
        sig = _uniform(n, *self.sigma, x, generator)
        sig = torch.where(torch.rand(n, generator=generator, device=x.device) < self.p, sig, 0.0)
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return x + sig.view(-1, 1, 1, 1).to(x.dtype) * noise


@dataclass(frozen=True)
class BandFluxScale:
    """Multiply each band by ``1 + U(-amount, amount)`` per sample: calibration error, not a colour change.

    With the default 3 %, a ratio between two bands moves by at most about 6 %: the age-colour signal
    survives.
    """

    amount: float = 0.03

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        factors = _uniform(x.shape[0], 1.0 - self.amount, 1.0 + self.amount, x, generator, cols=x.shape[1])
        return x * factors[:, :, None, None].to(x.dtype)


@dataclass(frozen=True)
class SurroundSwap:
    """With probability ``p``, keep a source's core and take its surroundings from another cutout of the batch.

    Pixels within ``radius`` px of the centre are kept, those beyond ``radius + taper`` come from a randomly
    chosen other sample, with a linear blend between (no seam). Each view draws its own partner, so the two views
    of a source share its core but not its neighbours: BYOL cannot tell instances apart by the field around them
    and must encode the source itself. Inputs are noise units with the sky at zero; the blend of two independent
    noise fields lowers the noise by at most a factor of sqrt(2) in the taper ring and keeps it outside.
    """

    radius: float = 6.0
    taper: float = 2.0
    p: float = 0.0

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n, _, height, width = x.shape
        if n < 2 or self.p <= 0:
            return x
        # a partner other than oneself: a random non-zero offset in a random permutation's cycle
        shift = torch.randint(1, n, (n,), generator=generator, device=x.device)
        partner = (torch.arange(n, device=x.device) + shift) % n
        ys = torch.arange(height, device=x.device, dtype=x.dtype) - height // 2
        xs = torch.arange(width, device=x.device, dtype=x.dtype) - width // 2
        r = torch.sqrt(ys[:, None] ** 2 + xs[None, :] ** 2)
        keep = ((self.radius + self.taper - r) / max(self.taper, 1e-6)).clamp(0.0, 1.0)  # 1 in the core, 0 beyond
        swapped = keep * x + (1.0 - keep) * x[partner]
        return _apply_mask(torch.rand(n, generator=generator, device=x.device) < self.p, swapped, x)


@dataclass(frozen=True)
class Compose:
    """Apply ``transforms`` in order with one generator."""

    transforms: Sequence[Augmentation]

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        for t in self.transforms:
            x = t(x, generator)
        return x


BYOL_AUGMENTATION: dict = {
    "crop_scale": [0.5, 1.0], "crop_ratio": [0.75, 4 / 3], "crop_p": 1.0, "flip_rotate": True, "max_shift": 2,
    "jitter_p": 0.3, "brightness": 0.8, "contrast": 0.8, "band_jitter": 0.3, "grayscale_p": 0.3,
    "psf_sigma": [0.3, 1.0], "psf_p": 0.3, "noise_sigma": [0.0, 1.0], "noise_p": 0.5, "band_scale": 0.03,
    "swap_p": 0.0, "swap_radius": 6.0,
}
"""Table C.1's best model on five bands: jitter p 0.3 (brightness, contrast 0.8; ``band_jitter`` 0.3 as
``exp(U(-0.3, 0.3))`` per band, the saturation / hue analogue), grayscale p 0.3, crop (0.5, 1).
``swap_p`` / ``swap_radius`` (:class:`SurroundSwap`, not in the paper) are off by default."""


def build_augmentation(config: dict | None = None) -> Compose:
    """The BYOL view pipeline from a JSON-able config (keys of :data:`BYOL_AUGMENTATION`; missing: default).

    Order: surroundings swap, crop, flip/rotate, shift, colour jitter, grayscale, per-band calibration scale,
    PSF-width jitter, noise (last, so neither the crop nor the blur resamples it).
    """
    c = {**BYOL_AUGMENTATION, **(config or {})}
    unknown = set(c) - set(BYOL_AUGMENTATION)
    if unknown:
        raise ConfigError(f"unknown augmentation keys {sorted(unknown)}: use {sorted(BYOL_AUGMENTATION)}")
    crop = RandomResizedCrop(tuple(c["crop_scale"]), tuple(c["crop_ratio"]), float(c["crop_p"]))
    steps: list[Augmentation] = []
    if float(c["swap_p"]) > 0:
        steps.append(SurroundSwap(float(c["swap_radius"]), p=float(c["swap_p"])))
    steps.append(crop)
    if c["flip_rotate"]:
        steps.append(RandomFlipRotate())
    steps.append(RandomShift(int(c["max_shift"])))
    steps.append(ColourJitter(float(c["brightness"]), float(c["contrast"]), float(c["band_jitter"]),
                              float(c["jitter_p"])))
    steps.append(Grayscale(float(c["grayscale_p"])))
    steps.append(BandFluxScale(float(c["band_scale"])))
    steps.append(PSFJitter(tuple(c["psf_sigma"]), float(c["psf_p"])))
    steps.append(GaussianNoise(tuple(c["noise_sigma"]), float(c["noise_p"])))
    return Compose(steps)
