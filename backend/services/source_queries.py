"""Read-side queries on sources: one source with its votes and history, the triage grid's sorted pages,
and next / previous for keyboard labelling (order: layer, then id).

Positions are FITS 0-based pixels (astropy origin 0). ``state`` is ``all``, ``labelled`` (a consensus class
exists) or ``unlabelled``; ``classes`` filters on the consensus class.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from backend.db.sources import Source
from backend.errors import InputError, NotFoundError
from backend.services.annotations import source_history
from backend.services.consensus import current_votes
from backend.services.layers import check_layers

State = Literal["all", "labelled", "unlabelled"]
SORTABLE = {"id": Source.id, "x": Source.x, "y": Source.y, "ra": Source.ra, "dec": Source.dec,
            "catalog_id": Source.catalog_id, "label_class": Source.label_class, "n_votes": Source.n_votes}
_COLUMN_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,100}$")
MAX_PAGE = 5000


def source_summary(source: Source) -> dict[str, Any]:
    out: dict[str, Any] = {"id": source.id, "layer_id": source.layer_id, "x": source.x, "y": source.y,
                           "label_class": source.label_class, "n_votes": source.n_votes}
    if source.shape:
        out["shape"] = source.shape
    if source.reference_class is not None:
        out["reference_class"] = source.reference_class
    return out


def source_detail(session: Session, source_id: int) -> dict[str, Any]:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id}")
    history = source_history(session, source_id)
    votes = current_votes((h["id"], h["annotator"], h["class"]) for h in history if not h.get("repeat"))
    return {
        "id": source.id, "layer_id": source.layer_id, "image_id": source.image_id, "catalog_id": source.catalog_id,
        "x": source.x, "y": source.y, "ra": source.ra, "dec": source.dec, "shape": source.shape,
        "geometry": source.geometry, "columns": source.columns or {}, "label_class": source.label_class,
        "n_votes": source.n_votes, "votes": {str(who): cls for who, (_, cls) in votes.items()}, "history": history,
        "reference_class": source.reference_class,
    }


def filtered(session: Session, image_id: int, layer_ids: list[int] | None, state: State,
             classes: list[str] | None) -> Select[Any]:
    query = select(Source).where(Source.image_id == image_id)
    if layer_ids is not None:
        query = query.where(Source.layer_id.in_(check_layers(session, image_id, layer_ids)))
    else:
        check_layers(session, image_id, None)  # 404 for an unknown image
    if state == "labelled":
        query = query.where(Source.label_class.is_not(None))
    elif state == "unlabelled":
        query = query.where(Source.label_class.is_(None))
    elif state != "all":
        raise InputError(f"state must be all, labelled or unlabelled, got {state!r}")
    if classes:
        query = query.where(Source.label_class.in_(classes))
    return query


def list_sources(
    session: Session, image_id: int, layer_ids: list[int] | None = None, state: State = "all",
    classes: list[str] | None = None, sort: str = "id", order: str = "asc", offset: int = 0, limit: int = 100,
    columns: list[str] | None = None,
) -> dict[str, Any]:
    """``{"count": total matching, "items": [summary + catalog_id, ra, dec, the chosen columns]}``."""
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise InputError(f"limit must be 1 to {MAX_PAGE} and offset >= 0, got limit {limit}, offset {offset}")
    if order not in ("asc", "desc"):
        raise InputError(f"order must be asc or desc, got {order!r}")
    query = filtered(session, image_id, layer_ids, state, classes)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    key = _sort_key(session, sort)
    ordering = [key.asc().nulls_last() if order == "asc" else key.desc().nulls_last(),
                Source.id.asc() if order == "asc" else Source.id.desc()]
    items = []
    for source in session.scalars(query.order_by(*ordering).offset(offset).limit(limit)):
        item = source_summary(source) | {"catalog_id": source.catalog_id, "ra": source.ra, "dec": source.dec}
        if columns:
            item["columns"] = {name: (source.columns or {}).get(name) for name in columns}
        items.append(item)
    return {"count": count, "items": items}


def _sort_key(session: Session, sort: str) -> Any:
    if sort in SORTABLE:
        return SORTABLE[sort]
    if not _COLUMN_NAME.match(sort):
        raise InputError(f"cannot sort by {sort!r}: use one of {', '.join(SORTABLE)} or a catalogue column name")
    if session.get_bind().dialect.name == "sqlite":
        return func.json_extract(Source.columns, f'$."{sort}"')  # keeps numbers numeric
    sample = session.scalar(select(Source.columns[sort].as_string()).where(
        Source.columns[sort].as_string().is_not(None)).limit(1))
    try:
        float(sample or "")
        return Source.columns[sort].as_float()
    except ValueError:
        return Source.columns[sort].as_string()


def next_source(
    session: Session, image_id: int, after: int | None = None, direction: str = "next",
    state: State = "unlabelled", layer_ids: list[int] | None = None, classes: list[str] | None = None,
) -> dict[str, Any]:
    """The source after (or before) ``after`` in (layer, id) order among the filtered ones; 404 at the end."""
    if direction not in ("next", "prev"):
        raise InputError(f"direction must be next or prev, got {direction!r}")
    query = filtered(session, image_id, layer_ids, state, classes)
    forward = direction == "next"
    if after is not None:
        ref = session.get(Source, after)
        if ref is None or ref.image_id != image_id:
            raise NotFoundError(f"image {image_id} has no source with id {after}")
        if forward:
            query = query.where(or_(Source.layer_id > ref.layer_id,
                                    and_(Source.layer_id == ref.layer_id, Source.id > ref.id)))
        else:
            query = query.where(or_(Source.layer_id < ref.layer_id,
                                    and_(Source.layer_id == ref.layer_id, Source.id < ref.id)))
    ordering = (Source.layer_id.asc(), Source.id.asc()) if forward else (Source.layer_id.desc(), Source.id.desc())
    found = session.scalars(query.order_by(*ordering).limit(1)).first()
    if found is None:
        what = "sources" if state == "all" else f"{state} sources"
        raise NotFoundError(f"no more {what} {'after' if forward else 'before'} this one")
    return source_summary(found) | {"catalog_id": found.catalog_id, "ra": found.ra, "dec": found.dec}
