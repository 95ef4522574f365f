"""Schemas of the rounds API (the create body is :class:`~backend.services.labelling.round_spec.RoundCreate`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.services.labelling.round_spec import GoldSpec, RoundCreate, SampleSpec

__all__ = ["AdjudicationCreate", "GoldSpec", "RoundCreate", "RoundPublic", "SampleSpec"]


class RoundPublic(BaseModel):
    id: int
    image_id: int
    number: int
    name: str
    status: str = Field(description="open | closed (legacy view; equal to state)")
    state: str = Field(description="draft | open | closed | adjudicated")
    k: int | None = None
    blind: bool = True
    show_predictions: bool = False
    show_previous_majority: bool = False
    created_by: str | None = None
    opened_at: datetime
    closed_at: datetime | None = None
    annotators: list[str] = Field(default_factory=list)
    sources: list[int] = Field(default_factory=list, description="the round's source ids in sample order")
    seed: int | None = None


class RoundDetail(RoundPublic):
    changes: list[dict[str, Any]]
    progress: dict[str, Any] | None = None


class AdjudicationCreate(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    source_id: int
    class_: str = Field(alias="class")
    note: str = ""


class AdjudicationPublic(BaseModel):
    id: int
    round_id: int
    source_id: int
    class_: str = Field(alias="class")
    note: str
    by: str | None
    created_at: datetime
    state: str = Field(description="the round's state after the decision")
