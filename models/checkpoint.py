"""Checkpoints that are data: ``torch.save`` of plain dicts, lists, numbers, strings and tensors.

They load with ``torch.load(..., weights_only=True)``, which refuses pickled Python objects, so opening a
checkpoint from someone else cannot run code (microsoft/landcover's "a checkpoint is data" contract).
Writes go to a temporary file renamed into place, so a crash never leaves half a checkpoint.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch

from models.errors import CheckpointError


def save_checkpoint(path: str | Path, payload: dict) -> Path:
    """Write ``payload`` atomically to ``path`` (parents created) and return the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, target)
    return target


def load_checkpoint(path: str | Path, expected_format: str | None = None) -> dict:
    """Load a checkpoint on the CPU with ``weights_only=True``; check its ``format`` field when asked."""
    source = Path(path)
    if not source.is_file():
        raise CheckpointError(f"checkpoint {source} does not exist")
    try:
        payload = torch.load(source, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises UnpicklingError, RuntimeError, EOFError ... for bad files
        raise CheckpointError(
            f"checkpoint {source} cannot be read as plain data ({exc.__class__.__name__}: {exc}); "
            "it is corrupt or holds pickled objects"
        ) from exc
    if not isinstance(payload, dict):
        raise CheckpointError(f"checkpoint {source} holds a {type(payload).__name__}, expected a dict")
    if expected_format is not None and payload.get("format") != expected_format:
        raise CheckpointError(
            f"checkpoint {source} has format {payload.get('format')!r}, expected {expected_format!r}"
        )
    return payload


def rng_states(*generators: torch.Generator) -> dict:
    """Global torch (and CUDA) RNG states plus the states of ``generators``, as CPU tensors."""
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "generators": [g.get_state() for g in generators],
    }


def restore_rng_states(states: dict, *generators: torch.Generator) -> None:
    """Inverse of :func:`rng_states`: same generators in the same order."""
    torch.set_rng_state(states["torch"])
    if torch.cuda.is_available() and states.get("cuda"):
        torch.cuda.set_rng_state_all(states["cuda"])
    saved = states.get("generators", [])
    if len(saved) != len(generators):
        raise CheckpointError(f"checkpoint holds {len(saved)} generator states, {len(generators)} expected")
    for g, state in zip(generators, saved, strict=True):
        g.set_state(state)
