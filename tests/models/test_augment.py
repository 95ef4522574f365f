"""Augmentations: shapes, no NaN, flux and colours kept, symmetry invariance, reproducibility."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from models.augment import (
    BandFluxScale,
    GaussianNoise,
    RandomFlipRotate,
    RandomResizedCrop,
    RandomShift,
    SurroundSwap,
    build_augmentation,
)
from models.augment_photometric import ColourJitter, Grayscale, PSFJitter
from models.errors import ConfigError


def gaussian_source(n: int = 16, size: int = 32, bands: int = 5) -> torch.Tensor:
    axis = torch.arange(size) - (size - 1) / 2
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")
    profile = torch.exp(-(xx**2 + yy**2) / (2 * 2.0**2))
    colours = torch.tensor([1.0, 2.0, 4.0, 8.0, 16.0][:bands])
    return (colours[:, None, None] * profile).expand(n, bands, size, size).clone()


def test_pipeline_keeps_shape_and_has_no_nan() -> None:
    x = torch.randn(32, 5, 32, 32) * 100
    out = build_augmentation()(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and torch.isfinite(out).all()


def test_same_seed_same_views() -> None:
    x = torch.randn(8, 5, 32, 32)
    aug = build_augmentation()
    a = aug(x, torch.Generator().manual_seed(3))
    b = aug(x, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_flips_and_rotations_leave_a_symmetric_source_unchanged() -> None:
    x = gaussian_source()
    out = RandomFlipRotate()(x, torch.Generator().manual_seed(1))
    assert torch.allclose(out, x, atol=1e-6)
    asym = torch.zeros(64, 1, 4, 4)
    asym[:, 0, 0, 1] = 1.0
    moved = RandomFlipRotate()(asym, torch.Generator().manual_seed(0))
    assert len({tuple(m.nonzero()[0].tolist()) for m in moved[:, 0]}) == 8  # all 8 symmetries occur


def test_flux_roughly_preserved() -> None:
    x = gaussian_source(64) * 50
    g = torch.Generator().manual_seed(0)
    flux = x.sum(dim=(2, 3))
    assert torch.allclose(BandFluxScale(0.03)(x, g).sum(dim=(2, 3)) / flux, torch.ones_like(flux), atol=0.031)
    noisy = GaussianNoise((0.5, 0.5), p=1.0)(x, g).sum(dim=(2, 3))
    assert ((noisy - flux).abs() / flux).mean() < 0.05
    shifted = RandomShift(2)(x, g).sum(dim=(2, 3))
    assert torch.allclose(shifted, flux, rtol=1e-4)  # the source stays inside: nothing lost
    crop = RandomResizedCrop(scale=(0.5, 1.0))(torch.ones(16, 1, 32, 32), g)
    assert torch.allclose(crop, torch.ones_like(crop), atol=1e-5)  # surface brightness unchanged


def test_colour_ratios_kept_when_jitter_and_grayscale_are_off() -> None:
    x = gaussian_source(64)
    off = {"noise_p": 0.0, "jitter_p": 0.0, "grayscale_p": 0.0, "psf_p": 0.0}
    out = build_augmentation(off)(x, torch.Generator().manual_seed(0))
    flux = out.sum(dim=(2, 3))
    ratios = (flux[:, 1:] / flux[:, :-1]).numpy()
    assert np.allclose(ratios, 2.0, rtol=0.065)  # (1.03 / 0.97) - 1 = 6.2 %: the worst case


def test_default_pipeline_changes_colour_in_about_the_table_c1_share_of_views() -> None:
    x = gaussian_source(2000)
    out = build_augmentation({"noise_p": 0.0})(x, torch.Generator().manual_seed(0))
    flux = out.sum(dim=(2, 3))
    ratios = flux[:, 1:] / flux[:, :-1]
    recoloured = ((ratios - 2.0).abs() > 0.2).any(dim=1).float().mean().item()
    # jitter (0.3) or grayscale (0.3): 1 - 0.7 * 0.7 = 0.51 of the views, less the jitters that stay small
    assert 0.4 < recoloured < 0.56


def test_unknown_augmentation_key_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown augmentation keys"):
        build_augmentation({"colour_p": 0.3})


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_colour_jitter_probability_and_effect(p: float) -> None:
    x = gaussian_source(4000) * 10
    out = ColourJitter(p=p)(x, torch.Generator().manual_seed(1))
    changed = (out - x).abs().amax(dim=(1, 2, 3)) > 1e-4
    assert abs(changed.float().mean().item() - p) < 0.03
    if p:
        flux = out[changed].sum(dim=(2, 3)) / x[changed].sum(dim=(2, 3))
        band_ratio = flux[:, 1:] / flux[:, :-1]
        assert band_ratio.min() > np.exp(-0.6) - 1e-3 and band_ratio.max() < np.exp(0.6) + 1e-3
        assert band_ratio.std() > 0.1  # colours really change (hue / saturation analogue)
        total = flux.mean(dim=1)
        assert total.min() > 0.2 * np.exp(-0.3) - 1e-3 and total.max() < 1.8 * np.exp(0.3) + 1e-3


def test_contrast_keeps_the_mean_and_brightness_scales_it() -> None:
    x = gaussian_source(500) + 3.0
    only_contrast = ColourJitter(brightness=0.0, band_jitter=0.0, p=1.0)(x, torch.Generator().manual_seed(2))
    assert torch.allclose(only_contrast.mean(dim=(2, 3)), x.mean(dim=(2, 3)), rtol=1e-5)
    only_bright = ColourJitter(contrast=0.0, band_jitter=0.0, p=1.0)(x, torch.Generator().manual_seed(2))
    factor = only_bright / x
    assert torch.allclose(factor, factor[:, :1, :1, :1].expand_as(factor), rtol=1e-5)  # one factor per view


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_grayscale_replaces_every_band_by_the_band_mean(p: float) -> None:
    x = gaussian_source(4000)
    out = Grayscale(p)(x, torch.Generator().manual_seed(0))
    grey = (out[:, :1] == out).all(dim=(1, 2, 3))
    assert abs(grey.float().mean().item() - p) < 0.03
    assert torch.allclose(out[grey].sum(dim=1), x[grey].sum(dim=1), rtol=1e-5)  # total flux kept
    assert torch.equal(out[~grey], x[~grey])


def test_psf_jitter_widens_the_profile_and_keeps_the_flux() -> None:
    x = gaussian_source(2000)
    out = PSFJitter(sigma=(0.5, 1.0), p=0.3)(x, torch.Generator().manual_seed(0))
    blurred = (out - x).abs().amax(dim=(1, 2, 3)) > 1e-5
    assert abs(blurred.float().mean().item() - 0.3) < 0.04
    assert torch.allclose(out.sum(dim=(2, 3)), x.sum(dim=(2, 3)), rtol=1e-4)
    assert (out[blurred][:, :, 16, 16] < x[blurred][:, :, 16, 16]).all()  # a lower, wider peak


def test_photometric_augmentations_keep_shape_and_a_flat_field() -> None:
    flat = torch.full((64, 5, 32, 32), 7.0)
    g = torch.Generator().manual_seed(0)
    for aug in (Grayscale(1.0), PSFJitter(p=1.0), ColourJitter(contrast=0.8, brightness=0.0,
                                                                band_jitter=0.0, p=1.0)):
        out = aug(flat, g)
        assert out.shape == flat.shape and torch.allclose(out, flat, rtol=1e-5)


def test_crop_scale_respects_the_lower_bound() -> None:
    x = torch.zeros(200, 1, 32, 32)
    x[:, :, 16, :] = 1.0  # a horizontal line: its apparent width grows as 1 / crop height
    out = RandomResizedCrop(scale=(0.5, 1.0))(x, torch.Generator().manual_seed(0))
    spread = (out[:, 0] > 1e-3).any(dim=2).sum(dim=1).float()
    assert spread.max() <= 4  # no crop smaller than (0.5 / (4/3)) ** 0.5 of the height


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_surround_swap_keeps_the_core_and_takes_the_surroundings_from_another_cutout(p: float) -> None:
    n = 2000
    x = torch.arange(n, dtype=torch.float32)[:, None, None, None].expand(n, 2, 32, 32).clone()  # sample i is i
    out = SurroundSwap(radius=6.0, taper=2.0, p=p)(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    assert torch.equal(out[:, :, 10:23, 16], x[:, :, 10:23, 16])  # within 6 px of the centre: untouched
    corner = out[:, 0, 0, 0]
    swapped = corner != x[:, 0, 0, 0]
    assert abs(swapped.float().mean().item() - p) < 0.04
    # the surroundings are another sample's, whole (every band, every outer pixel from the same partner)
    partner = corner[swapped]
    assert torch.equal(partner, partner.round()) and ((partner >= 0) & (partner < n)).all()
    assert torch.equal(out[swapped][:, :, 0, :], partner[:, None, None].expand(-1, 2, 32))
    assert torch.equal(out[~swapped], x[~swapped])
    ring = out[swapped][:, 0, 16, 16 + 7]  # in the taper: between the two
    lo, hi = torch.minimum(x[swapped][:, 0, 16, 16], partner), torch.maximum(x[swapped][:, 0, 16, 16], partner)
    assert ((ring >= lo) & (ring <= hi)).all()


def test_surround_swap_is_off_by_default_and_the_views_of_one_source_get_other_neighbours() -> None:
    assert "SurroundSwap" not in repr(build_augmentation())  # the paper's views unchanged
    x = torch.randn(64, 5, 32, 32)
    views = build_augmentation({"swap_p": 1.0, "crop_p": 0.0, "flip_rotate": False, "max_shift": 0,
                                "jitter_p": 0.0, "grayscale_p": 0.0, "psf_p": 0.0, "noise_p": 0.0,
                                "band_scale": 0.0})
    g = torch.Generator().manual_seed(1)
    a, b = views(x, g), views(x, g)
    assert torch.equal(a[:, :, 16, 16], b[:, :, 16, 16])  # the same core
    assert (a[:, :, 0, 0] != b[:, :, 0, 0]).float().mean() > 0.9  # different surroundings
