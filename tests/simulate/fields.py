"""Helpers of the simulator tests: a validated small field."""

from __future__ import annotations

import pytest

from simulate import simulate, validate


def validated_field(tmp_path_factory: pytest.TempPathFactory, name: str, seed: int, size: int = 2048) -> dict:
    """``validate``'s report of a ``size`` px field simulated with ``seed``, against ``../shared/data/legus``
    (skipped, saying why, where the real catalogues are absent)."""
    from tests.conftest import SHARED_DATA

    legus = SHARED_DATA / "legus"
    if not legus.is_dir():
        pytest.skip(f"real data folder missing: {legus}")
    field = simulate(tmp_path_factory.mktemp(name) / "field", size=size, seed=seed)
    return validate(field.out_dir, legus)
