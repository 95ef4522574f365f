"""Export an image's layers as a catalogue file (a download with its file name)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import StreamingResponse

from backend.api.caller import CallerDep
from backend.api.deps import SessionDep
from backend.api.routes.sources import parse_ids
from backend.errors import InputError
from backend.services.labelling.export import FORMATS, export_image

router = APIRouter(tags=["export"])


@router.get("/images/{image_id}/export", response_class=Response)
def get_export(
    image_id: int, session: SessionDep,
    format: Annotated[str, Query(description=" | ".join(FORMATS))] = "ecsv",
    layers: Annotated[str | None, Query(description="layer ids, comma-separated; default: all")] = None,
    exported_by: Annotated[str | None, Query(description="written into the provenance")] = None,
    caller: CallerDep = None,
) -> Response:
    """Columns ``x``, ``y`` (0-based pixels), ``ra``, ``dec`` (ICRS deg), ``class`` (consensus) and
    ``class_<annotator>`` per annotator, the curated consensus columns (``n_votes``, ``votes_<c>``, ``class_mode``,
    ``class_mean``, ``agreement``, ``class_ds``, ``p_ds``, ``class_adjudicated``, ``consensus_method``, ...), with
    provenance (scheme, classes, image, time, software). In an open blind round its annotators get their own
    votes only on the round's sources."""
    if format not in FORMATS:
        raise InputError(f"format {format!r} is unknown: use one of {', '.join(FORMATS)}")
    exported = export_image(session, image_id, format, parse_ids(layers, "layers"), exported_by or caller,
                            viewer=caller)
    # streamed: the text formats are written a chunk of rows at a time as the client reads them
    return StreamingResponse(exported.chunks, media_type=exported.media_type, headers={
        "Content-Disposition": f'attachment; filename="{exported.filename}"',
        "X-Sources": str(exported.n_sources),
    })
