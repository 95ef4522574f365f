"""Who is calling: the user behind the request's session or token (or local mode's implicit owner)."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend.auth.roles import ROLES, at_least, capped


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    username: str | None
    via: str  # "local" | "session" | "token" | "anonymous"
    roles: dict[int, str] = field(default_factory=dict)
    scopes: list[str] | None = None
    csrf_token: str | None = None
    session_id: int | None = None

    @property
    def authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def local(self) -> bool:
        return self.via == "local"

    def role_on(self, project_id: int) -> str | None:
        """The caller's role on a project, as its token's scopes allow (local mode: owner everywhere)."""
        if self.local:
            return "owner"
        role = self.roles.get(project_id)
        if role is None:
            return None
        role = capped(role, self.scopes)
        return role if role in ROLES else None

    def may(self, project_id: int, minimum: str) -> bool:
        return at_least(self.role_on(project_id), minimum)

    def projects(self, minimum: str = "viewer") -> set[int] | None:
        """Projects on which the caller has at least ``minimum`` (None: every project, in local mode)."""
        if self.local:
            return None
        return {pid for pid in self.roles if self.may(pid, minimum)}


ANONYMOUS = Caller(None, None, "anonymous")
