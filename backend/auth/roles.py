"""Project roles and token scopes, lowest first.

- owner: members, settings, delete (archive);
- reviewer: the expert: opens and closes rounds, imports catalogues, runs detection, exports;
- annotator: labels, drives the AI loop;
- viewer: read only.

A token's scopes cap what its user's roles allow: ``read`` acts as a viewer, ``label`` as an annotator at most,
``admin`` as the roles themselves.
"""

from __future__ import annotations

from backend.errors import InputError

ROLES = ("viewer", "annotator", "reviewer", "owner")
RANK = {role: rank for rank, role in enumerate(ROLES, start=1)}
SCOPES = ("read", "label", "admin")
SCOPE_CAP = {"read": "viewer", "label": "annotator", "admin": "owner"}


def check_role(role: str) -> str:
    if role not in RANK:
        raise InputError(f"role {role!r} is unknown: use one of {', '.join(ROLES)}")
    return role


def check_scopes(scopes: list[str]) -> list[str]:
    for scope in scopes:
        if scope not in SCOPE_CAP:
            raise InputError(f"scope {scope!r} is unknown: use one of {', '.join(SCOPES)}")
    return sorted(set(scopes), key=SCOPES.index)


def at_least(role: str | None, minimum: str) -> bool:
    return role is not None and RANK[role] >= RANK[minimum]


def capped(role: str, scopes: list[str] | None) -> str:
    """The role as a token with ``scopes`` may use it (None: a login session, uncapped)."""
    if scopes is None:
        return role
    cap = max((RANK[SCOPE_CAP[s]] for s in scopes if s in SCOPE_CAP), default=0)
    if cap == 0:
        return "none"
    return ROLES[min(RANK[role], cap) - 1]
