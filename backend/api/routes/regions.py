"""Regions of an image (polygon, box, circle; FITS 0-based pixels) that restrict the triage grid, ``n``/``p``
and "label next"; DS9 region files in and out; the working set sent to a labelling round."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, UploadFile, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from backend.api.deps import SessionDep
from backend.errors import InputError
from backend.services.selection.filters import SourceFilter
from backend.services.selection.regions import (
    create_region,
    delete_region,
    export_ds9,
    import_ds9,
    list_regions,
    region_public,
)
from backend.services.selection.working_set import send_to_round

router = APIRouter(tags=["regions"])
MAX_REGION_FILE = 2 * 2**20


class RegionCreate(BaseModel):
    kind: str = Field(description="polygon | box | circle")
    geometry: dict[str, Any] = Field(description='circle {"x","y","r"}, box {"x","y","width","height","angle"}, '
                                                 'polygon {"points": [[x, y], ...]}: FITS 0-based pixels')
    name: str = ""


@router.get("/images/{image_id}/regions")
def get_regions(image_id: int, session: SessionDep) -> list[dict[str, Any]]:
    return [region_public(r) for r in list_regions(session, image_id)]


@router.post("/images/{image_id}/regions", status_code=status.HTTP_201_CREATED)
def post_region(image_id: int, body: RegionCreate, session: SessionDep) -> dict[str, Any]:
    region = create_region(session, image_id, body.kind, body.geometry, body.name)
    session.commit()
    return region_public(region)


@router.delete("/regions/{region_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_region(region_id: int, session: SessionDep) -> None:
    delete_region(session, region_id)
    session.commit()


@router.get("/images/{image_id}/regions.reg", response_class=PlainTextResponse)
def get_regions_ds9(image_id: int, session: SessionDep) -> PlainTextResponse:
    text = export_ds9(list_regions(session, image_id))
    disposition = f'attachment; filename="image{image_id}-regions.reg"'
    return PlainTextResponse(text, headers={"Content-Disposition": disposition})


@router.post("/images/{image_id}/regions/import", status_code=status.HTTP_201_CREATED)
def post_regions_ds9(image_id: int, session: SessionDep,
                     file: Annotated[UploadFile, File(description="a DS9 region file")]) -> list[dict[str, Any]]:
    """Every circle, box and polygon of the file as a region, all or nothing."""
    raw = file.file.read(MAX_REGION_FILE + 1)
    if len(raw) > MAX_REGION_FILE:
        raise InputError(f"region file is over {MAX_REGION_FILE // 2**20} MB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("region file is not UTF-8 text") from None
    created = import_ds9(session, image_id, text)
    session.commit()
    return [region_public(r) for r in created]


class RoundFromWorkingSet(BaseModel):
    name: str = ""
    filter: SourceFilter = Field(description="the working set, as GET /sources/list takes it (as JSON here)")


@router.post("/images/{image_id}/rounds/from-working-set", status_code=status.HTTP_201_CREATED)
def post_round_from_working_set(image_id: int, body: RoundFromWorkingSet, session: SessionDep) -> dict[str, Any]:
    """Open a round for the working set's unlabelled sources; they become the picked layer (white rings)."""
    out = send_to_round(session, image_id, body.filter, body.name)
    session.commit()
    return out
