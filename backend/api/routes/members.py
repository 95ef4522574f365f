"""Project members and their roles (owners manage them; every member can see who else is in)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from backend.api.deps import SessionDep
from backend.auth.accounts import check_not_last_owner, require_user, set_role
from backend.auth.roles import ROLES
from backend.db.users import Membership, User

router = APIRouter(tags=["projects"])


class MemberUpdate(BaseModel):
    role: str = Field(description=" | ".join(ROLES))


class MemberPublic(BaseModel):
    username: str
    display_name: str
    role: str


@router.get("/projects/{project_id}/members", response_model=list[MemberPublic])
def get_members(project_id: int, session: SessionDep) -> list[dict[str, Any]]:
    rows = session.execute(
        select(User.username, User.display_name, Membership.role).join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project_id).order_by(User.username)
    )
    return [{"username": u, "display_name": d, "role": r} for u, d, r in rows]


@router.put("/projects/{project_id}/members/{username}", response_model=MemberPublic)
def put_member(project_id: int, username: str, body: MemberUpdate, session: SessionDep) -> dict[str, Any]:
    """Give a user a role on the project (the user must exist: ``skylabel users add`` or an OIDC sign-in)."""
    user = require_user(session, username)
    if body.role != "owner":
        check_not_last_owner(session, user.id, project_id)
    set_role(session, user.id, project_id, body.role)
    session.commit()
    return {"username": user.username, "display_name": user.display_name, "role": body.role}


@router.delete("/projects/{project_id}/members/{username}", status_code=204)
def delete_member(project_id: int, username: str, session: SessionDep) -> None:
    user = require_user(session, username)
    check_not_last_owner(session, user.id, project_id)
    set_role(session, user.id, project_id, None)
    session.commit()
