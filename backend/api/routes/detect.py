"""Source detection (sep) on an image, stored as a new detections layer."""

from __future__ import annotations

from fastapi import APIRouter, status

from backend.api.deps import SessionDep, SettingsDep
from backend.api.schemas_labels import DetectResult, LayerPublic
from backend.services.images.detection import DetectParams, detect_into_layer

router = APIRouter(tags=["detection"])


@router.post("/images/{image_id}/detect", response_model=DetectResult, status_code=status.HTTP_201_CREATED)
def post_detect(image_id: int, body: DetectParams, session: SessionDep, settings: SettingsDep) -> DetectResult:
    """Detect with SExtractor's algorithm on ``bands`` (their S/N sum when several) and measure every band."""
    report = detect_into_layer(session, settings.data_dir, image_id, body)
    session.commit()
    return DetectResult(layer=LayerPublic.model_validate(report.layer), detected=report.imported,
                        outside={"count": len(report.outside), "ids": report.outside},  # type: ignore[arg-type]
                        notes=report.notes)
