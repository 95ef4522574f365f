"""A round's parameters (backend/services/labelling/round_spec.py): one pydantic model with its ranges, and
whether a request is a consensus round or a plain tag round."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from backend.services.labelling.round_spec import RoundCreate, SampleSpec


def test_a_plain_round_and_the_three_ways_to_a_consensus_round() -> None:
    assert RoundCreate().consensus is False and RoundCreate(name="second pass", blind=False).consensus is False
    assert RoundCreate(k=3).consensus is True
    assert RoundCreate(sources=[1, 2]).consensus is True
    assert RoundCreate(sources=[]).consensus is True  # an empty list is still a list of sources (refused later)
    assert RoundCreate(sample=SampleSpec(regions=[{"type": "Polygon", "coordinates": []}])).consensus is True


def test_defaults() -> None:
    spec = RoundCreate()
    assert (spec.blind, spec.show_predictions, spec.show_previous_majority, spec.repeats) == (True, False, False, 0)
    assert spec.seed is None and spec.annotators == [] and spec.gold is None
    assert SampleSpec(regions=[]).n == 30


@pytest.mark.parametrize("fields", [
    {"k": 0}, {"k": 51}, {"repeats": -1}, {"repeats": 1001}, {"seed": -1}, {"seed": 2**32},
    {"sample": {"regions": [], "n": 0}}, {"gold": {"layer": 1, "n": 0}}, {"gold": {"n": 3}},
])
def test_out_of_range_fields_are_refused(fields: dict) -> None:
    with pytest.raises(ValidationError):
        RoundCreate(**fields)
