"""Labelling: append-only annotations, each saved in its own transaction together with the new consensus.

- Append-only: a changed label is a new row superseding the annotator's previous one (``supersedes_id``);
  a retraction is a row with class NULL. Nothing is updated or deleted, so every label can be traced.
- Idempotent: the browser sends a ``client_key`` (a UUID) with each label and sends it again after a network
  failure; the repeat returns the original annotation (``created`` False), never a duplicate. Two requests
  racing with one key are settled by the unique index (``INSERT ... ON CONFLICT DO NOTHING``).
- Concurrent annotators: the consensus is recomputed after the insert, inside the write transaction (SQLite
  serialises writers; on PostgreSQL the source row is locked first), so two people labelling one source at
  once both keep their votes and the consensus counts both.
- Without a source id, a drawn geometry (0-based pixels, astropy origin 0) creates a new source in the
  image's ``"annotations"`` layer at the geometry's centroid.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from backend.auth.accounts import annotator_for_user, user_for_name
from backend.catalogues.geometry import centroid, polygon
from backend.db.annotations import Annotation, Annotator
from backend.db.session import session_scope
from backend.db.sources import ROW_BAND_PX, Layer, Source
from backend.db.tables import utcnow
from backend.db.upsert import insert_ignore
from backend.db.users import User
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.consensus import refresh_source
from backend.services.labelling.layers import annotation_layer, require_image
from backend.services.labelling.projects import check_class, image_project
from backend.services.labelling.rounds import round_for_label

MAX_VERTICES = 10_000
MAX_KEY = 64


@dataclass
class SavedAnnotation:
    annotation: Annotation
    annotator: str
    source: Source
    created: bool


def save_annotation(
    sessions: sessionmaker[Session], image_id: int, annotator: str | None, class_: str | None,
    client_key: str | None = None, source_id: int | None = None, geometry: dict[str, Any] | None = None,
    round_id: int | None = None, repeat: bool = False, user_id: int | None = None,
) -> SavedAnnotation:
    """Record one label (see the module docstring); committed before this returns.

    The label is the user ``user_id``'s; without one, ``annotator`` names the user (local mode: a typed name
    becomes a user row)."""
    if client_key is not None and not 0 < len(client_key) <= MAX_KEY:
        raise InputError(f"client_key must be 1 to {MAX_KEY} characters (a UUID)")
    with session_scope(sessions) as session:
        if client_key is not None:
            repeated = _by_client_key(session, image_id, client_key)
            if repeated is not None:
                return _same_label(repeated, _annotator(session, annotator, user_id).id, class_, source_id, geometry)
        image = require_image(session, image_id)
        if image.archived_at is not None:
            raise ConflictError(f"image {image_id} is archived: an owner can restore it "
                                f"(POST /api/images/{image_id}/restore) before it is labelled again")
        if class_ is not None:
            check_class(image_project(session, image_id).scheme, class_)
        shape = check_geometry(geometry, image.width, image.height) if geometry is not None else None
        who = _annotator(session, annotator, user_id)
        if source_id is not None:
            source = _locked_source(session, image_id, source_id)
        elif shape is not None:
            source = _new_source(session, image_id, shape)
        else:
            raise InputError("give a source_id to label an existing source, or a geometry to create one")
        previous = session.scalars(
            select(Annotation).where(Annotation.source_id == source.id, Annotation.annotator_id == who.id,
                                     Annotation.repeat.is_(repeat))
            .order_by(Annotation.id.desc()).limit(1)
        ).first()
        if class_ is None and source_id is not None and (previous is None or previous.class_ is None):
            raise InputError(f"nothing to retract: {who.name!r} has no label on source {source.id}")
        values = {"image_id": image_id, "source_id": source.id, "annotator_id": who.id,
                  "round_id": round_for_label(session, image_id, round_id, who.id, source.id if source_id else None,
                                              repeat),
                  "class": class_, "repeat": repeat,
                  "geometry": shape, "supersedes_id": previous.id if previous else None,
                  "client_key": client_key, "created_at": utcnow()}
        new_id = insert_ignore(session, Annotation, values, ["client_key"])
        if new_id is None:  # the same client_key won a race a moment ago: answer with that one
            session.rollback()
            repeated = _by_client_key(session, image_id, client_key or "")
            if repeated is None:
                raise InputError(f"client_key {client_key!r} is already used")
            return _same_label(repeated, who.id, class_, source_id, geometry)
        source.label_class, source.n_votes = refresh_source(session, source.id)
        annotation = session.get(Annotation, new_id)
        assert annotation is not None
        return SavedAnnotation(annotation, who.name, source, True)


def _annotator(session: Session, name: str | None, user_id: int | None) -> Annotator:
    if user_id is not None:
        user = session.get(User, user_id)
        if user is None:
            raise NotFoundError(f"no user with id {user_id}")
    else:
        user = user_for_name(session, name or "")
    return annotator_for_user(session, user)


def _same_label(repeated: SavedAnnotation, annotator_id: int, class_: str | None, source_id: int | None,
                geometry: dict[str, Any] | None) -> SavedAnnotation:
    """A retry must be the same label by the same annotator; a reused key with another body is a 409."""
    stored = repeated.annotation
    same = stored.annotator_id == annotator_id and stored.class_ == class_ and (
        source_id is None or source_id == stored.source_id) and (
        source_id is not None or geometry is None or _same_geometry(stored.geometry, geometry))
    if not same:
        raise ConflictError(f"client_key {stored.client_key!r} was already used for another label "
                            f"(annotation {stored.id}): send a new key for a new label")
    return repeated


def _same_geometry(stored: dict[str, Any] | None, sent: dict[str, Any]) -> bool:
    if stored is None:
        return False
    try:
        return geometry_position(stored) == geometry_position(sent) and stored.get("type") == sent.get("type")
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError):
        return False


def _by_client_key(session: Session, image_id: int, client_key: str) -> SavedAnnotation | None:
    row = session.execute(
        select(Annotation, Annotator.name).join(Annotator, Annotator.id == Annotation.annotator_id)
        .where(Annotation.client_key == client_key)
    ).first()
    if row is None:
        return None
    annotation, name = row
    if annotation.image_id != image_id:
        raise InputError(f"client_key {client_key!r} was already used for a label on image {annotation.image_id}")
    source = session.get(Source, annotation.source_id)
    assert source is not None
    return SavedAnnotation(annotation, name, source, False)


def _locked_source(session: Session, image_id: int, source_id: int) -> Source:
    """The source, locked before the annotator's previous label is read, so concurrent saves by one annotator
    form a linear history: ``FOR UPDATE`` on PostgreSQL; on SQLite (where it is a no-op) a no-op write takes the
    database's write lock first, so a second save waits instead of reading the same previous label."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Source).where(Source.id == source_id).values(n_votes=Source.n_votes))
    source = session.scalars(select(Source).where(Source.id == source_id).with_for_update()).first()
    if source is None or source.image_id != image_id:
        raise NotFoundError(f"image {image_id} has no source with id {source_id}")
    return source


