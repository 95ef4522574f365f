"""Where and in which precision to run: CUDA when present (bf16/fp16 autocast, channels_last), CPU otherwise.

On the CPU, bf16 autocast is used for *training* only where the CPU has native bf16 (AVX512-BF16 or AMX):
measured on the 2-core AMD EPYC development machine (avx512_bf16), a BYOL step at batch 128 ran 1.5-2.5x
faster for the small ResNet (34 -> 50-87 images/s) and 1.3x for StarcNet (2.3 -> 3.0 images/s). Embeddings
stay float32 on the CPU (they are computed once and feed the probe). channels_last only helps GPU tensor
cores, so it is off on the CPU.
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


def cpu_has_bf16() -> bool:
    """Whether this CPU computes bf16 natively (AVX512-BF16 or AMX), where bf16 autocast pays."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, name, lambda: False)()) for name in checks)


def autocast_dtype(
    device: torch.device, precision: str = "auto", training: bool = False
) -> torch.dtype | None:
    """Autocast dtype for ``precision`` (None: float32).

    "auto": bf16 (fp16 where bf16 is missing) on CUDA; on the CPU bf16 for training where the CPU has native
    bf16 (see the module docstring), float32 otherwise.
    """
    if precision not in PRECISIONS:
        raise ConfigError(f"precision {precision!r} unknown: choose one of {PRECISIONS}")
    if precision == "fp32":
        return None
    if precision == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if training and device.type == "cpu" and cpu_has_bf16() else None
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
