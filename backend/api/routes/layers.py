"""Layers of an image: list, import a catalogue file, rename / restyle, delete."""

from __future__ import annotations

import shutil
import uuid
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from backend.api.deps import SessionDep, SettingsDep
from backend.api.inputs import clean_text
from backend.api.schemas_labels import ImportResult, LayerPublic, LayerUpdate
from backend.services.labelling.catalogue_files import IMPORT_FORMATS, read_catalog_file
from backend.services.labelling.layer_import import ImportReport, import_catalog
from backend.services.labelling.layers import delete_layer, list_layers, require_image, restore_layer, update_layer

router = APIRouter(tags=["layers"])
CHUNK = 2**20


@router.get("/images/{image_id}/layers", response_model=list[LayerPublic])
def get_layers(
    image_id: int, session: SessionDep,
    archived: Annotated[bool, Query(description="include archived layers (deleted while labelled)")] = False,
) -> list[Any]:
    return list_layers(session, image_id, archived=archived)


@router.post("/images/{image_id}/layers/import", response_model=ImportResult, status_code=status.HTTP_201_CREATED)
def post_import(
    image_id: int,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="the catalogue file")],
    format: Annotated[str | None, Form(description=" | ".join(IMPORT_FORMATS) + "; default: guessed")] = None,
    name: Annotated[str | None, Form(description="layer name; default from the file")] = None,
    kind: Annotated[str | None, Form(description="detections | reference | picked | annotation")] = None,
    layout: Annotated[str | None, Form(description="LEGUS column layout (default: from the file name)")] = None,
    mapping: Annotated[str | None, Form(description='CSV/table columns as JSON, e.g. {"x": "xc", "y": "yc"}')] = None,
    positions: Annotated[str, Form(description="auto | pixel | sky (recompute pixels from RA/Dec)")] = "auto",
) -> ImportResult:
    """Import a catalogue as a new layer, in one transaction: a broken file is a 422 naming the line and
    the reason, and nothing is stored. Sources off the image are listed in ``outside``, not stored."""
    for field, value, width in (("format", format, 20), ("name", name, 200), ("kind", kind, 20),
                                ("layout", layout, 100), ("mapping", mapping, 10_000), ("positions", positions, 10)):
        clean_text(value, field, width)
    require_image(session, image_id)
    # the readers take the file from disk a line (text) or an HDU (FITS) at a time, never the upload as one bytes
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
    spooled = settings.uploads_dir / f"upload-{uuid.uuid4().hex}"
    try:
        with spooled.open("wb") as out:
            shutil.copyfileobj(file.file, out, CHUNK)
        catalog = read_catalog_file(spooled, PurePath(file.filename or "upload").name, format, layout, mapping)
    finally:
        spooled.unlink(missing_ok=True)
    report = import_catalog(session, image_id, catalog, name=name or None, kind=kind or None,
                            positions=positions)  # type: ignore[arg-type]
    session.commit()
    return import_result(report)


def import_result(report: ImportReport) -> ImportResult:
    return ImportResult.model_validate({
        "layer": LayerPublic.model_validate(report.layer), "imported": report.imported, "labels": report.labels,
        "references": report.references,
        "outside": {"count": len(report.outside), "ids": report.outside},
        "unplaced": {"count": len(report.unplaced), "ids": report.unplaced}, "notes": report.notes,
    })


@router.patch("/layers/{layer_id}", response_model=LayerPublic)
def patch_layer(layer_id: int, body: LayerUpdate, session: SessionDep) -> Any:
    layer = update_layer(session, layer_id, name=body.name, style=body.style,
                         train_on_reference=body.train_on_reference)
    session.commit()
    return layer


@router.delete("/layers/{layer_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={200: {"description": "archived: its sources carry people's labels"}})
def remove_layer(
    layer_id: int, session: SessionDep,
    force: Annotated[bool, Query(description="ignored: a labelled layer is always archived, never deleted")] = False,
) -> Response:
    """Delete a layer (204); one whose sources people labelled is archived instead (200), its labels kept and
    exportable (name it in ``layers=``), restorable with ``POST /api/layers/{id}/restore``."""
    outcome = delete_layer(session, layer_id, force=force)
    session.commit()
    if outcome == "archived":
        return JSONResponse({"status": "archived", "id": layer_id,
                             "detail": f"layer {layer_id} holds annotators' labels: archived, not deleted "
                                       f"(POST /api/layers/{layer_id}/restore brings it back)"})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/layers/{layer_id}/restore", response_model=LayerPublic)
def post_restore_layer(layer_id: int, session: SessionDep) -> Any:
    layer = restore_layer(session, layer_id)
    session.commit()
    return layer
