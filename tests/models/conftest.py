"""Run the learning tests single-threaded: tiny networks gain nothing from threads, and on a shared 2-core
machine OpenMP's spinning threads made a tiny BYOL step 6-20x slower (0.35-1.2 s instead of 0.055 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def single_torch_thread() -> Iterator[None]:
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
