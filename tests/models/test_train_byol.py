"""BYOL training loop: learns on a tiny CPU run, resumes exactly, checkpoints are plain data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from models.errors import CheckpointError, ConfigError
from models.train_byol import BYOLConfig, benchmark_throughput, train_byol
from tests.models.synthetic import blobs, tiny_config, tiny_resnet


@pytest.fixture(scope="module")
def cutouts() -> np.ndarray:
    return blobs(128)[0]


def test_loss_decreases_on_a_tiny_run(cutouts: np.ndarray) -> None:
    state = train_byol(cutouts, tiny_config(steps=30, batch=32))
    losses = np.array(state.losses)
    assert losses.shape == (30,) and np.isfinite(losses).all()
    assert losses[-5:].mean() < losses[:5].mean() - 0.2


def test_same_seed_same_run(cutouts: np.ndarray) -> None:
    a = train_byol(cutouts, tiny_config(steps=3))
    b = train_byol(cutouts, tiny_config(steps=3))
    assert a.losses == b.losses


def test_resume_from_checkpoint_gives_identical_next_steps(cutouts: np.ndarray, tmp_path: Path) -> None:
    full = train_byol(cutouts, tiny_config(steps=6))
    train_byol(cutouts, tiny_config(steps=6), until_step=3, checkpoint_path=tmp_path / "half.pt")
    resumed = train_byol(cutouts, resume_from=tmp_path / "half.pt")
    assert resumed.step == 6
    assert resumed.losses == full.losses
    after = resumed.networks.state_dict()
    for name, value in full.networks.state_dict().items():
        assert torch.equal(value, after[name]), name


def test_checkpoint_is_plain_data(cutouts: np.ndarray, tmp_path: Path) -> None:
    path = tmp_path / "byol.pt"
    calls: list[tuple] = []
    train_byol(cutouts, tiny_config(steps=4), checkpoint_path=path, checkpoint_every=2,
               progress=lambda *args: calls.append(args), progress_every=2, normalisation={"sigma": [1.0]})
    payload = torch.load(path, weights_only=True)
    assert payload["step"] == 4 and payload["normalisation"] == {"sigma": [1.0]}
    assert BYOLConfig.from_dict(json.loads(json.dumps(payload["config"]))) == tiny_config(steps=4)
    assert [c[:2] for c in calls] == [(2, 4), (4, 4)]
    assert all(np.isfinite(c[2]) and c[3] > 0 for c in calls)


def test_bad_checkpoint_and_bad_input_are_explained(cutouts: np.ndarray, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.pt"
    torch.save({"format": "something-else"}, bogus)
    with pytest.raises(CheckpointError, match="expected 'skylabel-byol-v1'"):
        train_byol(cutouts, resume_from=bogus)
    with pytest.raises(ConfigError, match="expected \\(N>0, 3 bands"):
        train_byol(cutouts[:, :2], tiny_config(steps=1))


def test_benchmark_throughput_reports_images_per_second() -> None:
    rate = benchmark_throughput("cpu", n_steps=1, batch=8, encoder=tiny_resnet(5), size=16)
    assert rate > 0


def test_decorrelation_term_trains_and_is_checked(cutouts: np.ndarray) -> None:
    plain = train_byol(cutouts, tiny_config(steps=3))
    config = tiny_config(steps=3)
    config.decorrelation = 1.0
    spread = train_byol(cutouts, config)
    assert np.isfinite(spread.losses).all() and spread.losses != plain.losses
    assert BYOLConfig.from_dict(config.to_dict()).decorrelation == 1.0
    config.decorrelation = -1.0
    with pytest.raises(ConfigError, match="decorrelation"):
        train_byol(cutouts, config)
