"""The ids of the unlabelled sources in a working set, for "label next" (which runs as a task, so the
filter travels in the task's parameters as plain JSON)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

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
