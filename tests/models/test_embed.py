"""Embedding extraction in batches."""

from __future__ import annotations

import numpy as np

from models.embed import embed
from models.encoders import build_encoder
from tests.models.synthetic import blobs, tiny_starcnet


def test_embeddings_for_all_sources_independent_of_batch_size() -> None:
    x, _ = blobs(37)
    encoder = build_encoder(tiny_starcnet())
    a = embed(encoder, x, batch_size=8, device="cpu")
    b = embed(encoder, x, batch_size=100, device="cpu")
    assert a.shape == (37, 16) and a.dtype == np.float32
    assert np.allclose(a, b, atol=1e-5)
    assert embed(encoder, x[:0], device="cpu").shape == (0, 16)
