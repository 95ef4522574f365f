"""Checkpoints as plain data; RNG states restore exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.checkpoint import load_checkpoint, restore_rng_states, rng_states, save_checkpoint
from models.errors import CheckpointError


def test_round_trip_and_format_check(tmp_path: Path) -> None:
    payload = {"format": "f1", "w": torch.ones(2), "cfg": {"x": [1, 2]}}
    path = save_checkpoint(tmp_path / "a" / "c.pt", payload)
    assert load_checkpoint(path, "f1")["cfg"] == {"x": [1, 2]}
    with pytest.raises(CheckpointError, match="expected 'f2'"):
        load_checkpoint(path, "f2")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_pickled_objects_are_refused(tmp_path: Path) -> None:
    torch.save({"format": "f1", "obj": Path("x")}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="holds pickled objects"):
        load_checkpoint(tmp_path / "evil.pt")


def test_rng_states_restore_the_same_numbers() -> None:
    g = torch.Generator().manual_seed(5)
    states = rng_states(g)
    first = (torch.rand(3), torch.rand(3, generator=g))
    restore_rng_states(states, g)
    assert torch.equal(first[0], torch.rand(3)) and torch.equal(first[1], torch.rand(3, generator=g))
