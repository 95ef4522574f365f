"""Fixtures of the AI-loop tests (a pytest plugin: ``pytest_plugins = ["tests.backend.learning_fixtures"]``).

``untrained_image`` and ``trained_image`` are fresh copies of the session's image (see
:mod:`tests.backend.learning_image`); ``single_torch_thread`` runs torch on one thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from tests.backend.learning_image import TINY_PRETRAIN, LearningImage, build_image, copy_image


@pytest.fixture(scope="session")
def _untrained_template(tmp_path_factory: pytest.TempPathFactory) -> LearningImage:
    return build_image(tmp_path_factory.mktemp("learning") / "data")


@pytest.fixture(scope="session")
def _trained_template(tmp_path_factory: pytest.TempPathFactory,
                      _untrained_template: LearningImage) -> LearningImage:
    from backend.services.learning.pretraining import PretrainParams
    from backend.worker.submit import submit_pretrain

    image = copy_image(_untrained_template, tmp_path_factory.mktemp("trained") / "data")
    ctx = image.context()
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run = submit_pretrain(ctx, image.image_id, PretrainParams(**TINY_PRETRAIN))
    finally:
        torch.set_num_threads(previous)
    assert run.status == "done", run.error
    return image


@pytest.fixture
def untrained_image(_untrained_template: LearningImage, tmp_path: Path) -> LearningImage:
    """A fresh copy of the image with its detections layer, no model."""
    return copy_image(_untrained_template, tmp_path / "data")


@pytest.fixture
def trained_image(_trained_template: LearningImage, tmp_path: Path) -> LearningImage:
    """A fresh copy of the image with a pretrained tiny encoder and the embeddings of every source."""
    return copy_image(_trained_template, tmp_path / "data")


@pytest.fixture
def single_torch_thread() -> Iterator[None]:
    """Tiny networks gain nothing from threads on a shared 2-core machine (see tests/models/conftest.py)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
