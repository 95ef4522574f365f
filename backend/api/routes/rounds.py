"""Labelling rounds: tag rounds, and consensus rounds (sample, assign, open, close, queue, report, adjudicate);
the consensus views of an image (against a reference layer, annotator skill)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from backend.api.caller import CallerDep
from backend.api.deps import SessionDep, SettingsDep
from backend.api.schemas_rounds import AdjudicationCreate, AdjudicationPublic, RoundCreate, RoundDetail, RoundPublic
from backend.errors import InputError
from backend.services.labelling.annotators import get_round, list_rounds
from backend.services.labelling.blind import blind_view, check_report_visible
from backend.services.labelling.comparison import compare
from backend.services.labelling.curated import annotator_skill
from backend.services.labelling.round_report import report
from backend.services.labelling.rounds import (
    adjudicate,
    blind_progress,
    change_state,
    changes,
    create_round,
    progress,
    queue,
    round_public,
)

router = APIRouter(tags=["rounds"])


@router.get("/images/{image_id}/rounds", response_model=list[RoundPublic])
def get_rounds(image_id: int, session: SessionDep) -> list[Any]:
    return [round_public(session, r) for r in list_rounds(session, image_id)]


@router.post("/images/{image_id}/rounds", response_model=RoundPublic, status_code=status.HTTP_201_CREATED)
def post_round(image_id: int, body: RoundCreate, session: SessionDep, settings: SettingsDep,
               caller: CallerDep) -> Any:
    """A tag round (only ``name``: open at once; labels without ``round_id`` join it), or a consensus round
    (``k``, ``annotators`` and ``sources`` or ``sample``) created in ``draft``: open it to take votes.
    ``sample.strategy`` ``entropy`` / ``diverse`` chooses by the acquisition function (409 without a model)."""
    made = create_round(session, image_id, body, caller, settings.data_dir)
    session.commit()
    return round_public(session, made)


@router.get("/rounds/{round_id}", response_model=RoundDetail)
def get_round_detail(round_id: int, session: SessionDep, caller: CallerDep) -> Any:
    """The round, its recorded state changes and progress (an annotator of an open blind round sees their own
    queue's progress and the round's overall fraction only; reviewers see everyone's and every source's)."""
    found = get_round(session, round_id)
    shown = progress(session, round_id) if found.k is not None else None
    if shown is not None and round_id in blind_view(session, found.image_id, caller).rounds:
        shown = blind_progress(shown, caller)
    return {**round_public(session, found), "changes": changes(session, round_id), "progress": shown}


@router.post("/rounds/{round_id}/open", response_model=RoundPublic)
def post_open_round(round_id: int, session: SessionDep, caller: CallerDep) -> Any:
    opened = change_state(session, round_id, "open", caller)
    session.commit()
    return round_public(session, opened)


@router.post("/rounds/{round_id}/close", response_model=RoundPublic)
def post_close_round(round_id: int, session: SessionDep, caller: CallerDep) -> Any:
    closed = change_state(session, round_id, "closed", caller)
    session.commit()
    return round_public(session, closed)


@router.get("/rounds/{round_id}/queue")
def get_queue(round_id: int, session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    """The caller's assigned source ids in their fixed order, each with ``done``; ``done`` of ``total``."""
    if caller is None:
        raise InputError("say who is asking: ?annotator=NAME (the queue is per annotator)")
    return queue(session, round_id, caller)


@router.get("/rounds/{round_id}/report")
def get_report(round_id: int, session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    """Agreement figures (four-class and binary), per-annotator confusions, skills and the disagreements
    (403 for the annotators of a round that is open and blind)."""
    check_report_visible(session, round_id, caller)
    return report(session, round_id)


@router.post("/rounds/{round_id}/adjudicate", response_model=AdjudicationPublic, status_code=status.HTTP_201_CREATED)
def post_adjudicate(round_id: int, body: AdjudicationCreate, session: SessionDep, caller: CallerDep) -> Any:
    made = adjudicate(session, round_id, body.source_id, body.class_, body.note, caller)
    session.commit()
    return {"id": made.id, "round_id": made.round_id, "source_id": made.source_id, "class": made.class_,
            "note": made.note, "by": made.by, "created_at": made.created_at,
            "state": get_round(session, round_id).state}


@router.get("/images/{image_id}/compare")
def get_compare(image_id: int, session: SessionDep, caller: CallerDep, reference: int,
                against: str = "consensus", radius: float = 1.5) -> dict[str, Any]:
    """The consensus (``against=consensus``) or the caller's own labels (``mine``) against a reference layer's
    classes: a confusion matrix (rows reference, columns compared), matched within ``radius`` pixels."""
    return compare(session, image_id, reference, against, caller, radius)


@router.get("/images/{image_id}/skill")
def get_skill(image_id: int, session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    """The annotator-skill sidecar of the curated catalogue: each annotator's Dawid-Skene confusion matrix
    (``p_<true>_<given>``) and accuracy over every vote on the image."""
    return {"image_id": image_id, "annotators": annotator_skill(session, image_id, caller)}
