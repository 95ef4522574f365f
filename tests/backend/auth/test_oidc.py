"""Institute sign-in end to end: the app against ``oidc-provider-mock`` running on a local port.

The browser's part is played by hand: follow the app's redirect to the provider, submit its sign-in form as
the user, bring the provider's answer back to the app's callback; the app exchanges the code for tokens over
real HTTP with the provider, checks the ID token and opens a session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from backend.app import create_app
from backend.settings import Settings
from tests.backend.accounts import make_team_database


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def sign_in(client: TestClient, subject: str) -> httpx.Response:
    start = client.get("/api/auth/oidc/login", follow_redirects=False)
    assert start.status_code in (302, 303, 307), start.text
    authorize = start.headers["location"]
    answer = httpx.post(authorize, data={"sub": subject}, follow_redirects=False)
    assert answer.status_code in (302, 303), answer.text
    back = urlsplit(answer.headers["location"])
    return client.get(f"{back.path}?{back.query}", follow_redirects=False)


def test_institute_sign_in_links_to_the_user_table(tmp_path: Path, provider: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path / "nf", auth="accounts",
                        oidc_issuer=provider, oidc_client_id="skylabel", oidc_client_secret="secret",
                        oidc_default_role="viewer")
    make_team_database(settings)
    client = TestClient(create_app(settings))
    assert client.get("/api/auth/config").json() == {"mode": "accounts", "oidc": True, "oidc_name": "institute"}
    assert client.get("/api/auth/me").status_code == 401
    done = sign_in(client, "maria@uni.example")
    assert done.status_code == 303 and done.headers["location"] == "/"
    me = client.get("/api/auth/me").json()
    assert me["username"] == "maria@uni.example" and me["via"] == "session" and me["roles"]["1"] == "viewer"
    # a second sign-in finds the same user, a different subject makes another one
    other = TestClient(client.app)
    assert sign_in(other, "maria@uni.example").status_code == 303
    assert other.get("/api/auth/me").json()["username"] == "maria@uni.example"
    users = client.get("/api/projects/1/members", headers={"X-CSRF-Token": me["csrf_token"]}).json()
    assert [u["username"] for u in users].count("maria@uni.example") == 1


def test_a_forged_callback_is_refused(tmp_path: Path, provider: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path / "nf", auth="accounts",
                        oidc_issuer=provider, oidc_client_id="skylabel", oidc_client_secret="secret")
    make_team_database(settings)
    client = TestClient(create_app(settings))
    forged = client.get("/api/auth/oidc/callback?code=made-up&state=made-up", follow_redirects=False)
    assert forged.status_code == 401
    assert client.get("/api/auth/me").status_code == 401
