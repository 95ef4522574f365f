"""Read-side queries on sources: one source with its votes and history, the triage grid's sorted pages,
and next / previous for keyboard labelling (order: layer, then id; or the nearest to a point of the map).

Every query takes the working set's filter (cuts, regions, a lasso: :mod:`backend.services.selection`):
the database narrows by image, layers, state, classes and the regions' bounding box, and the rows left are
tested in Python (the cuts read catalogue columns, the regions need point-in-shape tests).

Positions are FITS 0-based pixels (astropy origin 0). ``state`` is ``all``, ``labelled`` (a consensus class
exists), ``unlabelled`` or ``unvoted`` ("not voted by me": the caller has no current vote); ``classes``
filters on the consensus class.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from backend.catalogues.votes import latest_votes
from backend.db.annotations import Annotation, Annotator
from backend.db.sources import Source
from backend.errors import InputError, NotFoundError
from backend.services.labelling.annotations import source_history
from backend.services.labelling.layers import check_layers
from backend.services.selection.filters import CompiledFilter

State = Literal["all", "labelled", "unlabelled", "unvoted"]
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


def memberships(session: Session, source: Source) -> list[dict[str, Any]]:
    """The object's memberships, itself first: a reference-layer source and a source of another layer (not
    picked copies) that are each other's nearest within :data:`~backend.services.labelling.export.MATCH_PX`
    are one object, as the export's one row (:func:`~backend.services.labelling.export.cross_matched`)."""
    from backend.db.sources import Layer
    from backend.services.labelling.export import MATCH_PX

    layers = {int(i): (str(n), str(k)) for i, n, k in session.execute(
        select(Layer.id, Layer.name, Layer.kind).where(Layer.image_id == source.image_id))}

    def one(s: Source) -> dict[str, Any]:
        name, kind = layers[s.layer_id]
        return {"source_id": s.id, "layer_id": s.layer_id, "layer": name, "kind": kind,
                "catalog_id": s.catalog_id, "reference_class": s.reference_class}

    def side(reference: bool) -> list[int]:
        return [i for i, (_, k) in layers.items() if k != "picked" and (k == "reference") == reference]

    def nearest(x: float, y: float, layer_ids: list[int]) -> Source | None:
        if not layer_ids:
            return None
        near = session.scalars(select(Source).where(
            Source.image_id == source.image_id, Source.layer_id.in_(layer_ids),
            Source.x.between(x - MATCH_PX, x + MATCH_PX), Source.y.between(y - MATCH_PX, y + MATCH_PX))).all()
        scored = sorted((math.hypot(s.x - x, s.y - y), s.id, s) for s in near)
        return scored[0][2] if scored and scored[0][0] <= MATCH_PX else None

    kind = layers[source.layer_id][1]
    if kind == "picked":
        return [one(source)]
    mine = kind == "reference"
    twin = nearest(source.x, source.y, side(not mine))
    if twin is None or nearest(twin.x, twin.y, side(mine)) is not source:
        return [one(source)]
    return [one(source), one(twin)]


def source_detail(session: Session, source_id: int) -> dict[str, Any]:
    source = session.get(Source, source_id)
    if source is None:
        raise NotFoundError(f"no source with id {source_id}")
    history = source_history(session, source_id)
    votes = latest_votes((h["id"], h["annotator"], h["class"]) for h in history if not h.get("repeat"))
    return {
        "id": source.id, "layer_id": source.layer_id, "image_id": source.image_id, "catalog_id": source.catalog_id,
        "x": source.x, "y": source.y, "ra": source.ra, "dec": source.dec, "shape": source.shape,
        "geometry": source.geometry, "columns": source.columns or {}, "label_class": source.label_class,
        "n_votes": source.n_votes, "votes": {str(who): cls for who, (_, cls) in votes.items()}, "history": history,
        "reference_class": source.reference_class, "memberships": memberships(session, source),
    }


def filtered(session: Session, image_id: int, layer_ids: list[int] | None, state: State,
             classes: list[str] | None, hidden: set[int] | None = None, voter: str | None = None) -> Select[Any]:
    """``state`` ``unvoted``: sources ``voter`` has no current vote on ("not voted by me"). ``hidden``: sources
    of an open blind round the caller may not see the consensus of: they never match a consensus filter
    (:mod:`backend.services.labelling.blind`)."""
    query = select(Source).where(Source.image_id == image_id)
    if layer_ids is not None:
        query = query.where(Source.layer_id.in_(check_layers(session, image_id, layer_ids)))
    else:
        check_layers(session, image_id, None)  # 404 for an unknown image
    if state == "labelled":
        query = query.where(Source.label_class.is_not(None))
    elif state == "unlabelled":
        query = query.where(Source.label_class.is_(None))
    elif state == "unvoted":
        query = query.where(~_voted_by(voter))
    elif state != "all":
        raise InputError(f"state must be all, labelled, unlabelled or unvoted, got {state!r}")
    if classes:
        query = query.where(Source.label_class.in_(classes))
    if hidden and (classes or state in ("labelled", "unlabelled")):
        query = query.where(Source.id.not_in(hidden))
    return query


def _voted_by(voter: str | None) -> Any:
    """Whether ``voter``'s latest label on the source is a vote (a retraction is no vote)."""
    if not voter:
        raise InputError("state=unvoted needs to know who is asking: ?annotator=NAME")
    mine = aliased(Annotation)
    latest = select(func.max(mine.id)).join(Annotator, Annotator.id == mine.annotator_id).where(
        mine.source_id == Source.id, Annotator.name == voter, mine.repeat.is_(False)
    ).correlate(Source).scalar_subquery()
    return exists(select(Annotation.id).where(Annotation.id == latest, Annotation.class_.is_not(None)))


