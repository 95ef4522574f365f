"""Labelling: save a label (append-only, idempotent), sync an image's annotations (rounds: :mod:`.rounds`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from backend.api.caller import CallerDep as CallerNameDep
from backend.api.deps import CallerDep, LiveDep, SessionDep, SessionsDep
from backend.api.schemas_labels import AnnotationCreate, AnnotationList, AnnotationSaved
from backend.services.labelling.annotations import annotation_public, list_annotations, save_annotation
from backend.services.labelling.blind import blind_view, publishable_class
from backend.services.labelling.source_queries import source_summary

router = APIRouter(tags=["annotations"])


@router.post("/images/{image_id}/annotations", response_model=AnnotationSaved, status_code=status.HTTP_201_CREATED)
def post_annotation(image_id: int, body: AnnotationCreate, sessions: SessionsDep, response: Response,
                    live: LiveDep, caller: CallerDep) -> dict:
    """Save one label as the caller; 201 when new, 200 with the original when ``client_key`` was seen before
    (409 when that key was used for a different label).

    The annotator is the signed-in caller; only in local mode may ``annotator`` name someone (several people at
    one loopback desk), the local owner by default. A new label is published to every open map (``labels``
    event) and refits the probe shortly after."""
    if caller.local and body.annotator:
        who: dict = {"annotator": body.annotator}
    else:
        who = {"annotator": None, "user_id": caller.user_id}
    saved = save_annotation(sessions, image_id, class_=body.class_, client_key=body.client_key,
                            source_id=body.source_id, geometry=body.geometry, round_id=body.round_id,
                            repeat=body.repeat, **who)
    with sessions() as session:
        if not saved.created:
            response.status_code = status.HTTP_200_OK
        else:  # one event for every map: a source of an open blind round goes out without its consensus
            shown = publishable_class(session, image_id, saved.source.id, saved.source.label_class)
            live.label_saved(image_id, saved.source.id, shown,
                             blind=shown is None and saved.source.label_class is not None,
                             annotation_id=saved.annotation.id)
        view = blind_view(session, image_id, saved.annotator)
    return {"annotation": annotation_public(saved.annotation, saved.annotator),
            "source": view.summary(source_summary(saved.source))}


@router.get("/images/{image_id}/annotations", response_model=AnnotationList)
def get_annotations(
    image_id: int, session: SessionDep,
    since: Annotated[datetime | None, Query(description="ISO 8601 time: annotations created at or after it")] = None,
    after_id: Annotated[int | None, Query(description="the last annotation id the client has")] = None,
    limit: int = 1000, caller: CallerNameDep = None,
) -> dict[str, Any]:
    items = blind_view(session, image_id, caller).annotations(
        list_annotations(session, image_id, since=since, after_id=after_id, limit=limit))
    return {"count": len(items), "items": items}
