"""StarcNet's three scales: central crops anchored on the source pixel, resized to the full size."""

from __future__ import annotations

import pytest
import torch

from models.errors import ConfigError
from models.scales import central_crop, multi_scale


def test_central_crops_match_starcnet_indices() -> None:
    x = torch.arange(32.0)[None, None, :, None].expand(1, 1, 32, 32)
    assert central_crop(x, 20)[0, 0, :, 0].tolist() == list(range(6, 26))
    assert central_crop(x, 11)[0, 0, :, 0].tolist() == list(range(11, 22))


def test_multi_scale_views_share_the_full_size() -> None:
    x = torch.randn(2, 5, 32, 32)
    views = multi_scale(x)
    assert len(views) == 3 and all(v.shape == x.shape for v in views)
    assert torch.equal(views[0], x)


def test_crop_larger_than_cutout_is_refused() -> None:
    with pytest.raises(ConfigError, match="does not fit"):
        central_crop(torch.zeros(1, 1, 8, 8), 11)
