"""Accounts: users, their project roles, and the annotator row that carries each user's labels.

Every label belongs to an annotator; a human annotator is linked to exactly one user (``annotators.user_id``),
a catalogue annotator (kind ``"catalogue"``) to none. In local mode the implicit owner is a real user row, and
a name the local browser types becomes a user row too, so moving a database to accounts keeps who did what.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.auth.roles import RANK, check_role
from backend.auth.secrets import MAX_PASSWORD, MIN_PASSWORD, hash_password
from backend.db.annotations import Annotator
from backend.db.projects import Project
from backend.db.upsert import insert_ignore
from backend.db.users import Membership, User
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.projects import default_project

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME.match(username):
        raise InputError(f"username {username[:120]!r} is not usable: 1 to 100 letters, digits and . _ @ -, "
                         "starting with a letter or digit")
    return username


def check_password(password: str) -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return password


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).first()


def require_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise NotFoundError(f"no user named {username!r}; `skylabel users list` lists them")
    return user


def add_user(session: Session, username: str, password: str | None = None, role: str | None = None,
             project_id: int | None = None, display_name: str | None = None, email: str | None = None,
             orcid: str | None = None) -> User:
    """Create ``username`` (or update an existing one: a new password, another role).

    ``role`` without ``project_id`` is the role on every existing project and on the default one."""
    username = check_username(username)
    if orcid is not None and not ORCID.match(orcid):
        raise InputError(f"ORCID iD {orcid!r} is not of the form 0000-0002-1825-0097")
    user = find_user(session, username)
    if user is None:
        user = User(username=username, display_name=display_name or username, disabled=False)
        session.add(user)
    if password is not None:
        user.password_hash = hash_password(check_password(password))
    if display_name is not None:
        user.display_name = display_name
    if email is not None:
        user.email = email or None
    if orcid is not None:
        user.orcid = orcid
    session.flush()
    if role is not None:
        check_role(role)
        if project_id is not None:
            if session.get(Project, project_id) is None:
                raise NotFoundError(f"no project with id {project_id}; GET /api/projects lists them")
            projects = [project_id]
        else:
            default_project(session)
            projects = list(session.scalars(select(Project.id)))
        for pid in projects:
            set_role(session, user.id, pid, role)
    return user


def set_role(session: Session, user_id: int, project_id: int, role: str | None) -> None:
    """Give the user ``role`` on the project (None removes the membership)."""
    found = session.scalars(select(Membership).where(Membership.user_id == user_id,
                                                     Membership.project_id == project_id)).first()
    if role is None:
        if found is not None:
            session.delete(found)
    elif found is None:
        session.add(Membership(user_id=user_id, project_id=project_id, role=check_role(role)))
    else:
        found.role = check_role(role)
    session.flush()


def roles_of(session: Session, user_id: int) -> dict[int, str]:
    rows = session.execute(select(Membership.project_id, Membership.role).where(Membership.user_id == user_id))
    return {int(pid): role for pid, role in rows}


def list_users(session: Session) -> list[dict[str, Any]]:
    users = list(session.scalars(select(User).order_by(User.id)))
    return [user_public(user, roles_of(session, user.id)) for user in users]


def user_public(user: User, roles: dict[int, str]) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "display_name": user.display_name, "email": user.email,
            "orcid": user.orcid, "has_password": user.password_hash is not None,
            "oidc": user.oidc_issuer is not None, "disabled": user.disabled,
            "roles": {str(pid): role for pid, role in sorted(roles.items())}}


def owner_exists(session: Session) -> bool:
    """Is there an owner who can log in (a password or an OpenID Connect link, not disabled)?"""
    row = session.execute(
        select(User.id).join(Membership, Membership.user_id == User.id)
        .where(Membership.role == "owner", User.disabled.is_(False),
               (User.password_hash.is_not(None)) | (User.oidc_subject.is_not(None))).limit(1)
    ).first()
    return row is not None


def remove_user_sessions(session: Session, user_id: int) -> None:
    from backend.db.users import LoginSession

    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def annotator_for_user(session: Session, user: User) -> Annotator:
    """The human annotator carrying this user's labels, created (or linked by name) on first use."""
    found = session.scalars(select(Annotator).where(Annotator.user_id == user.id)).first()
    if found is not None:
        return found
    same_name = session.scalars(select(Annotator).where(Annotator.name == user.username)).first()
    if same_name is not None and same_name.kind == "human" and same_name.user_id is None:
        same_name.user_id = user.id  # labels made under this name before accounts are this user's
        session.flush()
        return same_name
    name = user.username if same_name is None else f"{user.username} (user {user.id})"
    insert_ignore(session, Annotator, {"name": name, "kind": "human", "user_id": user.id}, ["name"])
    return session.scalars(select(Annotator).where(Annotator.user_id == user.id)).one()


def user_for_name(session: Session, name: str) -> User:
    """Local mode: the user a typed annotator name stands for, created (no password, no role) when new."""
    name = (name or "").strip()
    if not name:
        raise InputError("an annotator needs a non-empty name")
    if len(name) > 100:
        raise InputError(f"annotator name is {len(name)} characters long: at most 100")
    annotator = session.scalars(select(Annotator).where(Annotator.name == name)).first()
    if annotator is not None:
        if annotator.kind != "human":
            raise InputError(f"{name!r} is a catalogue, not a person: labels cannot be given in its name")
        if annotator.user_id is not None:
            user = session.get(User, annotator.user_id)
            assert user is not None
            return user
    user = find_user(session, name)
    if user is None:
        insert_ignore(session, User, {"username": name, "display_name": name, "disabled": False}, ["username"])
        user = find_user(session, name)
        assert user is not None
    return user


def ensure_local_owner(session: Session, username: str) -> User:
    """Local mode's implicit owner: a user row, owner of every project (made on first start)."""
    user = find_user(session, username) or add_user(session, username)
    roles = roles_of(session, user.id)
    default_project(session)
    for pid in session.scalars(select(Project.id)):
        if roles.get(pid) != "owner":
            set_role(session, user.id, pid, "owner")
    return user


def best_role(roles: dict[int, str]) -> str | None:
    return max(roles.values(), key=RANK.__getitem__, default=None)


def check_not_last_owner(session: Session, user_id: int, project_id: int) -> None:
    owners = session.scalars(select(Membership.user_id).where(Membership.project_id == project_id,
                                                              Membership.role == "owner")).all()
    if owners == [user_id]:
        raise ConflictError(f"user {user_id} is the last owner of project {project_id}: make another owner first")
