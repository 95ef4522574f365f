"""Where and in which precision to run: CUDA when present (bf16/fp16 autocast, channels_last), CPU otherwise.

On the CPU mixed precision and channels_last are off by default: measured on the 2-core development machine
they do not pay for these small convolutions (see the report in ``models/README`` of the lead).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

from models.errors import ConfigError

PRECISIONS = ("auto", "fp32", "bf16", "fp16")


def resolve_device(device: str | torch.device | None = None) -> torch.device:
    """``None``/"auto" -> CUDA when available, else CPU; anything else as given (error if CUDA is missing)."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' requested but no CUDA GPU is visible to torch: use 'cpu' or 'auto'")
    return dev


def autocast_dtype(device: torch.device, precision: str = "auto") -> torch.dtype | None:
    """Autocast dtype for ``precision`` (None: float32). "auto": bf16 (or fp16) on CUDA, fp32 on CPU."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision {precision!r} unknown: choose one of {PRECISIONS}")
    if precision == "fp32" or (precision == "auto" and device.type != "cuda"):
        return None
    if precision == "auto":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.bfloat16 if precision == "bf16" else torch.float16


def use_channels_last(device: torch.device, setting: str | bool = "auto") -> bool:
    """channels_last memory format: on by default on CUDA (tensor cores), off on CPU."""
    if setting == "auto":
        return device.type == "cuda"
    return bool(setting)


@contextlib.contextmanager
def autocast(device: torch.device, dtype: torch.dtype | None) -> Iterator[None]:
    """``torch.autocast`` when ``dtype`` is set, a no-op otherwise."""
    if dtype is None:
        yield
    else:
        with torch.autocast(device_type=device.type, dtype=dtype):
            yield