def _new_source(session: Session, image_id: int, geometry: dict[str, Any]) -> Source:
    layer = annotation_layer(session, image_id)
    x, y = geometry_position(geometry)
    source = Source(image_id=image_id, layer_id=layer.id, catalog_id=f"new-{uuid.uuid4().hex}", x=x, y=y,
                    row_band=math.floor(y / ROW_BAND_PX), geometry=geometry, columns={}, n_votes=0)
    session.add(source)
    session.flush()
    source.catalog_id = str(source.id)  # unique in the layer, and a plain number in exports
    session.execute(update(Layer).where(Layer.id == layer.id).values(n_sources=Layer.n_sources + 1))
    session.flush()
    return source


def geometry_position(geometry: dict[str, Any]) -> tuple[float, float]:
    if geometry["type"] == "Point":
        return float(geometry["coordinates"][0]), float(geometry["coordinates"][1])
    return centroid(geometry)


def check_geometry(geometry: dict[str, Any], width: int, height: int) -> dict[str, Any]:
    """A clean Point or Polygon (ring closed; an axis-aligned 4-corner ring becomes a box with ``bbox``)
    in 0-based pixels, whose position lies on the image (-0.5 <= x < width - 0.5, the same for y)."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Point", "Polygon"):
        raise InputError('geometry must be {"type": "Point" | "Polygon", "coordinates": ...} in 0-based pixels')
    coordinates = geometry.get("coordinates")
    if geometry["type"] == "Point":
        clean: dict[str, Any] = {"type": "Point", "coordinates": [*_pair(coordinates, "Point coordinates")]}
    else:
        if not isinstance(coordinates, list) or len(coordinates) != 1 or not isinstance(coordinates[0], list):
            raise InputError("Polygon coordinates must be one ring: [[[x, y], [x, y], ...]] (holes are not used)")
        ring = [_pair(p, "a polygon vertex") for p in coordinates[0]]
        if len(ring) > MAX_VERTICES:
            raise InputError(f"a polygon may have at most {MAX_VERTICES} vertices, got {len(ring)}")
        if len(set(ring)) < 3:
            raise InputError("a polygon needs at least 3 distinct vertices")
        clean = polygon(ring)
    x, y = geometry_position(clean)
    if not (-0.5 <= x < width - 0.5 and -0.5 <= y < height - 0.5):
        raise InputError(f"the geometry's position ({x:.1f}, {y:.1f}) is outside the {width}x{height} image "
                         "(0-based pixels)")
    return clean


def _pair(value: Any, what: str) -> tuple[float, float]:
    ok = isinstance(value, list | tuple) and len(value) == 2 and all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value)
    if not ok:
        raise InputError(f"{what} must be [x, y] with two finite numbers, got {value!r}")
    return float(value[0]), float(value[1])


def annotation_public(annotation: Annotation, annotator: str) -> dict[str, Any]:
    return {
        "id": annotation.id, "image_id": annotation.image_id, "source_id": annotation.source_id,
        "annotator": annotator, "class": annotation.class_, "geometry": annotation.geometry,
        "round_id": annotation.round_id, "supersedes_id": annotation.supersedes_id,
        "client_key": annotation.client_key, "created_at": annotation.created_at, "repeat": annotation.repeat,
    }


def source_history(session: Session, source_id: int) -> list[dict[str, Any]]:
    """Every annotation of a source, oldest first (retractions included, class None)."""
    if session.get(Source, source_id) is None:
        raise NotFoundError(f"no source with id {source_id}")
    rows = session.execute(
        select(Annotation, Annotator.name).join(Annotator, Annotator.id == Annotation.annotator_id)
        .where(Annotation.source_id == source_id).order_by(Annotation.id)
    ).all()
    return [annotation_public(a, name) for a, name in rows]


def latest_annotation_id(session: Session, image_id: int) -> int:
    """The newest annotation id of the image (0 when none): where a map's catch-up (``after_id``) starts."""
    return int(session.scalar(select(func.max(Annotation.id)).where(Annotation.image_id == image_id)) or 0)


def list_annotations(session: Session, image_id: int, since: datetime | None = None, after_id: int | None = None,
                     limit: int = 1000) -> list[dict[str, Any]]:
    """An image's annotations in id order, for clients catching up (``after_id`` is the last one they have)."""
    require_image(session, image_id)
    if not 1 <= limit <= 100_000:
        raise InputError(f"limit must be between 1 and 100000, got {limit}")
    query = select(Annotation, Annotator.name).join(Annotator, Annotator.id == Annotation.annotator_id) \
        .where(Annotation.image_id == image_id)
    if since is not None:  # stored in UTC (SQLite keeps no offset): compare in UTC
        since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        query = query.where(Annotation.created_at >= since)
    if after_id is not None:
        query = query.where(Annotation.id > after_id)
    rows = session.execute(query.order_by(Annotation.id).limit(limit)).all()
    return [annotation_public(a, name) for a, name in rows]
