"""An app in accounts mode with one user per role, for the access and identity tests.

Users (password ``password-<name>``): ``owner``, ``reviewer``, ``annotator``, ``viewer`` on the default project
(id 1), and ``stranger``, owner of project 2 only. :func:`bearer` gives each an admin-scoped API token.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from backend.app import create_app
from backend.auth.accounts import add_user
from backend.auth.credentials import create_api_token
from backend.db.migrate import upgrade
from backend.db.session import make_engine, make_sessionmaker, session_scope
from backend.services.labelling.projects import create_project, default_project
from backend.settings import Settings

ROLE_USERS = ("owner", "reviewer", "annotator", "viewer")


def password(name: str) -> str:
    return f"password-{name}"


@dataclass
class Team:
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    other_project: int = 0

    def headers(self, who: str | None) -> dict[str, str]:
        return {} if who is None else {"Authorization": f"Bearer {self.tokens[who]}"}

    @property
    def sessions(self) -> sessionmaker[Session]:
        return self.client.app.state.sessions  # type: ignore[attr-defined,no-any-return]


def make_team_database(settings: Settings) -> tuple[dict[str, str], int]:
    settings.ensure_dirs()
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    sessions = make_sessionmaker(engine)
    tokens = {}
    with session_scope(sessions) as session:
        default_id = default_project(session).id
        other = create_project(session, "other galaxy")
        for role in ROLE_USERS:
            add_user(session, role, password(role), role, default_id)
        stranger = add_user(session, "stranger", password("stranger"), "owner", other.id)
        for name in (*ROLE_USERS, "stranger"):
            from backend.auth.accounts import require_user

            user = require_user(session, name) if name != "stranger" else stranger
            tokens[name], _ = create_api_token(session, user, "tests", ["admin"])
        other_id = other.id
    engine.dispose()
    return tokens, other_id


def accounts_settings(tmp_path: Path, **extra: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path / "no-frontend", auth="accounts",
                    **extra)  # type: ignore[arg-type]


def make_team(settings: Settings) -> Team:
    tokens, other = make_team_database(settings)
    return Team(TestClient(create_app(settings)), tokens, other)


def login(client: TestClient, name: str) -> str:
    """Sign ``name`` in on this client (cookie); returns the CSRF token."""
    response = client.post("/api/auth/login", json={"username": name, "password": password(name)})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])
