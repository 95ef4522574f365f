"""Device and precision choices."""

from __future__ import annotations

import pytest
import torch

from models.device import autocast_dtype, cpu_has_bf16, resolve_device, use_channels_last
from models.errors import ConfigError


def test_cpu_defaults_bf16_training_only_where_native() -> None:
    cpu = torch.device("cpu")
    assert autocast_dtype(cpu, "auto") is None and not use_channels_last(cpu)  # embeddings stay float32
    assert autocast_dtype(cpu, "auto", training=True) == (torch.bfloat16 if cpu_has_bf16() else None)
    assert autocast_dtype(cpu, "fp32", training=True) is None
    assert autocast_dtype(cpu, "bf16") == torch.bfloat16
    assert resolve_device("cpu") == cpu
    assert resolve_device(None).type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_unknown_precision_and_missing_cuda_are_explained() -> None:
    with pytest.raises(ConfigError, match="precision 'fp8' unknown"):
        autocast_dtype(torch.device("cpu"), "fp8")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA GPU"):
            resolve_device("cuda")
