"""Request and response schemas of the labelling API: projects, annotators, layers, sources, annotations,
rounds, detection (a family per entity, as in :mod:`backend.api.schemas`).

Pixel positions are FITS 0-based (astropy origin 0), sky positions ICRS degrees. The label field is
``class`` on the wire (``class_`` in Python, where ``class`` is a keyword).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from backend.catalogues.table import class_text


class ProjectCreate(BaseModel):
    name: str = Field(max_length=200)
    description: str = Field("", max_length=10_000)
    scheme: dict[str, Any] | None = Field(None, description="classes [{id, name, colour, hotkey, binary}]; "
                                                            "default LEGUS's 1-4")


class ProjectPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    description: str
    scheme: dict[str, Any]
    created_at: datetime


class AnnotatorCreate(BaseModel):
    name: str = Field(max_length=100)


class AnnotatorPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    kind: str = Field(description="human | catalogue")
    created_at: datetime


class LayerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    image_id: int
    name: str
    kind: str = Field(description="detections | reference | picked | annotation")
    style: dict[str, Any]
    n_sources: int
    source_file: str | None = None
    meta: dict[str, Any]
    created_at: datetime
    archived_at: datetime | None = None
    train_on_reference: bool = Field(False, description="the probe trains on this layer's reference classes")


class LayerUpdate(BaseModel):
    train_on_reference: bool | None = Field(None, description="train the probe on the reference classes")
    name: str | None = Field(None, max_length=200)
    style: dict[str, Any] | None = Field(None, description="keys merged into the style: colour, radius_px, "
                                                           "width, shape, visible")


class IdList(BaseModel):
    count: int
    ids: list[str]


class ImportResult(BaseModel):
    layer: LayerPublic
    imported: int
    outside: IdList = Field(description="sources off the image: not stored, listed here")
    unplaced: IdList = Field(description="sources without a usable position: not stored, listed here")
    labels: int = Field(description="annotations created from the catalogue's classes (not in reference layers)")
    references: int = Field(0, description="a reference layer's classes, kept as reference classes (no votes)")
    notes: list[str]


class DetectResult(BaseModel):
    layer: LayerPublic
    detected: int
    outside: IdList
    notes: list[str]


class AnnotationCreate(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    source_id: int | None = None
    geometry: dict[str, Any] | None = Field(None, description="GeoJSON-like Point or Polygon in 0-based pixels; "
                                                              "a box is a Polygon with bbox [xmin, ymin, xmax, ymax]")
    class_: str | None = Field(alias="class", max_length=50,
                               description="a class id of the scheme, or null to retract")
    annotator: str | None = Field(None, max_length=100, description="local mode only: whose label this is "
                                  "(default: the local owner); with accounts the caller is the annotator, "
                                  "whatever this says")
    client_key: str | None = Field(None, max_length=64,
                                   description="a UUID; resending it returns the original annotation")
    round_id: int | None = None
    repeat: bool = Field(False, description="the second showing of a round's repeat source (self-agreement)")

    @field_validator("class_", mode="before")
    @classmethod
    def _class_as_text(cls, value: Any) -> Any:
        return None if value is None else class_text(value)


class AnnotationPublic(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    id: int
    image_id: int
    source_id: int
    annotator: str
    class_: str | None = Field(alias="class")
    geometry: dict[str, Any] | None = None
    round_id: int | None = None
    supersedes_id: int | None = None
    client_key: str | None = None
    created_at: datetime
    repeat: bool = False


class SourceSummary(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    layer_id: int
    x: float
    y: float
    label_class: str | None = None
    n_votes: int = 0


class AnnotationSaved(BaseModel):
    annotation: AnnotationPublic
    source: SourceSummary


class AnnotationList(BaseModel):
    count: int
    items: list[AnnotationPublic]


class SourceDetail(BaseModel):
    id: int
    layer_id: int
    image_id: int
    catalog_id: str
    x: float
    y: float
    ra: float | None = None
    dec: float | None = None
    shape: dict[str, Any] | None = None
    geometry: dict[str, Any] | None = None
    columns: dict[str, Any]
    label_class: str | None = None
    n_votes: int
    votes: dict[str, str] = Field(description="each annotator's current class")
    history: list[AnnotationPublic]
    reference_class: str | None = Field(None, description="the class a reference catalogue gives it (no vote)")
    memberships: list[dict[str, Any]] = Field(
        default_factory=list, description="the object's layers, this source first: a reference source and a "
        "detection that are each other's nearest within 1.5 px are one object (one map ring, one export row); "
        "each {source_id, layer_id, layer, kind, catalog_id, reference_class}")


class SourceList(BaseModel):
    count: int = Field(description="all sources matching the filters")
    items: list[SourceSummary]