def list_sources(
    session: Session, image_id: int, layer_ids: list[int] | None = None, state: State = "all",
    classes: list[str] | None = None, sort: str = "id", order: str = "asc", offset: int = 0, limit: int = 100,
    columns: list[str] | None = None, flt: CompiledFilter | None = None, hidden: set[int] | None = None,
    voter: str | None = None,
) -> dict[str, Any]:
    """``{"count": total matching, "items": [summary + catalog_id, ra, dec, the chosen columns]}``."""
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise InputError(f"limit must be 1 to {MAX_PAGE} and offset >= 0, got limit {limit}, offset {offset}")
    if order not in ("asc", "desc"):
        raise InputError(f"order must be asc or desc, got {order!r}")
    query = filtered(session, image_id, layer_ids, state, classes, hidden, voter)
    key = _sort_key(session, sort)
    ordering = [key.asc().nulls_last() if order == "asc" else key.desc().nulls_last(),
                Source.id.asc() if order == "asc" else Source.id.desc()]
    if flt is None:
        count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        page = list(session.scalars(query.order_by(*ordering).offset(offset).limit(limit)))
    else:
        ids = matching_ids(session, query.order_by(*ordering), flt)
        count = len(ids)
        wanted = ids[offset:offset + limit]
        found = {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(wanted)))}
        page = [found[i] for i in wanted]
    items = []
    for source in page:
        item = source_summary(source) | {"catalog_id": source.catalog_id, "ra": source.ra, "dec": source.dec}
        if columns:
            item["columns"] = {name: (source.columns or {}).get(name) for name in columns}
        items.append(item)
    return {"count": count, "items": items}


def _bounded(query: Select[Any], flt: CompiledFilter) -> Select[Any]:
    if flt.bbox is None:
        return query
    xmin, ymin, xmax, ymax = flt.bbox
    return query.where(Source.x.between(xmin, xmax), Source.y.between(ymin, ymax))


def matching_ids(session: Session, query: Select[Any], flt: CompiledFilter) -> list[int]:
    """Ids of the rows of ``query`` (a ``select(Source)``, in its order) that pass ``flt``."""
    cols = [Source.id, Source.x, Source.y] + ([Source.columns] if flt.needs_columns else [])
    rows = session.execute(_bounded(query, flt).with_only_columns(*cols)).all()
    if flt.needs_columns:
        return [r[0] for r in rows if flt.matches(r[1], r[2], r[3])]
    return [r[0] for r in rows if flt.matches(r[1], r[2], None)]


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
    flt: CompiledFilter | None = None, near: tuple[float, float] | None = None, skip: list[int] | None = None,
    hidden: set[int] | None = None, voter: str | None = None,
) -> dict[str, Any]:
    """The source after (or before) ``after`` in (layer, id) order among the filtered ones; 404 at the end.

    With ``near`` (x, y: FITS 0-based pixels, the view's centre), the matching source nearest to it instead,
    leaving out ``skip`` (the ones already visited on this walk): catalogue ids follow image rows, so walking
    them jumps across the galaxy and starts at the edge artefacts of the first rows.
    """
    if direction not in ("next", "prev"):
        raise InputError(f"direction must be next or prev, got {direction!r}")
    query = filtered(session, image_id, layer_ids, state, classes, hidden, voter)
    if near is not None:
        return _nearest(session, query, near, set(skip or ()), flt, state)
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
    if flt is None:
        found = session.scalars(query.order_by(*ordering).limit(1)).first()
    else:
        ids = matching_ids(session, query.order_by(*ordering), flt)
        found = session.get(Source, ids[0]) if ids else None
    if found is None:
        what = "sources" if state == "all" else f"{state} sources"
        raise NotFoundError(f"no more {what} {'after' if forward else 'before'} this one"
                            + (" in the cuts and regions" if flt is not None else ""))
    return _found(found)


def _found(source: Source) -> dict[str, Any]:
    return source_summary(source) | {"catalog_id": source.catalog_id, "ra": source.ra, "dec": source.dec}


#: Half-sides of the windows searched around the point, then the whole image: each is an index range seek.
NEAR_WINDOWS: tuple[float | None, ...] = (128.0, 512.0, 2048.0, 8192.0, None)


def _nearest(session: Session, query: Select[Any], near: tuple[float, float], skip: set[int],
             flt: CompiledFilter | None, state: str) -> dict[str, Any]:
    cx, cy = near
    if not all(math.isfinite(v) for v in near):
        raise InputError(f"near {cx},{cy} must be two finite pixel coordinates x,y")
    wants_columns = flt is not None and flt.needs_columns
    cols = [Source.id, Source.x, Source.y] + ([Source.columns] if wants_columns else [])
    for half in NEAR_WINDOWS:
        window = query if flt is None else _bounded(query, flt)
        if half is not None:
            window = window.where(Source.x.between(cx - half, cx + half), Source.y.between(cy - half, cy + half))
        best: tuple[float, int] | None = None
        for row in session.execute(window.with_only_columns(*cols)):
            if row[0] in skip:
                continue
            if flt is not None and not flt.matches(row[1], row[2], row[3] if wants_columns else None):
                continue
            d2 = (row[1] - cx) ** 2 + (row[2] - cy) ** 2
            if best is None or (d2, row[0]) < best:
                best = (d2, row[0])
        # anything outside the window is farther than its half-side: the best inside is the nearest only then
        if best is not None and (half is None or best[0] <= half * half):
            found = session.get(Source, best[1])
            assert found is not None
            return _found(found) | {"distance_px": round(math.sqrt(best[0]), 2)}
    what = "sources" if state == "all" else f"{state} sources"
    raise NotFoundError(f"no more {what}" + (" in the cuts and regions" if flt is not None else "")
                        + (f" (skipping the {len(skip)} already visited)" if skip else ""))
