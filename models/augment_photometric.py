"""Photometric BYOL augmentations for five-band cutouts: the paper's Table C.1 colour jitter and grayscale,
adapted from RGB to HST bands, and a PSF-width jitter (BYOL's Gaussian blur).

Perez et al., Appendix C, Table C.1: the best model (76.0 %) applies colour jitter with probability 0.3
(brightness 0.8, contrast 0.8, saturation 0.8, hue 0.3) and grayscale with probability 0.3; weaker jitter
(0.5) "was not able to train". On five linear flux bands:

- *brightness*: every band times one factor ``U(1 - b, 1 + b)`` (the source's total flux);
- *contrast*: ``mean + c (x - mean)`` per band with one ``c ~ U(1 - c, 1 + c)`` (the profile's peakiness
  against its surroundings);
- *saturation / hue* become per-band flux jitter: each band times its own ``exp(U(-h, h))``, a colour change;
- *grayscale*: every band replaced by the mean of the bands (colour removed, morphology kept);
- *PSF-width jitter*: a Gaussian blur of ``sigma ~ U(lo, hi)`` px (seeing / focus differences between
  visits), applied with its own probability.

So views disagree about brightness and colour and the encoder must match them by shape: the point of
making the BYOL task hard enough (a loss falling to 0.06 meant nearly identical views). Every callable
takes ``(x, generator)`` on (B, bands, H, W) noise-unit batches; randomness is drawn per sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def _rand(shape: tuple[int, ...], x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    return torch.rand(shape, generator=g, device=x.device, dtype=torch.float32)


def _applied(p: float, x: torch.Tensor, g: torch.Generator | None) -> torch.Tensor:
    """(B, 1, 1, 1) bool: which samples get the augmentation (probability ``p``)."""
    return (_rand((x.shape[0],), x, g) < p).view(-1, 1, 1, 1)


@dataclass(frozen=True)
class ColourJitter:
    """Brightness, contrast and per-band flux (colour) jitter, together with probability ``p``."""

    brightness: float = 0.8
    contrast: float = 0.8
    band_jitter: float = 0.3
    p: float = 0.3

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n, bands = x.shape[:2]
        bright = 1.0 + self.brightness * (2.0 * _rand((n, 1, 1, 1), x, generator) - 1.0)
        contrast = 1.0 + self.contrast * (2.0 * _rand((n, 1, 1, 1), x, generator) - 1.0)
        colour = torch.exp(self.band_jitter * (2.0 * _rand((n, bands, 1, 1), x, generator) - 1.0))
        mean = x.mean(dim=(2, 3), keepdim=True)
        out = (mean + contrast.to(x.dtype) * (x - mean)) * (bright * colour).to(x.dtype)
        return torch.where(_applied(self.p, x, generator), out, x)


@dataclass(frozen=True)
class Grayscale:
    """Every band replaced by the mean of the bands, with probability ``p`` (Table C.1d: 0.3)."""

    p: float = 0.3

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        grey = x.mean(dim=1, keepdim=True).expand_as(x)
        return torch.where(_applied(self.p, x, generator), grey, x)


@dataclass(frozen=True)
class PSFJitter:
    """Gaussian blur of ``sigma ~ U(sigma)`` px with probability ``p``; flux-preserving (normalised kernel)."""

    sigma: tuple[float, float] = (0.3, 1.0)
    p: float = 0.3
    radius: int = 3

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        n, bands, height, width = x.shape
        lo, hi = self.sigma
        sig = lo + (hi - lo) * _rand((n,), x, generator)
        mask = _applied(self.p, x, generator)
        if self.p <= 0.0 or hi <= 0.0:
            return x
        r = self.radius
        axis = torch.arange(-r, r + 1, device=x.device, dtype=torch.float32)
        k1 = torch.exp(-(axis[None, :] ** 2) / (2.0 * sig.clamp(min=1e-3)[:, None] ** 2))
        k1 = k1 / k1.sum(dim=1, keepdim=True)  # (n, 2r+1)
        kernel = (k1[:, :, None] * k1[:, None, :]).to(x.dtype)  # (n, 2r+1, 2r+1)
        weight = kernel.repeat_interleave(bands, dim=0)[:, None]  # (n*bands, 1, k, k): one kernel per sample
        padded = F.pad(x.reshape(1, n * bands, height, width), (r, r, r, r), mode="replicate")
        blurred = F.conv2d(padded, weight, groups=n * bands).reshape(n, bands, height, width)
        return torch.where(mask, blurred, x)
