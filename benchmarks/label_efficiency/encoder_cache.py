"""Trained encoders of the label-efficiency benchmark, cached by the hash of the configuration that made them.

One BYOL run (and one supervised-transfer network) per configuration: the key is the SHA-256 of the JSON of
everything that determines the weights (simulated field, encoder spec, steps, batch, augmentations, seed,
and a format version to bump when the training code changes meaning). A rerun with the same configuration
loads the weights in a second; any change trains afresh. Files are plain state dicts (``weights_only``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn

from models.encoders import build_encoder

CACHE_VERSION = 2  # 2: Table C.1 views, position-keeping ResNet, run-length EMA, every detection


def config_hash(payload: dict) -> str:
    """16 hex digits of the SHA-256 of ``payload`` as canonical JSON (with the cache version)."""
    text = json.dumps({"cache_version": CACHE_VERSION, **payload}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_encoder(
    cache_dir: Path, name: str, payload: dict, train: Callable[[], tuple[nn.Module, dict]],
    log: Callable[[str], None],
) -> tuple[nn.Module, dict]:
    """The encoder ``train()`` makes for ``payload``, loaded from ``cache_dir`` when trained before.

    Returns the encoder (eval mode, CPU) and its info dict, with ``cache`` {"hash", "path", "hit"}.
    """
    key = config_hash(payload)
    path = Path(cache_dir) / f"{name}-{key}.pt"
    if path.is_file():
        saved = torch.load(path, map_location="cpu", weights_only=True)
        encoder = build_encoder(saved["spec"])
        encoder.load_state_dict(saved["state"])
        info = json.loads(saved["info"])
        log(f"{name}: cached run {key} ({path})")
        return encoder.eval(), {**info, "cache": {"hash": key, "path": str(path), "hit": True}}
    encoder, info = train()
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = dict(getattr(encoder, "spec", payload.get("encoder", {})))
    state = {k: v.detach().cpu() for k, v in encoder.state_dict().items()}
    tmp = path.with_suffix(".tmp")
    torch.save({"spec": spec, "state": state, "info": json.dumps(info, default=str)}, tmp)
    tmp.replace(path)
    return encoder.cpu().eval(), {**info, "cache": {"hash": key, "path": str(path), "hit": False}}
