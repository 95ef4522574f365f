"""Heads declared as data: BYOL's 256-256 projector and predictor."""

from __future__ import annotations

import pytest
import torch

from models.errors import ConfigError
from models.heads import BYOL_PREDICTOR, BYOL_PROJECTOR, build_head, resize_head


def test_byol_heads_are_256_hidden_256_out() -> None:
    for spec in (BYOL_PROJECTOR, BYOL_PREDICTOR):
        head = build_head(spec)
        assert head(torch.randn(4, 256)).shape == (4, 256)
        assert [m.out_features for m in head if isinstance(m, torch.nn.Linear)] == [256, 256]


def test_resize_head_changes_only_the_input() -> None:
    spec = resize_head(BYOL_PROJECTOR, 64)
    assert spec[0][0] == 64 and spec[1] == BYOL_PROJECTOR[1] and BYOL_PROJECTOR[0][0] == 256


def test_inconsistent_layers_are_refused() -> None:
    with pytest.raises(ConfigError, match="takes 128 inputs but layer 0 gives 256"):
        build_head([[256, 256, None, "relu"], [128, 64, None, None]])
    with pytest.raises(ConfigError, match="unknown"):
        build_head([[8, 8, "group_norm", None]])
