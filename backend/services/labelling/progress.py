"""Labelling progress for the header: "N of M labelled by me · K by the team".

M counts the image's sources outside the "picked" layer (its rings are copies of other layers' sources);
the team's count is the sources with a consensus class; mine, the sources whose latest annotation by the
annotator is a class (a retraction is no label). For an annotator of an open blind round (``blind``), the
round's sources count for the team only by the caller's own vote, as every other read route shows them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.annotations import Annotation, Annotator
from backend.db.sources import Layer, Source
from backend.services.labelling.blind import BlindView
from backend.services.labelling.layers import require_image


def labelling_progress(session: Session, image_id: int, annotator: str | None,
                       blind: BlindView | None = None) -> dict[str, Any]:
    require_image(session, image_id)
    counted = select(Layer.id).where(Layer.image_id == image_id, Layer.kind != "picked")
    total = session.scalar(select(func.count()).select_from(Source).where(
        Source.image_id == image_id, Source.layer_id.in_(counted))) or 0
    labelled = select(func.count()).select_from(Source).where(
        Source.image_id == image_id, Source.layer_id.in_(counted), Source.label_class.is_not(None))
    if blind:
        labelled = labelled.where(Source.id.not_in(list(blind.hidden)))
    team = session.scalar(labelled) or 0
    if blind and blind.own:  # the caller's own votes on the hidden sources
        team += session.scalar(select(func.count()).select_from(Source).where(
            Source.id.in_(list(blind.own)), Source.layer_id.in_(counted))) or 0
    mine = None
    if annotator:
        who = session.scalar(select(Annotator.id).where(Annotator.name == annotator))
        mine = 0
        if who is not None:
            latest = (select(func.max(Annotation.id).label("id")).where(
                Annotation.image_id == image_id, Annotation.annotator_id == who)
                .group_by(Annotation.source_id).subquery())
            mine = session.scalar(select(func.count()).select_from(Annotation).join(
                latest, latest.c.id == Annotation.id).join(Source, Source.id == Annotation.source_id).where(
                Annotation.class_.is_not(None), Source.layer_id.in_(counted))) or 0
    return {"image_id": image_id, "sources": int(total), "labelled": int(team),
            "annotator": annotator, "mine": mine}
