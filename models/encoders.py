"""Encoders for multi-band cutouts, built from a spec that is plain data, so checkpoints can rebuild them.

Every encoder takes (B, bands, H, W) cutouts in **noise units** (see :mod:`models.normalise`), applies the
asinh stretch itself, and returns (B, out_dim) features -- 256-d by default, the size of f_theta(v) in
the paper's BYOL appendix (Perez et al., Appendix C).

- ``starcnet``: StarcNet (Perez et al. 2021): three identical conv branches for the full cutout, its central
  20 px and central 11 px (each resized to the full size), 4 convs, a 2x max-pool, 3 convs, GroupNorm and
  LeakyReLU, a fully connected layer per branch, the three concatenated and fused to ``out_dim``.
- ``resnet``: a small ResNet-style network (one basic block per stage, GroupNorm), much cheaper on a CPU.
  ``pool: "flatten"`` (the default) flattens the last feature map (4 x 4 for 32 px cutouts) into the
  linear head, so the embedding keeps *where* light sits relative to the centre: what tells an isolated
  compact cluster (class 1) from a multi-peak association (3). ``pool: "avg"`` is the classic global
  average pool, nearly blind to a shift (kept to read older checkpoints and for comparison).

Both take ``reference``: ``"none"`` (default) stretches every cutout with one softening; ``"peak"`` softens
a source brighter than ``peak_range`` noise sigma (default 100) at 1/``peak_range`` of its own central level
(:func:`models.normalise.peak_softening`), so its image reaches the network as shape and colour without its
overall brightness.

And ``readout``: ``"head"`` (default) embeds a cutout as the head's output; ``"stages"`` adds the network's
intermediate features to it: for the ResNet, each stage's feature map averaged over its central quarter and over
the whole map (2 x sum(widths) more numbers: what the light near the centre and around it looks like at each
depth), for StarcNet every scale's branch features before they are fused. On the simulated galaxy the stages
readout lifts the probe by 3-5 points from 100 labels on (issue 11's note); BYOL, fine-tuning and the probe all
see the same, wider embedding.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from models.errors import ConfigError
from models.normalise import PEAK_RANGE, REFERENCES, stretch_input
from models.scales import STARCNET_CROPS, multi_scale

STARCNET_DEFAULTS: dict = {
    "kind": "starcnet", "n_bands": 5, "size": 32, "width": 128, "branch_dim": 128, "out_dim": 256,
    "crops": list(STARCNET_CROPS), "groups": 8, "dropout": 0.0, "softening": 1.0,
    "reference": "none", "peak_range": PEAK_RANGE, "readout": "head",
}
RESNET_DEFAULTS: dict = {
    "kind": "resnet", "n_bands": 5, "widths": [32, 64, 128, 256], "out_dim": 256, "groups": 8,
    "softening": 1.0, "pool": "flatten", "size": 32, "reference": "none", "peak_range": PEAK_RANGE,
    "readout": "head",
}
POOLS = ("flatten", "avg")
READOUTS = ("head", "stages")


def _reference(spec: dict) -> str:
    """``reference``: "none" (one asinh softening) or "peak" (softened at 1/100 of each source's peak)."""
    ref = str(spec["reference"])
    if ref not in REFERENCES:
        raise ConfigError(f"encoder reference {ref!r} unknown: use one of {REFERENCES}")
    return ref


def check_peak_range(value: object) -> float:
    """``peak_range`` (default :data:`models.normalise.PEAK_RANGE`): with ``reference: "peak"``, a source
    brighter than this many noise sigma is stretched to its own peak. Shared with the app's parameter checks."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 1:
        raise ConfigError(f"encoder peak_range {value!r} must be a number >= 1 (noise sigma above which a source "
                          "is stretched to its own peak)")
    return float(value)


def check_readout(value: object) -> str:
    """``readout``: "head" (the embedding is the head's output) or "stages" (the head's output and the
    network's intermediate features, see the module docstring). Shared with the app's parameter checks."""
    if value not in READOUTS:
        raise ConfigError(f"encoder readout {value!r} unknown: use one of {', '.join(READOUTS)} (stages: the "
                          "embedding also holds the network's intermediate features)")
    return str(value)


def _conv_gn(c_in: int, c_out: int, groups: int, stride: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.GroupNorm(groups, c_out)]


class StarcNetBranch(nn.Module):
    """One StarcNet branch: 4 convs at full size, max-pool, 3 convs at half size, flatten, fc."""

    def __init__(self, n_bands: int, size: int, width: int, out_dim: int, groups: int, dropout: float):
        super().__init__()
        layers: list[nn.Module] = []
        c = n_bands
        for i in range(7):
            layers += [*_conv_gn(c, width, groups), nn.LeakyReLU()]
            c = width
            if i == 3:
                layers.append(nn.MaxPool2d(2))
        self.convs = nn.Sequential(*layers)
        self.fc = nn.Sequential(
            nn.Flatten(), nn.Linear(width * (size // 2) ** 2, out_dim), nn.GroupNorm(groups, out_dim),
            nn.LeakyReLU(), nn.Dropout(dropout),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.convs(x))


class StarcNetEncoder(nn.Module):
    """Multi-scale StarcNet-style encoder: (B, bands, size, size) noise units -> (B, out_dim)."""

    def __init__(self, spec: dict):
        super().__init__()
        self.spec = {**STARCNET_DEFAULTS, **spec}
        s = self.spec
        self.crops: Sequence[int] = tuple(s["crops"])
        self.softening = float(s["softening"])
        self.reference = _reference(s)
        self.peak_range = check_peak_range(s["peak_range"])
        self.out_dim = int(s["out_dim"])
        self.branches = nn.ModuleList(
            StarcNetBranch(s["n_bands"], s["size"], s["width"], s["branch_dim"], s["groups"], s["dropout"])
            for _ in range(1 + len(self.crops))
        )
        self.fuse = nn.Linear(s["branch_dim"] * len(self.branches), self.out_dim)
        self.readout = check_readout(s["readout"])
        if self.readout == "stages":  # + every scale's branch features, before they are fused
            self.out_dim += int(s["branch_dim"]) * len(self.branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        views = multi_scale(stretch_input(x, self.softening, self.reference, self.peak_range), self.crops)
        branches = torch.cat([branch(v) for branch, v in zip(self.branches, views, strict=True)], 1)
        fused = self.fuse(branches)
        return fused if self.readout == "head" else torch.cat([fused, branches], 1)


class BasicBlock(nn.Module):
    """ResNet basic block (He et al. 2016) with GroupNorm, stable for the small batches of interactive use."""

    def __init__(self, c_in: int, c_out: int, stride: int, groups: int):
        super().__init__()
        self.body = nn.Sequential(
            *_conv_gn(c_in, c_out, groups, stride), nn.ReLU(inplace=True), *_conv_gn(c_out, c_out, groups)
        )
        self.skip: nn.Module = nn.Identity()
        if stride != 1 or c_in != c_out:
            self.skip = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.GroupNorm(groups, c_out)
            )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.skip(x))


class ResNetEncoder(nn.Module):
    """Small ResNet: stem conv, one basic block per width (stride 2 after the first), then the head.

    ``pool="flatten"``: the (c, s, s) last map is flattened into a linear layer (position kept; ``size`` is
    the cutout side whose map is kept as is, other sizes are pooled onto the same s x s grid); ``"avg"``:
    global average pool (position mostly lost).
    """

    def __init__(self, spec: dict):
        super().__init__()
        self.spec = {**RESNET_DEFAULTS, **spec}
        s = self.spec
        if s["pool"] not in POOLS:
            raise ConfigError(f"resnet pool {s['pool']!r} unknown: use one of {POOLS}")
        widths = [int(w) for w in s["widths"]]
        self.softening = float(s["softening"])
        self.reference = _reference(s)
        self.peak_range = check_peak_range(s["peak_range"])
        self.out_dim = int(s["out_dim"])
        blocks: list[nn.Module] = [*_conv_gn(s["n_bands"], widths[0], s["groups"]), nn.ReLU(inplace=True)]
        c = widths[0]
        for i, w in enumerate(widths):
            blocks.append(BasicBlock(c, w, 1 if i == 0 else 2, s["groups"]))
            c = w
        if s["pool"] == "avg":
            self.body = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten())
            flat = c
        else:
            side = int(s["size"])
            for _ in widths[1:]:
                side = (side + 1) // 2  # 3x3 conv, stride 2, padding 1
            # the adaptive pool is the identity at ``size``; other cutout sizes map onto the same grid
            self.body = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(side), nn.Flatten())
            flat = c * side * side
        self.head: nn.Module = nn.Identity() if flat == self.out_dim else nn.Linear(flat, self.out_dim)
        self.readout = check_readout(s["readout"])
        if self.readout == "stages":  # + each stage's mean over its central quarter and over the whole map
            self.out_dim += 2 * sum(widths)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = stretch_input(x, self.softening, self.reference, self.peak_range)
        if self.readout == "head":
            return self.head(self.body(h))
        pooled = []
        for layer in self.body:
            h = layer(h)
            if isinstance(layer, BasicBlock):
                side = h.shape[-1]
                c, r = side // 2, max(1, side // 8)
                pooled += [h[..., c - r:c + r, c - r:c + r].mean(dim=(-2, -1)), h.mean(dim=(-2, -1))]
        return torch.cat([self.head(h), *pooled], dim=1)


ENCODERS: dict[str, type[nn.Module]] = {"starcnet": StarcNetEncoder, "resnet": ResNetEncoder}


def build_encoder(spec: dict) -> nn.Module:
    """Encoder from its spec, e.g. ``{"kind": "resnet", "n_bands": 5}``; missing keys take the defaults.

    The returned module has ``.spec`` (the full spec, JSON-able) and ``.out_dim``.
    """
    kind = spec.get("kind")
    if kind not in ENCODERS:
        raise ConfigError(f"unknown encoder kind {kind!r}: choose one of {sorted(ENCODERS)}")
    if int(spec.get("n_bands", 5)) < 1:
        raise ConfigError(f"encoder needs at least one band, got n_bands={spec.get('n_bands')}")
    return ENCODERS[kind](spec)
