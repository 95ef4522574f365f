"""Stretch parameters: validation messages, limits from the ingest statistics, stable cache keys."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from astropy.visualization import ZScaleInterval

from tests.conftest import shared_file
from tiles.errors import StretchParameterError
from tiles.params import StretchParams, resolve_limits
from tiles.stats import channel_stats, empty_stats, quantile_at


@pytest.fixture(scope="module")
def gri_stats() -> list[dict]:
    """Stats of the real SDSS g, r, i bands, as the ingest stores them."""
    return [channel_stats(fits.getdata(shared_file(f"images/sdss_gri/reprojected_sdss_{band}.fits"))) for band in "gri"]


def test_defaults_are_asinh_between_percentiles_half_and_99_8() -> None:
    params = StretchParams()
    assert (params.stretch, params.limits, params.pmin, params.pmax) == ("asinh", "percentile", 0.5, 99.8)
    assert params.resolved_a == 0.1
    assert StretchParams(stretch="log").resolved_a == 1000.0
    assert StretchParams(stretch="linear", a=3).resolved_a is None


def test_percentile_limits_interpolate_the_stored_quantiles(gri_stats: list[dict]) -> None:
    data = fits.getdata(shared_file("images/sdss_gri/reprojected_sdss_r.fits")).astype(np.float64)
    ((lo, hi),) = resolve_limits(StretchParams(pmin=1.25, pmax=97.35), [gri_stats[1]])
    quantiles = gri_stats[1]["quantiles"]
    assert lo == pytest.approx((quantiles[12] + quantiles[13]) / 2)  # halfway between 1.2 and 1.3
    assert hi == pytest.approx(0.5 * quantiles[973] + 0.5 * quantiles[974])
    np.testing.assert_allclose([lo, hi], np.nanpercentile(data, [1.25, 97.35]), rtol=1e-2)


@pytest.mark.parametrize(("pmin", "pmax"), [(0.0, 100.0), (0.05, 99.95), (12.34, 56.78), (99.9, 100.0)])
def test_percentiles_agree_with_tiles_stats_quantile_at(gri_stats: list[dict], pmin: float, pmax: float) -> None:
    ((lo, hi),) = resolve_limits(StretchParams(pmin=pmin, pmax=pmax), gri_stats[:1])
    assert lo == pytest.approx(quantile_at(gri_stats[0], pmin), rel=1e-9, abs=1e-12)
    assert hi == pytest.approx(quantile_at(gri_stats[0], pmax), rel=1e-9, abs=1e-12)


def test_zscale_limits_come_from_the_stats(gri_stats: list[dict]) -> None:
    limits = resolve_limits(StretchParams(limits="zscale"), gri_stats)
    assert limits == [tuple(s["zscale"]) for s in gri_stats]
    data = fits.getdata(shared_file("images/sdss_gri/reprojected_sdss_g.fits"))
    np.testing.assert_allclose(limits[0], ZScaleInterval().get_limits(data[np.isfinite(data)]), rtol=1e-6)


def test_composites_get_per_channel_limits_unless_linked(gri_stats: list[dict]) -> None:
    per_channel = resolve_limits(StretchParams(), gri_stats)
    assert len(set(per_channel)) == 3
    linked = resolve_limits(StretchParams(link=True), gri_stats)
    widest = (min(lo for lo, _ in per_channel), max(hi for _, hi in per_channel))
    assert linked == [widest] * 3
    linked_with_empty = resolve_limits(StretchParams(link=True), [*gri_stats[:2], empty_stats()])
    assert linked_with_empty[0] == (
        min(per_channel[0][0], per_channel[1][0]),
        max(per_channel[0][1], per_channel[1][1]),
    )


def test_explicit_limits_broadcast_one_value_or_take_one_per_channel(gri_stats: list[dict]) -> None:
    params = StretchParams.from_query({"vmin": "-0.1", "vmax": "1,2,3"})
    assert params.limits == "explicit"
    assert resolve_limits(params, gri_stats) == [(-0.1, 1.0), (-0.1, 2.0), (-0.1, 3.0)]
    with pytest.raises(StretchParameterError, match="3 vmax values for an image with 1 channel"):
        resolve_limits(params, gri_stats[:1])


def test_constant_and_empty_channels_still_get_usable_limits() -> None:
    constant = channel_stats(np.full((20, 20), 7.0))
    ((lo, hi),) = resolve_limits(StretchParams(), [constant])
    assert lo < 7.0 < hi and (lo + hi) / 2 == pytest.approx(7.0)
    assert resolve_limits(StretchParams(limits="zscale"), [empty_stats()]) == [(0.0, 1.0)]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"stretch": "histeq"}, "stretch='histeq' is unknown: use one of linear, log, sqrt, asinh, lupton"),
        ({"limits": "minmax"}, "limits='minmax' is unknown"),
        ({"pmin": "99", "pmax": "1"}, "pmin=99, pmax=1: percentiles need 0 <= pmin < pmax <= 100"),
        ({"pmax": "101"}, "pmax <= 100"),
        ({"pmin": "abc"}, "pmin='abc' is not a number"),
        ({"pmin": "nan"}, "must be a finite number"),
        ({"limits": "explicit", "vmin": "0"}, "limits=explicit needs both vmin and vmax"),
        ({"limits": "zscale", "vmin": "0", "vmax": "1"}, "only used with limits=explicit"),
        ({"vmin": "0,0", "vmax": "1,1,1"}, "2 vmin values but 3 vmax values"),
        ({"vmin": "2", "vmax": "1"}, "vmin=2 is not below vmax=1"),
        ({"a": "-1"}, "must be > 0"),
        ({"a": "1", "softening": "2"}, "either a or softening"),
        ({"q": "0"}, "q=0 must be > 0"),
        ({"gamma": "-2"}, "gamma=-2 must be > 0"),
        ({"link": "maybe"}, "link='maybe' is not a boolean"),
    ],
)
def test_invalid_parameters_raise_a_message_naming_the_parameter(query: dict, message: str) -> None:
    with pytest.raises(StretchParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        StretchParams.from_query(query)


def test_from_query_parses_strings_and_ignores_other_keys() -> None:
    params = StretchParams.from_query(
        {"stretch": "lupton", "q": "10", "gamma": "2.2", "link": "true", "format": "webp", "softening": None}
    )
    assert (params.stretch, params.q, params.gamma, params.link) == ("lupton", 10.0, 2.2, True)
    assert StretchParams.from_query({"softening": "0.05"}).a == 0.05
    assert StretchParams.from_query() == StretchParams()
    keywords = StretchParams.from_query(stretch="log", limits=None, vmin="1", vmax=2.0, q=None, gamma=None)
    assert (keywords.stretch, keywords.limits, keywords.vmin, keywords.vmax) == ("log", "explicit", (1.0,), (2.0,))


def test_cache_key_is_stable_and_ignores_parameters_that_do_not_change_pixels() -> None:
    assert StretchParams().cache_key() == "asinh;percentile;pmin=0.5;pmax=99.8;a=0.1;gamma=1.0"
    assert StretchParams(a=0.1).cache_key() == StretchParams().cache_key()
    assert StretchParams.from_query({"pmin": "0.50"}).cache_key() == StretchParams().cache_key()
    assert StretchParams(stretch="linear", a=5).cache_key() == StretchParams(stretch="linear").cache_key()
    assert StretchParams(limits="zscale", pmin=3).cache_key() == StretchParams(limits="zscale").cache_key()
    keys = {
        StretchParams().cache_key(),
        StretchParams(pmax=99.9).cache_key(),
        StretchParams(stretch="log").cache_key(),
        StretchParams(stretch="lupton", q=9).cache_key(),
        StretchParams(link=True).cache_key(),
        StretchParams(limits="explicit", vmin="0", vmax="1,2,3").cache_key(),
        StretchParams(gamma=2).cache_key(),
    }
    assert len(keys) == 7
