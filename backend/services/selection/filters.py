"""The working set: range cuts, regions and a lasso in a diagram, as one filter shared by the triage grid
(``GET /sources/list``), ``n``/``p`` (``GET /sources/next``) and "label next" (``GET /learning/next``).

It travels as one JSON query parameter ``filter``::

    {"cuts": [{"expr": "mag_V-mag_I", "min": 0.2, "max": 1.0}, {"expr": "ci", "max": 1.4}],
     "regions": [3, 5],
     "lasso": {"x": "mag_V-mag_I", "y": "mag_V", "points": [[0.1, 24], [1.2, 24], [0.6, 19]]}}

A source passes when every cut holds (a missing or sentinel value fails the cut: it cannot be said to lie in
the range), it lies inside any of the regions (none: anywhere), and its diagram point lies inside the lasso.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.regions import Region
from backend.errors import InputError, NotFoundError
from backend.services.selection.expressions import Expression, parse_expression
from backend.services.selection.geometry import BBox, bounding_box, contains, in_polygon

MAX_CUTS = 20
MAX_REGIONS = 50


class Cut(BaseModel):
    expr: str = Field(description="a column or a sum/difference of columns, e.g. mag_V-mag_I")
    min: float | None = None
    max: float | None = None


class Lasso(BaseModel):
    x: str = Field(description="the diagram's horizontal expression")
    y: str = Field(description="the diagram's vertical expression")
    points: list[tuple[float, float]] = Field(min_length=3, max_length=10_000)


class SourceFilter(BaseModel):
    cuts: list[Cut] = Field(default_factory=list, max_length=MAX_CUTS)
    regions: list[int] = Field(default_factory=list, max_length=MAX_REGIONS)
    lasso: Lasso | None = None


def parse_filter(text: str | None) -> SourceFilter | None:
    """The ``filter`` query parameter (JSON) or None when absent or empty; a clear 4xx when malformed."""
    if text is None or not text.strip():
        return None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"filter is not JSON ({exc.msg} at character {exc.pos}): send "
                         '{"cuts": [{"expr": "mag_V-mag_I", "min": 0, "max": 1}], "regions": [ids]}') from None
    try:
        parsed = SourceFilter.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InputError(f"filter.{where}: {first['msg']}") from None
    if not parsed.cuts and not parsed.regions and parsed.lasso is None:
        return None
    return parsed


@dataclass(frozen=True)
class _CompiledCut:
    expr: Expression
    lo: float | None
    hi: float | None

    def holds(self, columns: Mapping[str, Any] | None) -> bool:
        value = self.expr.value(columns)
        if isinstance(value, str):
            return False
        return (self.lo is None or value >= self.lo) and (self.hi is None or value <= self.hi)


@dataclass(frozen=True)
class CompiledFilter:
    """A filter ready to test rows: ``bbox`` bounds every region together (a prefilter for the database)."""

    cuts: tuple[_CompiledCut, ...] = ()
    regions: tuple[tuple[str, dict[str, Any]], ...] = ()
    lasso: tuple[Expression, Expression, list[tuple[float, float]]] | None = None
    bbox: BBox | None = None
    columns: frozenset[str] = field(default_factory=frozenset)

    @property
    def needs_columns(self) -> bool:
        return bool(self.cuts) or self.lasso is not None

    def matches(self, x: float, y: float, columns: Mapping[str, Any] | None) -> bool:
        if self.regions and not any(contains(kind, g, x, y) for kind, g in self.regions):
            return False
        if not all(cut.holds(columns) for cut in self.cuts):
            return False
        if self.lasso is not None:
            ex, ey, points = self.lasso
            px, py = ex.value(columns), ey.value(columns)
            if isinstance(px, str) or isinstance(py, str) or not in_polygon(px, py, points):
                return False
        return True


def compile_filter(session: Session, image_id: int, spec: SourceFilter | None) -> CompiledFilter | None:
    """Regions looked up (each must be one of the image's), expressions parsed; None for no filter."""
    if spec is None:
        return None
    cuts = []
    for cut in spec.cuts:
        if cut.min is not None and cut.max is not None and cut.min > cut.max:
            raise InputError(f"cut on {cut.expr}: min {cut.min} is above max {cut.max}")
        cuts.append(_CompiledCut(parse_expression(cut.expr), cut.min, cut.max))
    regions = []
    if spec.regions:
        found = {r.id: r for r in session.scalars(select(Region).where(Region.id.in_(spec.regions)))}
        for rid in spec.regions:
            region = found.get(rid)
            if region is None or region.image_id != image_id:
                raise NotFoundError(f"image {image_id} has no region {rid}; GET /api/images/{image_id}/regions "
                                    "lists them")
            regions.append((region.kind, region.geometry))
    lasso = None
    if spec.lasso is not None:
        lasso = (parse_expression(spec.lasso.x), parse_expression(spec.lasso.y), list(spec.lasso.points))
    bbox = _union([bounding_box(kind, g) for kind, g in regions]) if regions else None
    names = {name for cut in cuts for name in cut.expr.columns}
    if lasso is not None:
        names |= set(lasso[0].columns) | set(lasso[1].columns)
    return CompiledFilter(tuple(cuts), tuple(regions), lasso, bbox, frozenset(names))


def _union(boxes: Iterable[BBox]) -> BBox:
    boxes = list(boxes)
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
