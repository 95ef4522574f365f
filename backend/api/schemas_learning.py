"""Request schemas of the learning API (responses are the services' plain dicts, documented on each route)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class PretrainRequest(BaseModel):
    """BYOL pretraining of the image's encoder (the paper's Appendix B/C settings unless changed here)."""

    steps: int = Field(300, ge=1, le=1_000_000, description="optimiser steps (the paper: 170,000 on a GPU)")
    batch_size: int = Field(128, ge=2, le=4096)
    encoder: Literal["auto", "starcnet", "resnet"] = Field(
        "auto", description="auto: StarcNet on a GPU, the small ResNet on a CPU")
    encoder_options: dict[str, Any] = Field(default_factory=dict,
                                            description='spec overrides, e.g. {"widths": [16, 32]}')
    layer_ids: list[int] | None = Field(None, description="layers whose sources are cut; default: all")
    size: int = Field(32, ge=8, le=256, description="cutout size in pixels")
    seed: int = 0
    checkpoint_every: int = Field(50, ge=1, description="steps between checkpoints (a retry resumes there)")
    device: Literal["auto", "cpu", "cuda"] = "auto"


class RetrainRequest(BaseModel):
    """Probe settings; omitted ones keep the newest probe's."""

    l2: float | None = Field(None, gt=0, description="L2 strength of the logistic regression")
    features: list[str] | None = Field(None, description="catalogue columns appended to the embeddings")
    pseudo: dict[str, Any] | None = Field(None, description="pseudo-label schedule {start, end, rounds, ...}")

    def overrides(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)
