"""Catalogue features: sentinels to NaN, NaN-safe standardisation, concatenation with embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from models.errors import ConfigError
from models.features import FeatureScaler, combine, mask_missing, standardise
from tests.conftest import shared_file

SUFFIX = "padagb-mwext-avgapcor.tab"


def test_legus_sentinels_become_zero_after_standardising() -> None:
    table = np.loadtxt(shared_file(f"legus/hlsp_legus_hst_wfc3_ngc1433_multiband_v1_{SUFFIX}"))
    mags = mask_missing(table[:, [5, 7, 9, 11, 13]])  # 1-based columns 6, 8, ... (Vega magnitudes)
    assert np.isnan(mags).any()  # this field has undetected (99.999) sources
    z = standardise(mags)
    assert np.isfinite(z).all()
    assert (z[np.isnan(mags)] == 0).all()
    finite = ~np.isnan(mags[:, 3])
    assert z[finite, 3].mean() == pytest.approx(0.0, abs=1e-5)
    assert z[finite, 3].std() == pytest.approx(1.0, abs=1e-3)


def test_all_nan_and_constant_columns_are_zero() -> None:
    x = np.c_[np.full(5, np.nan), np.ones(5), np.arange(5.0)]
    z = FeatureScaler.fit(x).transform(x)
    assert (z[:, :2] == 0).all() and np.isfinite(z).all()
    assert FeatureScaler.from_dict(FeatureScaler.fit(x).to_dict()) == FeatureScaler.fit(x)


def test_combine_appends_columns_and_checks_rows() -> None:
    assert combine(np.zeros((4, 3)), np.ones((4, 2))).shape == (4, 5)
    with pytest.raises(ConfigError, match="one feature row per source"):
        combine(np.zeros((4, 3)), np.ones((3, 2)))
