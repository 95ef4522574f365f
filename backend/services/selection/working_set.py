"""The working set as ids: for "label next" (which runs as a task, so the filter travels in the task's
parameters as plain JSON), and sent to a labelling round."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.sources import Layer, Source
from backend.errors import InputError
from backend.services.labelling.source_queries import filtered, matching_ids
from backend.services.selection.filters import SourceFilter, compile_filter


def working_set_ids(session: Session, image_id: int, spec: dict[str, Any] | None) -> set[int] | None:
    """None when there is no filter (every source may be picked)."""
    if not spec:
        return None
    flt = compile_filter(session, image_id, SourceFilter.model_validate(spec))
    if flt is None:
        return None
    return set(matching_ids(session, filtered(session, image_id, None, "all", None), flt))


#: The most sources one round can be sent (the picked layer is drawn in full on the map).
MAX_ROUND_SOURCES = 5000


def send_to_round(session: Session, image_id: int, spec: SourceFilter, name: str = "") -> dict[str, Any]:
    """Open a labelling round for the working set's unlabelled sources and make them the picked layer (the
    large white rings every annotator sees), so a population lassoed in a diagram can be handed out."""
    from backend.services.labelling.annotators import open_round
    from backend.services.learning.picking import rebuild_picked_layer

    flt = compile_filter(session, image_id, spec)
    if flt is None or (not spec.cuts and not spec.regions and spec.lasso is None):
        raise InputError("the working set is every source: cut, draw a region or lasso a population first")
    layers = [lid for lid, kind in session.execute(select(Layer.id, Layer.kind).where(Layer.image_id == image_id))
              if kind != "picked"]
    ids = matching_ids(session, filtered(session, image_id, layers, "unlabelled", None).order_by(Source.id), flt)
    if not ids:
        raise InputError("no unlabelled source is in the working set: nothing to send to a round")
    if len(ids) > MAX_ROUND_SOURCES:
        raise InputError(f"{len(ids)} sources are in the working set: a round takes at most {MAX_ROUND_SOURCES}; "
                         "narrow the cuts or the regions")
    created = open_round(session, image_id, name)
    layer = rebuild_picked_layer(session, image_id, ids, f"round {created.number}")
    return {"round": {"id": created.id, "number": created.number, "name": created.name},
            "layer_id": layer.id, "count": len(ids)}
