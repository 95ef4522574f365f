"""Annotators (people, or the catalogue a label came from) and labelling rounds.

An annotator is a name: the browser sends it with each label and the first label creates it, so nobody
has to register (the paper's tool has no accounts). Catalogue labels get annotators of kind
``"catalogue"`` (e.g. ``"LEGUS"``), so a human vote and a published class are never confused.
Rounds number the labelling rounds of one image (the paper's active-learning loop: label, retrain, label).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.db.annotations import Annotator, Round
from backend.db.tables import Image, utcnow
from backend.db.upsert import insert_ignore
from backend.errors import ConflictError, InputError, NotFoundError

ANNOTATOR_KINDS = ("human", "catalogue")
MAX_NAME = 100
MAX_ROUND_NAME = 200


def get_or_create_annotator(session: Session, name: str, kind: str = "human") -> Annotator:
    """The annotator called ``name``, created with ``kind`` if new (an existing one keeps its kind)."""
    name = (name or "").strip()
    if not name:
        raise InputError("an annotator needs a non-empty name")
    if len(name) > MAX_NAME:
        raise InputError(f"annotator name is {len(name)} characters long: at most {MAX_NAME}")
    if kind not in ANNOTATOR_KINDS:
        raise InputError(f"annotator kind {kind!r} is unknown: use one of {', '.join(ANNOTATOR_KINDS)}")
    annotator = session.scalars(select(Annotator).where(Annotator.name == name)).first()
    if annotator is None:
        insert_ignore(session, Annotator, {"name": name, "kind": kind, "created_at": utcnow()}, ["name"])
        annotator = session.scalars(select(Annotator).where(Annotator.name == name)).one()
    return annotator


def list_annotators(session: Session) -> list[Annotator]:
    return list(session.scalars(select(Annotator).order_by(Annotator.id)))


def list_rounds(session: Session, image_id: int) -> list[Round]:
    _require_image(session, image_id)
    return list(session.scalars(select(Round).where(Round.image_id == image_id).order_by(Round.number)))


def open_round(session: Session, image_id: int, name: str = "") -> Round:
    """A new round numbered after the image's last one (1 for the first)."""
    _require_image(session, image_id)
    if len(name.strip()) > MAX_ROUND_NAME:  # the column's limit: PostgreSQL would refuse it with a server error
        raise InputError(f"round name is {len(name.strip())} characters long: at most {MAX_ROUND_NAME}")
    last = session.scalar(select(func.max(Round.number)).where(Round.image_id == image_id)) or 0
    created = Round(image_id=image_id, number=last + 1, name=name.strip() or f"round {last + 1}", status="open",
                    state="open")
    session.add(created)
    session.flush()
    return created


def close_round(session: Session, round_id: int) -> Round:
    found = get_round(session, round_id)
    if found.status == "closed":
        raise ConflictError(f"round {round_id} ({found.name}) is already closed")
    found.status = found.state = "closed"
    found.closed_at = utcnow()
    session.flush()
    return found


def get_round(session: Session, round_id: int) -> Round:
    found = session.get(Round, round_id)
    if found is None:
        raise NotFoundError(f"no round with id {round_id}; GET /api/images/{{id}}/rounds lists an image's rounds")
    return found


def current_round(session: Session, image_id: int) -> Round | None:
    """The image's most recent open tag round, which new labels join when the client names none (a consensus
    round's labels always name it)."""
    return session.scalars(
        select(Round).where(Round.image_id == image_id, Round.status == "open", Round.k.is_(None))
        .order_by(Round.number.desc())
    ).first()



def round_by_number(session: Session, image_id: int, number: int) -> Round:
    """Round ``number`` of the image, created (closed, as history) when an imported label names it."""
    found = session.scalars(select(Round).where(Round.image_id == image_id, Round.number == number)).first()
    if found is None:
        found = Round(image_id=image_id, number=number, name=f"round {number} (imported)", status="closed",
                      state="closed", closed_at=utcnow())
        session.add(found)
        session.flush()
    return found


def _require_image(session: Session, image_id: int) -> None:
    if session.get(Image, image_id) is None:
        raise NotFoundError(f"no image with id {image_id}; GET /api/images lists the ingested images")
