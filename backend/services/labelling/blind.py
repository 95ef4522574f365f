"""Blind rounds, enforced by the server: what a caller may see of other people's votes.

While a consensus round with ``blind`` on is open, an annotator of that round sees, on the round's sources,
only their own vote: never another person's vote, the consensus (``label_class``), the vote count, the
round's report, or (unless the round shows them) the predictions. Every read route asks :func:`blind_view`
once and applies it with the helpers here; the rule lives in this one module.

Who is restricted: the round's annotators, and a caller who does not say who they are (so leaving the name
off is no way round it). Everyone else (the round's creator, reviewers) sees everything.

Filters on the consensus (``classes``, ``state=labelled|unlabelled``) would reveal it by what they return,
so for a restricted caller the hidden sources never match such a filter; with no such filter they are
listed with the caller's own vote as their class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.annotations import Annotation, Annotator, Round
from backend.db.rounds import RoundSource
from backend.errors import ForbiddenError


@dataclass
class BlindView:
    """``hidden``: sources whose votes and consensus are hidden from the caller; ``own``: the caller's current
    vote on them; ``no_predictions``: hidden sources of rounds that do not show predictions."""

    caller: str | None
    hidden: set[int] = field(default_factory=set)
    own: dict[int, str] = field(default_factory=dict)
    no_predictions: set[int] = field(default_factory=set)
    rounds: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.hidden)

    def summary(self, item: dict[str, Any], key: str = "id") -> dict[str, Any]:
        """A source summary (``label_class``, ``n_votes``) with only the caller's own vote."""
        sid = item.get(key)
        if sid in self.hidden:
            mine = self.own.get(sid)  # type: ignore[arg-type]
            item = {**item, "label_class": mine, "n_votes": 1 if mine is not None else 0, "blind": True}
            item.pop("votes", None)
        return item

    def annotations(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Annotation rows without other people's labels on hidden sources."""
        return [r for r in rows if r.get("source_id") not in self.hidden or r.get("annotator") == self.caller]


def blind_view(session: Session, image_id: int | None, caller: str | None) -> BlindView:
    """The caller's view of the image's open blind rounds (all images when ``image_id`` is None)."""
    view = BlindView(caller)
    query = select(Round).where(Round.state == "open", Round.blind.is_(True), Round.k.is_not(None))
    if image_id is not None:
        query = query.where(Round.image_id == image_id)
    open_rounds = list(session.scalars(query))
    if not open_rounds:
        return view
    who = session.scalar(select(Annotator.id).where(Annotator.name == caller)) if caller else None
    for found in open_rounds:
        names = set((found.options or {}).get("annotators") or [])
        restricted = caller is None or caller in names
        if not restricted:
            continue
        ids = set(session.scalars(select(RoundSource.source_id).where(RoundSource.round_id == found.id)))
        view.hidden |= ids
        view.rounds.add(found.id)
        if not found.show_predictions:
            view.no_predictions |= ids
    if view.hidden and who is not None:
        for sid, cls in session.execute(select(Annotation.source_id, Annotation.class_).where(
                Annotation.annotator_id == who, Annotation.repeat.is_(False),
                Annotation.source_id.in_(view.hidden)).order_by(Annotation.id)):
            if cls is None:
                view.own.pop(int(sid), None)
            else:
                view.own[int(sid)] = cls
    return view


def image_of_source(session: Session, source_id: int) -> int | None:
    from backend.db.sources import Source

    return session.scalar(select(Source.image_id).where(Source.id == source_id))


def check_report_visible(session: Session, round_id: int, caller: str | None) -> None:
    """An open blind round's report (votes, consensus, disagreements) is for reviewers only."""
    found = session.get(Round, round_id)
    if found is None or found.state != "open" or not found.blind:
        return
    if round_id in blind_view(session, found.image_id, caller).rounds:
        raise ForbiddenError(f"round {round_id} is open and blind: its report is shown when it is closed")


def publishable_class(session: Session, image_id: int, source_id: int, label_class: str | None) -> str | None:
    """The consensus a live ``labels`` event may carry: none for a source of an open blind round (every map
    gets the same event; reviewers refetch the source)."""
    found = session.scalar(select(RoundSource.id).join(Round, Round.id == RoundSource.round_id).where(
        RoundSource.source_id == source_id, Round.state == "open", Round.blind.is_(True)).limit(1))
    return None if found is not None else label_class
