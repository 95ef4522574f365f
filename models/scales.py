"""StarcNet's three scales of one cutout: the full window, its central 20 px and its central 11 px.

Each crop is resized back to the full size with ``torch.nn.functional.interpolate`` so that three identical
branches can look at the source's surroundings, its body and its core (Perez et al. 2021, StarcNet). Crops are
centred on index ``size // 2`` (the source pixel of :func:`models.cutouts.extract_cutouts`): for 32 px the
central 20 px are rows/cols 6..25 and the central 11 px are 11..21, as in StarcNet.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from models.errors import ConfigError

STARCNET_CROPS = (20, 11)


def central_crop(x: torch.Tensor, crop: int) -> torch.Tensor:
    """Central ``crop`` x ``crop`` window of a (B, C, H, W) batch, anchored at index ``H // 2``."""
    h, w = x.shape[-2:]
    if crop > min(h, w) or crop < 1:
        raise ConfigError(f"crop of {crop} px does not fit in a {h}x{w} cutout")
    r0 = h // 2 - crop // 2
    c0 = w // 2 - crop // 2
    return x[..., r0 : r0 + crop, c0 : c0 + crop]


def multi_scale(
    x: torch.Tensor, crops: Sequence[int] = STARCNET_CROPS, mode: str = "bilinear"
) -> list[torch.Tensor]:
    """``[x, resize(crop_1), resize(crop_2), ...]``, every view the size of ``x`` (B, C, H, W)."""
    size = tuple(x.shape[-2:])
    views = [x]
    for crop in crops:
        c = central_crop(x, crop)
        kwargs = {"align_corners": False} if mode in ("bilinear", "bicubic") else {}
        views.append(F.interpolate(c, size=size, mode=mode, **kwargs))
    return views
