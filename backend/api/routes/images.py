"""Images: list, read, upload (ingest), delete. An image is named by id, never by a path from the client."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status
from fastapi.responses import JSONResponse

from backend.api.deps import CallerDep, ServingCacheDep, SessionDep, SessionsDep, SettingsDep
from backend.api.inputs import clean_text
from backend.api.presenters import image_public
from backend.api.schemas import ImagePublic, ImagesPublic
from backend.errors import InputError
from backend.services.images.store import delete_image, ingest_image, list_images, load_image, restore_image
from backend.services.images.upload_progress import UploadProgress
from backend.services.labelling.projects import default_project
from tiles.ingest import BandInput

router = APIRouter(tags=["images"])

CHUNK = 1 << 20


@router.get("/images", response_model=ImagesPublic)
def get_images(
    session: SessionDep, caller: CallerDep,
    archived: Annotated[bool, Query(description="include archived images (deleted while labelled)")] = False,
) -> ImagesPublic:
    """The images of the caller's projects (every image in local mode); archived images only when asked."""
    visible = caller.projects()
    default_id = default_project(session).id
    items = [image_public(image) for image in list_images(session, archived=archived)
             if visible is None or (image.project_id or default_id) in visible]
    return ImagesPublic(count=len(items), items=items)


@router.get("/images/{image_id}", response_model=ImagePublic)
def get_image(image_id: int, session: SessionDep) -> ImagePublic:
    return image_public(load_image(session, image_id))


@router.post("/images", response_model=ImagePublic, status_code=status.HTTP_201_CREATED)
def upload_image(
    request: Request,
    settings: SettingsDep,
    sessions: SessionsDep,
    name: Annotated[str, Form(description="unique image name")],
    files: Annotated[list[UploadFile], File(description="one FITS file per band")],
    bands: Annotated[list[str], Form(description="band names, in the order of the files")] = [],  # noqa: B006
    rendition: Annotated[list[str], Form(description="extra recipes, e.g. 'ha:R=F657N,G=F555W,B=F435W'")] = [],  # noqa: B006
    hdu: Annotated[list[str], Form(description="HDU per file (index or EXTNAME); empty = first image HDU")] = [],  # noqa: B006
    reproject: Annotated[bool, Form(description="resample all bands onto one grid")] = False,
    reference_band: Annotated[str | None, Form()] = None,
    upload_key: Annotated[str | None, Form(description="any 8-64 character key: GET /api/uploads/{key} "
                                                         "reports the ingest's progress meanwhile")] = None,
) -> ImagePublic:
    """Ingest FITS bands sent as multipart files (atomic: on any error nothing is kept)."""
    clean_text(name, "name", 200)
    clean_text(reference_band, "reference_band", 100)
    for field, values, width in (("bands", bands, 100), ("rendition", rendition, 1000), ("hdu", hdu, 100)):
        for value in values:
            clean_text(value, field, width)
    if len(files) > 64:
        raise InputError(f"{len(files)} files: at most 64 bands in one image")
    tracker: UploadProgress | None = request.app.state.upload_progress if upload_key else None
    key = UploadProgress.check_key(upload_key) if upload_key else ""
    if bands and len(bands) != len(files):
        raise InputError(f"{len(files)} files but {len(bands)} band names: give one name per file, in order")
    names = bands or [Path(f.filename or f"band{i}").name.split(".")[0] for i, f in enumerate(files)]
    if len(set(names)) != len(names):
        raise InputError(f"band names must be unique, got {names}")
    if hdu and len(hdu) != len(files):
        raise InputError(f"{len(files)} files but {len(hdu)} hdu values: give one per file or none")
    staging = settings.uploads_dir / f"upload-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        inputs = []
        for i, (band_name, upload) in enumerate(zip(names, files, strict=True)):
            suffix = ".fits.gz" if (upload.filename or "").endswith(".gz") else ".fits"
            target = staging / f"{i:02d}{suffix}"
            with target.open("wb") as out:
                shutil.copyfileobj(upload.file, out, CHUNK)
            hdu_value: int | str | None = None
            if hdu and hdu[i] != "":
                hdu_value = int(hdu[i]) if hdu[i].isdigit() else hdu[i]
            inputs.append(BandInput(name=band_name, path=target, hdu=hdu_value))
        if tracker is not None:
            tracker.update(key, "checking bands", 0.0)
        image_id = ingest_image(
            settings, sessions, name, inputs, recipes=rendition, reproject=reproject,
            reference_band=reference_band,
            progress=(lambda stage, fraction: tracker.update(key, stage, fraction)) if tracker else None,
        )
        if tracker is not None:
            tracker.update(key, "done", 1.0, state="done")
    except Exception:
        if tracker is not None:
            tracker.update(key, "refused", 0.0, state="failed")
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    with sessions() as session:
        return image_public(load_image(session, image_id))


@router.get("/uploads/{upload_key}")
def get_upload_progress(upload_key: str, request: Request) -> dict[str, object]:
    """``{"state": unknown | ingesting | done | failed, "stage", "fraction"}`` of ``POST /images`` with that key."""
    tracker: UploadProgress = request.app.state.upload_progress
    return tracker.get(upload_key)


@router.delete("/images/{image_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={200: {"description": "archived: the image carries people's labels"}})
def remove_image(image_id: int, settings: SettingsDep, sessions: SessionsDep, catalog: ServingCacheDep) -> Response:
    """Delete an image (204); one with people's labels is archived instead (200 ``{"status": "archived"}``):
    hidden, labels and files kept, still exportable, restorable with ``POST /api/images/{id}/restore``."""
    outcome = delete_image(settings, sessions, image_id)
    if outcome == "archived":
        return JSONResponse({"status": "archived", "id": image_id,
                             "detail": f"image {image_id} carries annotators' labels: archived, not deleted "
                                       f"(POST /api/images/{image_id}/restore brings it back)"})
    catalog.forget(image_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/images/{image_id}/restore", response_model=ImagePublic)
def post_restore_image(image_id: int, session: SessionDep) -> ImagePublic:
    """Bring back an archived image."""
    restore_image(session, image_id)
    session.commit()
    return image_public(load_image(session, image_id))
