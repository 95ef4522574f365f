"""Sources: the map viewport, one source with its votes and history, the triage grid, next / previous.

Pixel positions and the ``bbox`` are FITS 0-based (astropy origin 0); lists in the query string are
comma-separated (``layers=1,2``, ``classes=1,2``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.api.caller import CallerDep
from backend.api.deps import SessionDep
from backend.api.routes.sky import parse_floats
from backend.api.schemas_labels import AnnotationPublic, SourceDetail, SourceList, SourceSummary
from backend.catalogues.votes import latest_votes
from backend.db.annotations import Annotation, Annotator
from backend.errors import InputError
from backend.services.labelling.annotations import source_history
from backend.services.labelling.blind import blind_view, image_of_source
from backend.services.labelling.progress import labelling_progress
from backend.services.labelling.source_queries import list_sources, next_source, source_detail
from backend.services.labelling.viewport import query_viewport
from backend.services.selection.filters import compile_filter, parse_filter
from backend.services.selection.photometry import photometry

router = APIRouter(tags=["sources"])

LayersQuery = Annotated[str | None, Query(description="layer ids, comma-separated; default: all layers")]
ClassesQuery = Annotated[str | None, Query(description="consensus classes, comma-separated")]
FilterQuery = Annotated[str | None, Query(description='the working set as JSON: {"cuts": [{"expr": "mag_V-mag_I", '
                                                      '"min": 0, "max": 1}], "regions": [ids], "lasso": {"x": expr, '
                                                      '"y": expr, "points": [[a, b], ...]}}')]


def parse_ids(text: str | None, name: str) -> list[int] | None:
    if text is None or not text.strip():
        return None
    try:
        return [int(item) for item in text.split(",") if item.strip()]
    except ValueError:
        raise InputError(f"{name}: {text!r} must be comma-separated integer ids") from None


def parse_names(text: str | None) -> list[str] | None:
    if text is None or not text.strip():
        return None
    return [item.strip() for item in text.split(",") if item.strip()]


@router.get("/images/{image_id}/sources")
def get_viewport(
    image_id: int, session: SessionDep, layers: LayersQuery = None, classes: ClassesQuery = None,
    bbox: Annotated[str | None, Query(description="xmin,ymin,xmax,ymax in 0-based pixels")] = None,
    state: Annotated[str, Query(description="all | labelled | unlabelled")] = "all",
    limit: int = 5000,
    thin: Annotated[bool, Query(description="more than limit: spread them evenly, brightest first")] = False,
    caller: CallerDep = None,
) -> dict[str, Any]:
    """The markers inside a map window (``truncated``: more matched than ``limit``, zoom in; with ``thin``
    the ``limit`` drawn are spread evenly over the window, brightest first)."""
    box = parse_floats(bbox, "bbox") if bbox else None
    if box is not None and len(box) != 4:
        raise InputError(f"bbox needs 4 numbers xmin,ymin,xmax,ymax (0-based pixels), got {len(box)}")
    unvoted = state == "unvoted"
    found = query_viewport(session, image_id, tuple(box) if box else None,  # type: ignore[arg-type]
                           parse_ids(layers, "layers"), parse_names(classes), "all" if unvoted else state, limit,
                           thin)
    if unvoted:
        if not caller:
            raise InputError("state=unvoted needs to know who is asking: ?annotator=NAME")
        mine = set(_voted_ids(session, image_id, caller))
        found["sources"] = [s for s in found["sources"] if s["id"] not in mine]
    view = blind_view(session, image_id, caller)
    if view:
        sources = found["sources"]
        if classes or state in ("labelled", "unlabelled"):
            sources = [s for s in sources if s["id"] not in view.hidden]
        # in (layer, id) order: PostgreSQL's scan order moves the rows a vote updates, which would tell
        found["sources"] = sorted((view.summary(s) for s in sources), key=lambda s: (s["layer_id"], s["id"]))
    found["count"] = len(found["sources"])
    return found


def _voted_ids(session: Session, image_id: int, caller: str) -> list[int]:
    """Sources the caller has a current vote on (for the map's "not voted by me")."""
    rows = session.execute(select(Annotation.id, Annotation.source_id, Annotation.class_)
                           .join(Annotator, Annotator.id == Annotation.annotator_id)
                           .where(Annotation.image_id == image_id, Annotator.name == caller,
                                  Annotation.repeat.is_(False))).all()
    return [int(str(sid)) for sid in latest_votes((aid, sid, cls) for aid, sid, cls in rows)]


@router.get("/images/{image_id}/sources/list", response_model=SourceList)
def get_source_list(
    image_id: int, session: SessionDep, layers: LayersQuery = None, classes: ClassesQuery = None,
    state: str = "all", sort: Annotated[str, Query(description="id | x | y | ra | dec | n_votes | <column>")] = "id",
    order: str = "asc", offset: int = 0, limit: int = 100,
    columns: Annotated[str | None, Query(description="catalogue columns to include, comma-separated")] = None,
    filter: FilterQuery = None, caller: CallerDep = None,
) -> dict[str, Any]:
    """A sorted page of sources for the triage grid; ``count`` is the total matching the filters."""
    flt = compile_filter(session, image_id, parse_filter(filter))
    view = blind_view(session, image_id, caller)
    found = list_sources(session, image_id, parse_ids(layers, "layers"), state, parse_names(classes),  # type: ignore[arg-type]
                         sort, order, offset, limit, parse_names(columns), flt, hidden=view.hidden, voter=caller)
    found["items"] = [view.summary(item) for item in found["items"]]
    return found


@router.get("/images/{image_id}/sources/next", response_model=SourceSummary)
def get_next_source(
    image_id: int, session: SessionDep, layers: LayersQuery = None, classes: ClassesQuery = None,
    after: Annotated[int | None, Query(description="the current source id; none: the first")] = None,
    direction: Annotated[str, Query(description="next | prev")] = "next",
    state: str = "unlabelled", filter: FilterQuery = None,
    near: Annotated[str | None, Query(description="x,y (0-based pixels): the nearest source to this point")] = None,
    skip: Annotated[str | None, Query(description="with near: source ids to pass over (already visited)")] = None,
    caller: CallerDep = None,
) -> dict[str, Any]:
    """The next (or previous) source in layer-then-id order, or with ``near`` the one nearest to that point
    (the view's centre) that is not in ``skip``; 404 "no more ..." at the end."""
    point = parse_floats(near, "near") if near else None
    if point is not None and len(point) != 2:
        raise InputError(f"near needs 2 numbers x,y (0-based pixels), got {len(point)}")
    flt = compile_filter(session, image_id, parse_filter(filter))
    view = blind_view(session, image_id, caller)
    return view.summary(next_source(session, image_id, after, direction, state,  # type: ignore[arg-type]
                                    parse_ids(layers, "layers"), parse_names(classes), flt,
                                    (point[0], point[1]) if point else None, parse_ids(skip, "skip"),
                                    hidden=view.hidden, voter=caller))


@router.get("/images/{image_id}/photometry")
def get_photometry(
    image_id: int, session: SessionDep, layers: LayersQuery = None,
    columns: Annotated[str | None, Query(description="columns, comma-separated; default: mag_* and ci")] = None,
    caller: CallerDep = None,
) -> dict[str, Any]:
    """Every source of the layers as columns for the colour-magnitude and colour-colour diagrams: ids,
    positions, consensus / reference / predicted class and the chosen values (placeholders as null,
    listed in ``sentinels``)."""
    found = photometry(session, image_id, parse_ids(layers, "layers"), parse_names(columns))
    view = blind_view(session, image_id, caller)
    if view:
        found["label_class"] = [view.own.get(sid) if sid in view.hidden else cls
                                for sid, cls in zip(found["id"], found["label_class"], strict=True)]
        if "predicted_class" in found:
            found["predicted_class"] = [None if sid in view.no_predictions else cls
                                        for sid, cls in zip(found["id"], found["predicted_class"], strict=True)]
    return found


@router.get("/images/{image_id}/progress")
def get_progress(image_id: int, session: SessionDep, caller: CallerDep = None) -> dict[str, Any]:
    """``{"sources": M, "labelled": by the team (a consensus class), "mine": by the caller}``; an open blind
    round's sources count for its annotators only by their own vote."""
    return labelling_progress(session, image_id, caller, blind_view(session, image_id, caller))


@router.get("/sources/{source_id}", response_model=SourceDetail)
def get_source(source_id: int, session: SessionDep, caller: CallerDep = None) -> dict[str, Any]:
    found = source_detail(session, source_id)
    view = blind_view(session, found["image_id"], caller)
    if source_id in view.hidden:
        mine = view.own.get(source_id)
        found = {**found, "label_class": mine, "n_votes": 1 if mine is not None else 0,
                 "votes": {caller: mine} if caller and mine is not None else {},
                 "history": view.annotations(found["history"])}
    return found


@router.get("/sources/{source_id}/annotations", response_model=list[AnnotationPublic])
def get_source_annotations(source_id: int, session: SessionDep, caller: CallerDep = None) -> list[dict[str, Any]]:
    """Every annotation of the source, oldest first; ``class`` null marks a retraction."""
    history = source_history(session, source_id)
    return blind_view(session, image_of_source(session, source_id), caller).annotations(history)
