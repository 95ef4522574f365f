"""Source layers of an image: list, rename, restyle, delete, and the names and styles new layers get.

Default styles follow the paper's UI (Perez et al., Section 4): SExtractor detections as yellow rings, the
reference catalogue blue, sources picked for annotation large white rings, annotators' own sources green.
Importing a catalogue into a new layer is :func:`backend.services.labelling.layer_import.import_catalog`.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from backend.db.annotations import Annotation, Annotator
from backend.db.sources import LAYER_KINDS, Layer, Source
from backend.db.tables import Image, utcnow
from backend.db.upsert import insert_ignore
from backend.errors import ConflictError, InputError, NotFoundError

DEFAULT_STYLES: dict[str, dict[str, Any]] = {
    "detections": {"colour": "#ffd33d", "radius_px": 6, "width": 1.5, "shape": "ring"},
    "reference": {"colour": "#58a6ff", "radius_px": 6, "width": 1.5, "shape": "ring"},
    "picked": {"colour": "#ffffff", "radius_px": 10, "width": 2.0, "shape": "ring"},
    "annotation": {"colour": "#3fb950", "radius_px": 6, "width": 1.5, "shape": "ring"},
}
ANNOTATION_LAYER = "annotations"
STYLE_KEYS: dict[str, type | tuple[type, ...]] = {
    "colour": str, "radius_px": (int, float), "width": (int, float), "shape": str, "visible": bool,
}
STYLE_SHAPES = ("ring", "dot", "cross", "square")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")


def check_kind(kind: str) -> str:
    if kind not in LAYER_KINDS:
        raise InputError(f"layer kind {kind!r} is unknown: use one of {', '.join(LAYER_KINDS)}")
    return kind


def default_style(kind: str) -> dict[str, Any]:
    return copy.deepcopy(DEFAULT_STYLES[check_kind(kind)])


def require_image(session: Session, image_id: int) -> Image:
    image = session.get(Image, image_id)
    if image is None:
        raise NotFoundError(f"no image with id {image_id}; GET /api/images lists the ingested images")
    return image


def list_layers(session: Session, image_id: int, archived: bool = False) -> list[Layer]:
    """The image's layers; archived ones (deleted while labelled) only with ``archived``."""
    require_image(session, image_id)
    query = select(Layer).where(Layer.image_id == image_id)
    if not archived:
        query = query.where(Layer.archived_at.is_(None))
    return list(session.scalars(query.order_by(Layer.id)))


def get_layer(session: Session, layer_id: int) -> Layer:
    layer = session.get(Layer, layer_id)
    if layer is None:
        raise NotFoundError(f"no layer with id {layer_id}; GET /api/images/{{id}}/layers lists an image's layers")
    return layer


def check_layers(session: Session, image_id: int, layer_ids: list[int] | None) -> list[int]:
    """The given layer ids (all of the image's live layers when None), each checked to belong to the image
    (an archived layer counts when named: its labels stay exportable)."""
    layers = list_layers(session, image_id, archived=True)
    known = [layer.id for layer in layers]
    if layer_ids is None:
        return [layer.id for layer in layers if layer.archived_at is None]
    foreign = [i for i in layer_ids if i not in known]
    if foreign:
        raise NotFoundError(f"image {image_id} has no layer(s) {', '.join(map(str, foreign))}; "
                            f"its layers are {', '.join(map(str, known)) or 'none'}")
    return list(layer_ids)


def unique_layer_name(session: Session, image_id: int, base: str) -> str:
    """``base``, or ``base (2)``, ``base (3)``... whichever the image does not use yet."""
    taken = set(session.scalars(select(Layer.name).where(Layer.image_id == image_id)))
    base = base.strip()[:190] or "layer"
    if base not in taken:
        return base
    number = 2
    while f"{base} ({number})" in taken:
        number += 1
    return f"{base} ({number})"


