"""Identity: password login to a server-side session, CSRF, logout, API tokens, the caller as annotator,
local mode's implicit owner, the refusal to start accounts mode without an owner, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from backend.app import create_app
from backend.db.session import session_scope
from backend.db.tables import utcnow
from backend.db.users import ApiToken, LoginSession
from backend.errors import StartupRefusedError
from backend.settings import Settings
from tests.backend.accounts import Team, accounts_settings, login, make_team, password
from tests.backend.labels_db import add_image

CATALOG = b"id,x,y\n1,10,10\n2,50,80\n"
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def team(tmp_path: Path) -> Team:
    return make_team(accounts_settings(tmp_path))


def labelled_image(team: Team) -> tuple[int, int]:
    image = add_image(team.sessions)
    imported = team.client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)},
                                headers=team.headers("owner"))
    assert imported.status_code == 201, imported.text
    return image, 1


def test_login_me_csrf_and_logout(team: Team) -> None:
    client = team.client
    assert client.get("/api/auth/me").status_code == 401
    assert client.post("/api/auth/login", json={"username": "viewer", "password": "nope"}).status_code == 401
    assert client.post("/api/auth/login", json={"username": "nobody", "password": "nope"}).status_code == 401
    response = client.post("/api/auth/login", json={"username": "reviewer", "password": "password-reviewer"})
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    csrf = response.json()["csrf_token"]
    me = client.get("/api/auth/me").json()
    assert me["username"] == "reviewer" and me["roles"] == {"1": "reviewer"} and me["via"] == "session"
    image, _ = labelled_image(team)
    # an unsafe request with the cookie but without the CSRF header is refused
    assert client.post(f"/api/images/{image}/rounds", json={}).status_code == 403
    assert client.post(f"/api/images/{image}/rounds", json={}, headers={"X-CSRF-Token": csrf}).status_code == 201
    assert client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("skylabel_session", cookie.split(";")[0].split("=", 1)[1])  # the old cookie, replayed
    assert client.get("/api/auth/me").status_code == 401  # the session was revoked on the server


def test_secure_cookie_over_https(tmp_path: Path) -> None:
    team = make_team(accounts_settings(tmp_path))
    client = TestClient(team.client.app, base_url="https://localhost")
    response = client.post("/api/auth/login", json={"username": "viewer", "password": "password-viewer"})
    assert "Secure" in response.headers["set-cookie"]


def test_expired_session_and_token_are_refused(team: Team) -> None:
    login(team.client, "viewer")
    with session_scope(team.sessions) as session:
        session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert team.client.get("/api/auth/me").status_code == 401
    assert team.client.get("/api/auth/me", headers=team.headers("owner")).status_code == 401


def test_the_label_is_the_callers_whatever_the_body_says(team: Team) -> None:
    image, source = labelled_image(team)
    body = {"source_id": source, "class": "2", "annotator": "owner"}
    saved = team.client.post(f"/api/images/{image}/annotations", json=body, headers=team.headers("annotator"))
    assert saved.status_code == 201 and saved.json()["annotation"]["annotator"] == "annotator"
    votes = team.client.get(f"/api/sources/{source}", headers=team.headers("viewer")).json()["votes"]
    assert votes == {"annotator": "2"}
    refused = team.client.post(f"/api/images/{image}/annotations", json=body, headers=team.headers("viewer"))
    assert refused.status_code == 403 and "annotator role" in refused.json()["detail"]
    stranger = team.client.post(f"/api/images/{image}/annotations", json=body, headers=team.headers("stranger"))
    assert stranger.status_code == 403 and "not a member" in stranger.json()["detail"]


def test_a_reused_client_key_from_someone_else_is_409(team: Team) -> None:
    image, source = labelled_image(team)
    body = {"source_id": source, "class": "2", "client_key": "k-1"}
    url = f"/api/images/{image}/annotations"
    assert team.client.post(url, json=body, headers=team.headers("annotator")).status_code == 201
    assert team.client.post(url, json=body, headers=team.headers("annotator")).status_code == 200
    assert team.client.post(url, json=body, headers=team.headers("reviewer")).status_code == 409
    assert team.client.post(url, json={**body, "class": "3"}, headers=team.headers("annotator")).status_code == 409


def test_images_and_projects_are_those_of_the_callers_projects(team: Team) -> None:
    add_image(team.sessions)
    assert team.client.get("/api/images", headers=team.headers("viewer")).json()["count"] == 1
    assert team.client.get("/api/images", headers=team.headers("stranger")).json()["count"] == 0
    names = {p["name"] for p in team.client.get("/api/projects", headers=team.headers("stranger")).json()}
    assert names == {"other galaxy"}


def test_members_are_managed_by_owners(team: Team) -> None:
    client = team.client
    url = "/api/projects/1/members/viewer"
    assert client.put(url, json={"role": "annotator"}, headers=team.headers("reviewer")).status_code == 403
    assert client.put(url, json={"role": "annotator"}, headers=team.headers("owner")).status_code == 200
    roles = {m["username"]: m["role"] for m in client.get("/api/projects/1/members",
                                                          headers=team.headers("viewer")).json()}
    assert roles["viewer"] == "annotator"
    last = client.put("/api/projects/1/members/owner", json={"role": "viewer"}, headers=team.headers("owner"))
    assert last.status_code == 409 and "last owner" in last.json()["detail"]


def test_accounts_mode_refuses_to_start_without_an_owner(tmp_path: Path) -> None:
    with pytest.raises(StartupRefusedError, match="skylabel users add NAME --role owner") as refused:
        create_app(accounts_settings(tmp_path))
    assert "SKYLABEL_SETUP=1 for a one-time setup link" in str(refused.value)
    with pytest.raises(StartupRefusedError, match="not a loopback address"):
        create_app(Settings(data_dir=tmp_path / "data", frontend_dir=tmp_path / "nf", bind_host="0.0.0.0"))


def test_auth_mode_follows_the_bind_address() -> None:
    assert Settings(bind_host="127.0.0.1").resolved_auth == "local"
    assert Settings(bind_host="::1").resolved_auth == "local"
    assert Settings(bind_host="0.0.0.0").resolved_auth == "accounts"
    assert Settings(bind_host="127.0.0.1", auth="accounts").resolved_auth == "accounts"


def test_local_mode_is_one_implicit_owner(client: TestClient) -> None:
    me = client.get("/api/auth/me").json()
    assert me["via"] == "local" and me["mode"] == "local"
    image = add_image(client.app.state.sessions)  # type: ignore[attr-defined]
    client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CATALOG)})
    saved = client.post(f"/api/images/{image}/annotations", json={"source_id": 1, "class": "1"})
    assert saved.status_code == 201 and saved.json()["annotation"]["annotator"] == me["username"]


def test_unknown_host_and_cross_site_posts_are_refused(client: TestClient) -> None:
    assert client.get("/api/health", headers={"Host": "evil.example"}).status_code == 400
    cross = client.post("/api/projects", json={"name": "x"}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and "cross-site" in cross.json()["detail"]
    same = client.post("/api/projects", json={"name": "x"}, headers={"Origin": "http://testserver"})
    assert same.status_code == 201


def test_leftovers_of_killed_ingests_are_removed_at_start(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    settings.ensure_dirs()
    partial = settings.images_dir / ".galaxy.partial-1234abcd"
    (partial / "_work").mkdir(parents=True)
    (partial / "_work" / "band.tif").write_bytes(b"x" * 4096)
    (settings.uploads_dir / "upload-deadbeef").mkdir()
    kept = settings.images_dir / "galaxy"
    kept.mkdir()
    with caplog.at_level("WARNING", logger="skylabel"):
        create_app(settings)
    assert not partial.exists() and not (settings.uploads_dir / "upload-deadbeef").exists() and kept.exists()
    assert "removed 2 leftover(s)" in caplog.text


def run_cli(data_dir: Path, *args: str, stdin: str = "",
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {"SKYLABEL_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", **(env or {})}
    return subprocess.run([sys.executable, "-m", "backend.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_cli_users_and_tokens_then_bearer_on_the_api(tmp_path: Path) -> None:
    data = tmp_path / "data"
    added = run_cli(data, "users", "add", "maria", "--role", "owner", "--password-stdin", stdin="a long password\n")
    assert added.returncode == 0, added.stderr
    assert run_cli(data, "users", "add", "bo", "--password-stdin", stdin="short").returncode == 2
    listed = json.loads(run_cli(data, "users", "list", "--json").stdout)
    assert [(u["username"], u["roles"], u["has_password"]) for u in listed] == [("maria", {"1": "owner"}, True)]
    created = run_cli(data, "token", "create", "--user", "maria", "--scope", "label", "--json")
    token = json.loads(created.stdout)["token"]
    app = create_app(Settings(data_dir=data, frontend_dir=tmp_path / "nf", auth="accounts"))
    client = TestClient(app)
    assert client.get("/api/images").status_code == 401
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "maria" and me["roles"] == {"1": "annotator"}  # the label scope caps the owner
    assert client.get("/api/auth/me", headers={"Authorization": "Bearer skl_wrong"}).status_code == 401
    login_ok = client.post("/api/auth/login", json={"username": "maria", "password": "a long password"})
    assert login_ok.status_code == 200


def test_the_cli_sends_skylabel_token_to_a_remote_server(tmp_path: Path) -> None:
    from benchmarks.server import running_server

    data = tmp_path / "data"
    for name, role in (("olga", "owner"), ("ines", "reviewer")):
        assert run_cli(data, "users", "add", name, "--role", role, "--password-stdin",
                       stdin="a long password").returncode == 0
    token = json.loads(run_cli(data, "token", "create", "--user", "ines", "--json").stdout)["token"]
    with running_server({"SKYLABEL_DATA_DIR": str(data), "SKYLABEL_AUTH": "accounts"}) as base:
        anonymous = run_cli(data, "whoami", "--server", base)
        assert anonymous.returncode == 2 and "SKYLABEL_TOKEN" in anonymous.stderr
        signed = run_cli(data, "whoami", "--server", base, "--json", env={"SKYLABEL_TOKEN": token})
        assert signed.returncode == 0, signed.stderr
        me = json.loads(signed.stdout)
        assert me["username"] == "ines" and me["via"] == "token" and me["roles"] == {"1": "viewer"}  # read scope


def test_failed_logins_are_throttled_with_retry_after(team: Team) -> None:
    client = team.client
    for _ in range(5):
        assert client.post("/api/auth/login", json={"username": "viewer", "password": "guess"}).status_code == 401
    refused = client.post("/api/auth/login", json={"username": "viewer", "password": password("viewer")})
    assert refused.status_code == 429, refused.text
    assert 1 <= int(refused.headers["retry-after"]) <= 300 and "too many failed logins" in refused.json()["detail"]
    other = client.post("/api/auth/login", json={"username": "reviewer", "password": password("reviewer")})
    assert other.status_code == 200  # a colleague at the same address is not locked out
    throttle = client.app.state.login_throttle  # type: ignore[attr-defined]
    later = throttle.clock() + 301
    throttle.clock = lambda: later
    again = client.post("/api/auth/login", json={"username": "viewer", "password": password("viewer")})
    assert again.status_code == 200


def test_a_one_time_setup_link_makes_the_owner_and_is_then_used_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """SKYLABEL_SETUP=1 and no owner: the server starts and logs ``/setup#TOKEN``; the token makes one owner
    (signed in at once); a wrong token is 403, a second use 409; with an owner no link is made."""
    settings = accounts_settings(tmp_path, setup=True)
    with caplog.at_level("WARNING", logger="skylabel"):
        client = TestClient(create_app(settings))
    link = next(r.getMessage() for r in caplog.records if "/setup#" in r.getMessage())
    token = link.split("/setup#", 1)[1].split()[0]
    page = client.get("/setup")
    assert page.status_code == 200 and 'id="setup-username"' in page.text
    assert client.get("/api/images").status_code == 401  # nothing else opens before the owner exists
    body = {"token": token, "username": "maria", "password": "a long password", "display_name": "Maria"}
    assert client.post("/api/auth/setup", json={**body, "token": "guessed"}).status_code == 403
    made = client.post("/api/auth/setup", json=body)
    assert made.status_code == 200, made.text
    assert made.json()["roles"] == {"1": "owner"} and made.json()["csrf_token"]
    assert client.get("/api/auth/me").json()["username"] == "maria"  # the session cookie is set
    again = client.post("/api/auth/setup", json={**body, "username": "mallory"})
    assert again.status_code in (403, 409) and "mallory" not in client.get("/api/auth/me").text
    fresh = TestClient(create_app(settings))  # a restart: the owner exists, no link, the old token is dead
    assert fresh.app.state.setup_token_hash == ""  # type: ignore[attr-defined]
    reused = fresh.post("/api/auth/setup", json={**body, "username": "mallory"})
    assert reused.status_code == 403
    login_ok = fresh.post("/api/auth/login", json={"username": "maria", "password": "a long password"})
    assert login_ok.status_code == 200


def test_skylabel_serve_prints_the_setup_link_its_workers_accept(tmp_path: Path) -> None:
    """The real start: ``skylabel serve`` (two workers) prints the link; either worker takes its token."""
    import httpx

    from benchmarks.server import server_process

    log = tmp_path / "serve.log"
    env = {"SKYLABEL_DATA_DIR": str(tmp_path / "data"), "SKYLABEL_AUTH": "accounts", "SKYLABEL_SETUP": "1",
           "SKYLABEL_FRONTEND_DIR": str(tmp_path / "nf"), "SKYLABEL_DATABASE_URL": ""}
    with server_process(env, workers=2, log=log) as (base, _):
        text = log.read_text()
        assert "one-time link to make the owner account" in text, text
        token = text.split("/setup#", 1)[1].split()[0]
        body = {"token": token, "username": "maria", "password": "a long password"}
        made = httpx.post(f"{base}/api/auth/setup", json=body, timeout=30)
        assert made.status_code == 200, made.text
        assert httpx.post(f"{base}/api/auth/setup", json=body, timeout=30).status_code in (403, 409)
