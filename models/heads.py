"""MLP heads declared as data (lightly's habit): a head is a list of ``[in, out, norm, activation]`` layers.

BYOL's projector and predictor are both 256-256 here (hidden 256, output 256): the paper's appendix found the
default 4096-256 projector does not train with a 256-d encoder and 256-256 works best (Table C.1a).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from models.errors import ConfigError

LayerSpec = Sequence  # [in_dim, out_dim, norm ("batch_norm" | None), activation ("relu" | None)]

BYOL_PROJECTOR: list[list] = [[256, 256, "batch_norm", "relu"], [256, 256, None, None]]
BYOL_PREDICTOR: list[list] = [[256, 256, "batch_norm", "relu"], [256, 256, None, None]]

_NORMS: dict[str | None, Any] = {None: None, "batch_norm": nn.BatchNorm1d, "layer_norm": nn.LayerNorm}
_ACTIVATIONS: dict[str | None, Any] = {None: None, "relu": nn.ReLU, "gelu": nn.GELU}


def build_head(layers: Sequence[LayerSpec]) -> nn.Sequential:
    """``nn.Sequential`` of Linear (+ norm + activation) blocks from a layer list (:data:`BYOL_PROJECTOR`)."""
    if not layers:
        raise ConfigError("a head needs at least one layer [in_dim, out_dim, norm, activation]")
    modules: list[nn.Module] = []
    previous_out: int | None = None
    for i, layer in enumerate(layers):
        if len(layer) != 4:
            raise ConfigError(f"head layer {i} is {layer!r}: expected [in_dim, out_dim, norm, activation]")
        d_in, d_out, norm, act = int(layer[0]), int(layer[1]), layer[2], layer[3]
        if previous_out is not None and d_in != previous_out:
            raise ConfigError(f"head layer {i} takes {d_in} inputs but layer {i - 1} gives {previous_out}")
        if norm not in _NORMS or act not in _ACTIVATIONS:
            raise ConfigError(
                f"head layer {i}: norm {norm!r} / activation {act!r} unknown; "
                f"norms {list(_NORMS)}, activations {list(_ACTIVATIONS)}"
            )
        modules.append(nn.Linear(d_in, d_out, bias=norm is None))
        if norm is not None:
            modules.append(_NORMS[norm](d_out))
        if act is not None:
            modules.append(_ACTIVATIONS[act]())
        previous_out = d_out
    return nn.Sequential(*modules)


def resize_head(layers: Sequence[LayerSpec], in_dim: int) -> list[list]:
    """Copy of ``layers`` whose first layer takes ``in_dim`` inputs (to fit an encoder of another width)."""
    out = [list(layer) for layer in layers]
    out[0][0] = int(in_dim)
    return out
