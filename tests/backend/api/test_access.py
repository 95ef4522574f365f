"""The role table over every route: each operation of the OpenAPI schema, called as anonymous, viewer,
annotator, reviewer, owner and an owner of another project, answers as ``backend/api/access.py`` says.

Denied callers get 401 (anonymous) or 403 (a role too low, or not a member of the image's project); allowed
ones get past the guard (any status but 401/403, and never a server error). Bodies are sent as a JSON array,
which no route accepts: an allowed write stops at validation (422) and changes nothing, except the few
operations without a body, which run (owner's deletions run last). A route without a rule fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from backend.api.access import PUBLIC, RULES, SIGNED_IN
from backend.auth.roles import RANK
from backend.db.learning import TaskRun
from backend.db.session import session_scope
from tests.backend.accounts import Team, accounts_settings, make_team
from tests.backend.conftest import upload
from tests.backend.fits_factory import write_bands

CALLERS = (None, "stranger", "viewer", "annotator", "reviewer", "owner")
STREAMS = {("GET", "/api/images/{image_id}/events")}  # never ends: only denials are called over HTTP
CSV = b"id,x,y\n1,10,10\n2,20,25\n3,30,12\n"

# what each operation needs, written out independently of backend/api/access.py: a change there must be
# made here too (and a new route must be added to both)
EXPECTED: dict[tuple[str, str], str] = {
    ("GET", "/api/health"): "public",
    ("GET", "/api/auth/config"): "public",
    ("POST", "/api/auth/login"): "public",
    ("POST", "/api/auth/setup"): "public",
    ("GET", "/api/auth/oidc/login"): "public",
    ("GET", "/api/auth/oidc/callback"): "public",
    ("POST", "/api/auth/logout"): "signed-in",
    ("GET", "/api/auth/me"): "signed-in",
    ("GET", "/api/images"): "signed-in",
    ("POST", "/api/images"): "owner",
    ("GET", "/api/uploads/{upload_key}"): "owner",
    ("GET", "/api/images/{image_id}"): "viewer",
    ("DELETE", "/api/images/{image_id}"): "owner",
    ("POST", "/api/images/{image_id}/restore"): "owner",
    ("GET", "/api/images/{image_id}/tiles/{rendition}/{z}/{x}/{y}.{fmt}"): "viewer",
    ("GET", "/api/images/{image_id}/tilejson.json"): "viewer",
    ("GET", "/api/images/{image_id}/pix2world"): "viewer",
    ("POST", "/api/images/{image_id}/pix2world"): "viewer",
    ("GET", "/api/images/{image_id}/world2pix"): "viewer",
    ("POST", "/api/images/{image_id}/world2pix"): "viewer",
    ("GET", "/api/images/{image_id}/values"): "viewer",
    ("GET", "/api/images/{image_id}/cutout.png"): "viewer",
    ("GET", "/api/images/{image_id}/photometry"): "viewer",
    ("GET", "/api/images/{image_id}/regions"): "viewer",
    ("GET", "/api/images/{image_id}/regions.reg"): "viewer",
    ("POST", "/api/images/{image_id}/regions"): "annotator",
    ("POST", "/api/images/{image_id}/regions/import"): "annotator",
    ("DELETE", "/api/regions/{region_id}"): "annotator",
    ("GET", "/api/projects"): "signed-in",
    ("POST", "/api/projects"): "owner",
    ("GET", "/api/projects/{project_id}"): "viewer",
    ("GET", "/api/projects/{project_id}/members"): "viewer",
    ("PUT", "/api/projects/{project_id}/members/{username}"): "owner",
    ("DELETE", "/api/projects/{project_id}/members/{username}"): "owner",
    ("GET", "/api/images/{image_id}/scheme"): "viewer",
    ("GET", "/api/annotators"): "signed-in",
    ("POST", "/api/annotators"): "owner",
    ("GET", "/api/images/{image_id}/layers"): "viewer",
    ("POST", "/api/images/{image_id}/layers/import"): "reviewer",
    ("PATCH", "/api/layers/{layer_id}"): "reviewer",
    ("DELETE", "/api/layers/{layer_id}"): "owner",
    ("POST", "/api/layers/{layer_id}/restore"): "owner",
    ("GET", "/api/images/{image_id}/sources"): "viewer",
    ("GET", "/api/images/{image_id}/sources/list"): "viewer",
    ("GET", "/api/images/{image_id}/sources/next"): "viewer",
    ("GET", "/api/sources/{source_id}"): "viewer",
    ("GET", "/api/sources/{source_id}/annotations"): "viewer",
    ("POST", "/api/images/{image_id}/annotations"): "annotator",
    ("GET", "/api/images/{image_id}/annotations"): "viewer",
    ("GET", "/api/images/{image_id}/rounds"): "viewer",
    ("POST", "/api/images/{image_id}/rounds"): "reviewer",
    ("POST", "/api/rounds/{round_id}/close"): "reviewer",
    ("POST", "/api/rounds/{round_id}/open"): "reviewer",
    ("POST", "/api/images/{image_id}/rounds/from-working-set"): "reviewer",
    ("GET", "/api/rounds/{round_id}"): "viewer",
    ("GET", "/api/rounds/{round_id}/queue"): "annotator",
    ("GET", "/api/rounds/{round_id}/report"): "reviewer",
    ("POST", "/api/rounds/{round_id}/adjudicate"): "reviewer",
    ("GET", "/api/images/{image_id}/compare"): "viewer",
    ("GET", "/api/images/{image_id}/skill"): "viewer",
    ("GET", "/api/images/{image_id}/progress"): "viewer",
    ("GET", "/api/images/{image_id}/export"): "reviewer",
    ("POST", "/api/images/{image_id}/detect"): "reviewer",
    ("POST", "/api/images/{image_id}/learning/pretrain"): "annotator",
    ("POST", "/api/images/{image_id}/learning/retrain"): "annotator",
    ("GET", "/api/tasks/{task_id}"): "viewer",
    ("GET", "/api/images/{image_id}/tasks"): "viewer",
    ("GET", "/api/images/{image_id}/learning"): "viewer",
    ("GET", "/api/images/{image_id}/predictions"): "viewer",
    ("GET", "/api/images/{image_id}/learning/next"): "viewer",
    ("POST", "/api/images/{image_id}/learning/next"): "annotator",
    ("GET", "/api/images/{image_id}/embedding"): "viewer",
    ("GET", "/api/sources/{source_id}/similar"): "viewer",
    ("GET", "/api/images/{image_id}/events"): "viewer",
}


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Team:
    tmp_path = tmp_path_factory.mktemp("access")
    team = make_team(accounts_settings(tmp_path))
    owner = team.headers("owner")
    image = upload_as(team, tmp_path, owner)
    imported = team.client.post(f"/api/images/{image}/layers/import", files={"file": ("det.csv", CSV)},
                                headers=owner)
    assert imported.status_code == 201, imported.text
    source = team.client.get(f"/api/images/{image}/sources/list", headers=owner).json()["items"][0]["id"]
    assert team.client.post(f"/api/images/{image}/annotations", json={"source_id": source, "class": "1"},
                            headers=owner).status_code == 201
    round_id = team.client.post(f"/api/images/{image}/rounds", json={}, headers=owner).json()["id"]
    region = team.client.post(f"/api/images/{image}/regions", headers=owner, json={
        "name": "core", "kind": "box", "geometry": {"x": 20, "y": 20, "width": 10, "height": 10, "angle": 0}})
    assert region.status_code == 201, region.text
    region_id = region.json()["id"]
    with session_scope(team.sessions) as session:
        task = TaskRun(name="pretrain", image_id=image, status="done", progress=1.0, message="", params={},
                       params_key="x", attempts=1)
        session.add(task)
        session.flush()
        task_id = task.id
    team.ids = {"image_id": image, "layer_id": imported.json()["layer"]["id"], "source_id": source,  # type: ignore[attr-defined]
                "round_id": round_id, "task_id": task_id, "region_id": region_id,
                "project_id": 1, "username": "viewer", "upload_key": "upload-key-1",
                "rendition": "F555W", "z": 0, "x": 0, "y": 0, "fmt": "png"}
    return team


def upload_as(team: Team, tmp_path: Path, headers: dict[str, str]) -> int:
    bands = write_bands(tmp_path / "fits")
    client = team.client
    original = client.headers.copy()
    client.headers.update(headers)
    try:
        response = upload(client, "access-galaxy", bands)
    finally:
        client.headers = original
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def operations(team: Team) -> list[tuple[str, str]]:
    schema = team.client.app.openapi()  # type: ignore[attr-defined]
    found = [(method.upper(), path) for path, ops in schema["paths"].items() for method in ops
             if path.startswith("/api/")]
    # deletions last, so the resources stay for the other calls
    return sorted(found, key=lambda op: (op[0] == "DELETE", "members" not in op[1], op[1]))


def expected_denial(rule_role: str, caller: str | None) -> int | None:
    if rule_role == PUBLIC:
        return None
    if caller is None:
        return 401
    if rule_role == SIGNED_IN:
        return None
    if caller == "stranger":  # owner of another project only: no role on project 1 (nor on the default one)
        return 403
    return None if RANK[caller] >= RANK[rule_role] else 403


def fill(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def test_every_operation_has_a_rule_and_every_rule_a_route(team: Team) -> None:
    ops = set(operations(team))
    assert sorted(ops - set(RULES)) == [], "routes without an access rule: add them to backend/api/access.py"
    optional = {op for op in RULES if op[1].startswith("/api/auth/oidc/")}  # only when OIDC is configured
    assert sorted(set(RULES) - ops - optional) == [], "rules for routes that do not exist"
    assert {op: rule.role for op, rule in RULES.items()} == EXPECTED


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c or "anonymous")
def test_every_route_answers_as_the_table_says(team: Team, caller: str | None) -> None:
    schema = team.client.app.openapi()  # type: ignore[attr-defined]
    wrong = []
    for method, path in operations(team):
        denial = expected_denial(EXPECTED[(method, path)], caller)
        if denial is None and (method, path) in STREAMS:
            continue
        if denial is None and caller != "owner" and method == "DELETE":
            continue  # deletions that lower roles may do run once, as the owner, at the end
        if denial is None and caller == "owner" and (method, path) == ("POST", "/api/auth/logout"):
            continue  # a bearer token has no session to end; logout is covered in test_accounts
        op = schema["paths"][path][method.lower()]
        kwargs: dict[str, Any] = {"headers": team.headers(caller)}
        if "requestBody" in op:
            kwargs["json"] = []
        response = team.client.request(method, fill(path, team.ids), **kwargs)  # type: ignore[attr-defined]
        status = response.status_code
        if denial is not None and status != denial:
            wrong.append(f"{method} {path}: {status}, expected {denial}")
        elif denial is None and (status in (401, 403) or status >= 500):
            wrong.append(f"{method} {path}: {status} {response.text[:120]}, expected to pass the guard")
    assert wrong == []


def test_an_unknown_id_is_404_for_a_member_and_401_for_anonymous(team: Team) -> None:
    client = team.client
    assert client.get("/api/sources/999999", headers=team.headers("viewer")).status_code == 404
    assert client.get("/api/sources/999999").status_code == 401
    assert client.get("/api/sources/9223372036854775808", headers=team.headers("viewer")).status_code == 404


def test_read_scope_caps_an_owner_token(team: Team) -> None:
    from backend.auth.accounts import require_user
    from backend.auth.credentials import create_api_token

    with session_scope(team.sessions) as session:
        token, _ = create_api_token(session, require_user(session, "owner"), "read-only", ["read"])
    headers = {"Authorization": f"Bearer {token}"}
    image = team.ids["image_id"]  # type: ignore[attr-defined]
    assert team.client.get(f"/api/images/{image}", headers=headers).status_code == 200
    assert team.client.post(f"/api/images/{image}/rounds", json={}, headers=headers).status_code == 403
