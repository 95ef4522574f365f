"""Reading the real LEGUS catalogues, with their per-field layouts, and recovering their distances."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulate.errors import PriorsError
from simulate.legus import distance_moduli, field_name, read_field, read_fields
from tests.conftest import shared_file

NGC1313 = "legus/hlsp_legus_hst_wfc3_ngc1313-e_multiband_v1_padagb-mwext-avgapcor.tab"
NGC4449 = "legus/hlsp_legus_hst_acs-wfc3_ngc4449_multiband_v2_padagb-mwext-avgapcor.tab"


def test_field_name_and_bad_names() -> None:
    assert field_name(Path(NGC1313)) == "ngc1313-e"
    with pytest.raises(PriorsError, match="not a LEGUS multiband catalogue"):
        field_name(Path("catalogue.tab"))


def test_shifted_layout_of_ngc1313_reads_magnitudes_and_classes() -> None:
    field = read_field(shared_file(NGC1313))
    v = field.mags[:, 3]
    assert np.nanmedian(v) == pytest.approx(22.5, abs=1.5)  # apparent V of clusters at 4 Mpc, not pixels
    assert np.nanmin(field.ci) >= 1.39
    assert set(np.unique(field.visual_class)) == {0, 1, 2, 3, 4}
    assert np.all(np.isnan(field.mags) | (field.mags < 40))  # sentinels 99.999 / 66.666 became NaN


def test_ngc4449_class_5_means_never_inspected() -> None:
    field = read_field(shared_file(NGC4449))
    assert field.visual_class.max() == 4
    assert (field.visual_class == 0).sum() == 1372  # 1371 fives and one zero


def test_distances_match_calzetti_2015(shared_data: Path) -> None:
    moduli = distance_moduli(read_fields(shared_data / "legus"))
    mpc = {name: 10 ** (dm / 5 - 5) for name, dm in moduli.items()}
    # Calzetti et al. (2015) Table 1: NGC 628 9.9 (anchor), NGC 1313 4.39, NGC 1433 8.3, NGC 1566 18.0,
    # NGC 7793 3.44 Mpc
    assert mpc["ngc628-e"] == pytest.approx(9.9, rel=0.01)
    assert mpc["ngc1313-e"] == pytest.approx(4.39, rel=0.05)
    assert mpc["ngc1433"] == pytest.approx(8.3, rel=0.05)
    assert mpc["ngc1566"] == pytest.approx(18.0, rel=0.05)
    assert mpc["ngc7793-e"] == pytest.approx(3.44, rel=0.05)


def test_folder_without_catalogues_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PriorsError, match="no LEGUS catalogues"):
        read_fields(tmp_path)
