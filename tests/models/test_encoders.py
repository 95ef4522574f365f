"""Encoders: any number of bands, 256-d output by default, rebuilt from their spec."""

from __future__ import annotations

import json

import pytest
import torch

from models.encoders import build_encoder
from models.errors import ConfigError
from tests.models.synthetic import tiny_resnet, tiny_starcnet


@pytest.mark.parametrize("n_bands", [1, 3, 7])
@pytest.mark.parametrize("make", [tiny_resnet, tiny_starcnet])
def test_any_number_of_bands(make, n_bands: int) -> None:
    encoder = build_encoder(make(n_bands))
    out = encoder(torch.randn(4, n_bands, 16, 16))
    assert out.shape == (4, 16) and torch.isfinite(out).all()


@pytest.mark.parametrize("kind", ["starcnet", "resnet"])
def test_default_encoders_output_256(kind: str) -> None:
    spec = {"kind": kind, "n_bands": 5, "width": 16} if kind == "starcnet" else {"kind": kind}
    encoder = build_encoder(spec)
    assert encoder(torch.randn(2, 5, 32, 32)).shape == (2, 256)
    assert encoder.spec["out_dim"] == 256


def test_spec_is_json_and_rebuilds_the_same_network() -> None:
    torch.manual_seed(0)
    a = build_encoder(tiny_starcnet())
    b = build_encoder(json.loads(json.dumps(a.spec)))
    b.load_state_dict(a.state_dict())
    x = torch.randn(3, 3, 16, 16)
    assert torch.equal(a.eval()(x), b.eval()(x))


def test_starcnet_branches_see_three_scales() -> None:
    encoder = build_encoder(tiny_starcnet())
    assert len(encoder.branches) == 3


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown encoder kind 'vit'"):
        build_encoder({"kind": "vit"})


def _source(shift: int = 0) -> torch.Tensor:
    axis = torch.arange(32) - 15.5
    yy, xx = torch.meshgrid(axis, axis - shift, indexing="ij")
    profile = 200.0 * torch.exp(-(xx**2 + yy**2) / (2 * 1.5**2))
    return (torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])[:, None, None] * profile)[None]


def _relative_change(spec: dict) -> float:
    torch.manual_seed(0)
    encoder = build_encoder(spec).eval()
    with torch.no_grad():
        a, b = encoder(_source()), encoder(_source(shift=6))
    return float((a - b).norm() / a.norm())


@pytest.mark.parametrize("spec", [
    {"kind": "resnet", "widths": [8, 16, 16, 32], "out_dim": 64},
    {"kind": "starcnet", "width": 16, "branch_dim": 32, "out_dim": 64},
    {"kind": "resnet", "widths": [8, 16, 16, 32], "out_dim": 64, "readout": "stages"},
    {"kind": "starcnet", "width": 16, "branch_dim": 32, "out_dim": 64, "readout": "stages"},
])
def test_an_off_centre_copy_embeds_differently(spec: dict) -> None:
    """The encoders keep where light sits relative to the centre (no global average pool)."""
    moved = _relative_change(spec)
    assert moved > 0.2
    blind = _relative_change({"kind": "resnet", "widths": [8, 16, 16, 32], "out_dim": 64, "pool": "avg"})
    assert blind < moved / 2  # global average pooling is nearly shift-blind: what "flatten" fixes


@pytest.mark.parametrize("kind", ["resnet", "starcnet"])
def test_peak_reference_makes_a_brighter_copy_embed_alike(kind: str) -> None:
    spec = {"kind": kind, "out_dim": 64, **({"widths": [8, 16, 16, 32]} if kind == "resnet" else
                                            {"width": 16, "branch_dim": 32})}

    def change(reference: str) -> float:
        torch.manual_seed(0)
        encoder = build_encoder({**spec, "reference": reference}).eval()
        with torch.no_grad():
            a, b = encoder(30 * _source()), encoder(300 * _source())  # bright: the logarithmic regime
        return float((a - b).norm() / a.norm())

    assert change("peak") < 1e-4 < 0.1 < change("none")
    with pytest.raises(ConfigError, match="reference"):
        build_encoder({**spec, "reference": "centre"})
    for bad in (0.5, -3, "10", True):
        with pytest.raises(ConfigError, match="peak_range"):
            build_encoder({**spec, "reference": "peak", "peak_range": bad})
    assert build_encoder({**spec, "reference": "peak", "peak_range": 10}).peak_range == 10.0


@pytest.mark.parametrize(("spec", "extra"), [
    ({"kind": "resnet", "widths": [8, 16, 16, 32], "out_dim": 64}, 2 * (8 + 16 + 16 + 32)),
    ({"kind": "starcnet", "width": 16, "branch_dim": 32, "out_dim": 64}, 3 * 32),
])
def test_stages_readout_adds_the_intermediate_features_to_the_same_network(spec: dict, extra: int) -> None:
    head = build_encoder(spec).eval()
    stages = build_encoder({**spec, "readout": "stages"}).eval()
    stages.load_state_dict(head.state_dict())  # no new weights: the same network, read out wider
    assert stages.out_dim == 64 + extra and build_encoder(stages.spec).out_dim == stages.out_dim
    x = torch.randn(3, 5, 32, 32)
    with torch.no_grad():
        wide, narrow = stages(x), head(x)
    assert wide.shape == (3, 64 + extra) and torch.allclose(wide[:, :64], narrow, atol=1e-5)
    assert wide[:, 64:].abs().sum() > 0
    with pytest.raises(ConfigError, match="readout 'all' unknown"):
        build_encoder({**spec, "readout": "all"})


def test_flatten_resnet_takes_other_cutout_sizes_and_refuses_unknown_pools() -> None:
    encoder = build_encoder({"kind": "resnet", "widths": [8, 8, 16, 16], "out_dim": 32})
    assert encoder(torch.randn(2, 5, 48, 48)).shape == (2, 32)
    with pytest.raises(ConfigError, match="pool 'max' unknown"):
        build_encoder({"kind": "resnet", "pool": "max"})
