"""A consensus round's parameters, declared once: the API body, the service's input and the CLI's defaults.

Sources come either as a list of ids (``sources``) or from ``sample``: the paper's way (section 5.1), N
sources at random inside one or more regions drawn on the map; or, with ``sample.strategy`` ``entropy`` or
``diverse``, the N the acquisition function chooses among them (the highest predictive entropy under the
latest probe's scores, or k-center greedy over the encoder's embeddings; unlabelled sources only, as for
"label next"), the pool being the regions, the layer and the filter when given, else the whole image.
Regions are GeoJSON Polygons (or MultiPolygons, or Features holding one) in **0-based pixel coordinates**
(astropy origin 0), as everywhere in the API. ``seed`` makes the sample, the assignment and every queue order
reproducible (drawn and stored when not given).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from backend.services.selection.filters import SourceFilter


class SampleSpec(BaseModel):
    regions: list[dict[str, Any]] = Field(default_factory=list,
                                          description="GeoJSON Polygons in 0-based pixel coordinates")
    n: int = Field(30, ge=1, le=100_000, description="sources to draw at random inside the regions")
    layer: int | None = Field(None, description="the layer to sample from (default: every layer but picked copies)")
    filter: SourceFilter | None = Field(None, description="a working set as GET /sources/list takes it (cuts on "
                                                          "magnitude / CI / colour, saved regions, a lasso)")
    strategy: Literal["random", "entropy", "diverse"] = Field(
        "random", description="random: N at random (the paper's way); entropy: the N most uncertain under the "
                              "latest probe; diverse: k-center greedy in embedding space (both need a model and "
                              "take unlabelled sources only; regions optional)")


class GoldSpec(BaseModel):
    layer: int = Field(description="a reference layer: its sources' reference class is the gold class")
    n: int = Field(5, ge=1, le=10_000, description="gold sources hidden among the others")


class RoundCreate(BaseModel):
    name: str = Field("", max_length=200)
    k: int | None = Field(None, ge=1, le=50, description="votes wanted per source; omit for a plain tag round")
    annotators: list[str] = Field(default_factory=list, max_length=1000,
                                  description="user names taking part (at least k)")
    blind: bool = True
    show_predictions: bool = False
    show_previous_majority: bool = False
    sources: list[int] | None = Field(None, description="source ids (instead of sample)")
    sample: SampleSpec | None = None
    repeats: int = Field(0, ge=0, le=1000, description="sources shown a second time to each annotator")
    gold: GoldSpec | None = None
    seed: int | None = Field(None, ge=0, le=2**32 - 1)

    @property
    def consensus(self) -> bool:
        """Whether this is a consensus round (sources, k, annotators) rather than a plain tag round."""
        return self.k is not None or self.sources is not None or self.sample is not None