def check_name_free(session: Session, image_id: int, name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise InputError("a layer name must be 1 to 200 characters")
    clash = session.scalars(select(Layer).where(Layer.image_id == image_id, Layer.name == name)).first()
    if clash is not None:
        raise ConflictError(f"image {image_id} already has a layer named {name!r} (id {clash.id}); "
                            "choose another name or delete that layer")
    return name


def validate_style(style: dict[str, Any]) -> dict[str, Any]:
    for key, value in style.items():
        if key not in STYLE_KEYS:
            raise InputError(f"style key {key!r} is unknown: use {', '.join(STYLE_KEYS)}")
        if isinstance(value, bool) and key != "visible" or not isinstance(value, STYLE_KEYS[key]):
            raise InputError(f"style {key} has the wrong type: {value!r}")
    if "colour" in style and not _COLOUR.match(style["colour"]):
        raise InputError(f"style colour {style['colour']!r} is not of the form #rrggbb")
    if "shape" in style and style["shape"] not in STYLE_SHAPES:
        raise InputError(f"style shape {style['shape']!r} is unknown: use one of {', '.join(STYLE_SHAPES)}")
    for key in ("radius_px", "width"):
        if key in style and not 0 < style[key] <= 200:
            raise InputError(f"style {key} must be between 0 and 200 pixels, got {style[key]}")
    return style


def update_layer(session: Session, layer_id: int, name: str | None = None,
                 style: dict[str, Any] | None = None, train_on_reference: bool | None = None) -> Layer:
    """Rename and/or restyle; ``style`` keys are merged into the current style; ``train_on_reference`` turns
    the probe's use of a reference layer's classes on or off."""
    layer = get_layer(session, layer_id)
    if train_on_reference is not None:
        if train_on_reference and layer.kind != "reference":
            raise InputError(f"layer {layer_id} ({layer.name}) is a {layer.kind} layer: only a reference layer "
                             "has reference classes to train on")
        layer.train_on_reference = train_on_reference
    if name is not None and name.strip() != layer.name:
        layer.name = check_name_free(session, layer.image_id, name)
    if style is not None:
        layer.style = {**(layer.style or {}), **validate_style(dict(style))}
    session.flush()
    return layer


def human_label_count(session: Session, layer_id: int) -> int:
    return session.scalar(
        select(func.count(Annotation.id))
        .join(Source, Source.id == Annotation.source_id)
        .join(Annotator, Annotator.id == Annotation.annotator_id)
        .where(Source.layer_id == layer_id, Annotator.kind == "human")
    ) or 0


def delete_layer(session: Session, layer_id: int, force: bool = False) -> str:
    """Delete a layer with its sources; a layer that people labelled is archived instead (hidden, its labels kept
    and exportable, restorable with :func:`restore_layer`): append-only means append-only. Returns
    ``"deleted"`` or ``"archived"``. ``force`` is accepted for old clients and changes nothing."""
    layer = get_layer(session, layer_id)
    if human_label_count(session, layer_id):
        if layer.archived_at is None:
            layer.archived_at = utcnow()
        session.flush()
        return "archived"
    source_ids = select(Source.id).where(Source.layer_id == layer_id).scalar_subquery()
    session.execute(delete(Annotation).where(Annotation.source_id.in_(source_ids)))
    session.execute(delete(Source).where(Source.layer_id == layer_id))
    session.execute(delete(Layer).where(Layer.id == layer_id))
    session.expunge_all()
    return "deleted"


def restore_layer(session: Session, layer_id: int) -> Layer:
    layer = get_layer(session, layer_id)
    if layer.archived_at is None:
        raise ConflictError(f"layer {layer_id} ({layer.name}) is not archived")
    check_name_free_of_others(session, layer)
    layer.archived_at = None
    session.flush()
    return layer


def check_name_free_of_others(session: Session, layer: Layer) -> None:
    clash = session.scalars(select(Layer).where(Layer.image_id == layer.image_id, Layer.name == layer.name,
                                                Layer.id != layer.id)).first()
    if clash is not None:
        raise ConflictError(f"layer name {layer.name!r} is taken by layer {clash.id}: rename that one first")


def annotation_layer(session: Session, image_id: int) -> Layer:
    """The image's layer for sources drawn by annotators, created on first use."""
    found = session.scalars(select(Layer).where(Layer.image_id == image_id, Layer.name == ANNOTATION_LAYER)).first()
    if found is None:
        insert_ignore(session, Layer, {
            "image_id": image_id, "name": ANNOTATION_LAYER, "kind": "annotation",
            "style": default_style("annotation"), "meta": {"created_by": "annotators"}, "n_sources": 0,
        }, ["image_id", "name"])
        found = session.scalars(
            select(Layer).where(Layer.image_id == image_id, Layer.name == ANNOTATION_LAYER)
        ).one()
    return found
