import json

import numpy as np
from astropy.visualization import ZScaleInterval

from tiles.stats import N_QUANTILES, StatsAccumulator, channel_stats, quantile_at


def test_channel_stats_of_known_values() -> None:
    values = np.arange(1001, dtype=np.float32)  # 0 .. 1000: percentile p is exactly 10 p
    stats = channel_stats(values.reshape(7, 143))
    assert len(stats["quantiles"]) == N_QUANTILES
    assert stats["quantiles"][0] == 0.0 and stats["quantiles"][500] == 500.0 and stats["quantiles"][-1] == 1000.0
    assert stats["quantiles"][1] == 1.0  # percentile 0.1
    assert stats["median"] == 500.0
    assert stats["std"] == 1.4826 * 250.0  # MAD of 0..1000 is 250
    assert (stats["min"], stats["max"], stats["n_valid"]) == (0.0, 1000.0, 1001)
    lo, hi = ZScaleInterval().get_limits(values)
    assert stats["zscale"] == [lo, hi]


def test_non_finite_values_are_ignored() -> None:
    data = np.array([[1.0, np.nan, 3.0], [np.inf, -np.inf, 2.0]])
    stats = channel_stats(data)
    assert stats["n_valid"] == 3 and stats["median"] == 2.0 and stats["max"] == 3.0


def test_no_finite_pixels_gives_none_and_valid_json() -> None:
    stats = channel_stats(np.full((4, 4), np.nan, dtype=np.float32))
    assert stats["n_valid"] == 0
    assert all(stats[key] is None for key in ("quantiles", "zscale", "median", "std", "min", "max"))
    json.dumps(stats, allow_nan=False)


def test_stats_are_json_without_nan() -> None:
    data = np.random.default_rng(1).normal(0, 1, 10_000)
    data[::7] = np.nan
    text = json.dumps(channel_stats(data), allow_nan=False)
    assert "NaN" not in text


def test_quantile_at_interpolates_between_steps() -> None:
    stats = channel_stats(np.arange(1001.0))
    assert quantile_at(stats, 99.5) == 995.0
    assert quantile_at(stats, 0.05) == 0.5
    assert quantile_at(stats, 150.0) == 1000.0
    assert quantile_at(channel_stats(np.array([np.nan])), 50.0) is None


def test_accumulator_does_not_depend_on_how_the_image_is_cut() -> None:
    image = np.random.default_rng(2).normal(0, 1, (300, 200)).astype(np.float32)
    whole = StatsAccumulator(image.shape, max_samples=1000)
    whole.add(image, 0)
    strips = StatsAccumulator(image.shape, max_samples=1000)
    for start, stop in [(0, 13), (13, 120), (120, 299), (299, 300)]:
        strips.add(image[start:stop], start)
    assert np.array_equal(whole.sample(), strips.sample())
    assert whole.step == 8  # ceil(sqrt(60000 / 1000))
    assert whole.sample().size <= 1000 * 1.1


def test_accumulator_keeps_everything_for_small_images_and_bounds_big_ones() -> None:
    small = StatsAccumulator((10, 10))
    small.add(np.arange(100.0).reshape(10, 10), 0)
    assert small.step == 1 and small.stats()["n_valid"] == 100
    big = StatsAccumulator((100_000, 100_000))
    assert (100_000 // big.step) ** 2 <= 4_000_000 * 1.01
    assert StatsAccumulator((5, 5)).stats()["n_valid"] == 0
