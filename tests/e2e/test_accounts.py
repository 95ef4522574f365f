"""A team on one server: two annotators and a viewer sign in through the login dialog; neither annotator can
change the other's label (the server attributes each label to whoever is signed in, whatever the page sends),
and the viewer cannot label at all. (Blind rounds, where one would not even see the other's vote, come with
the consensus rounds.)"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from benchmarks.server import running_server
from tests.conftest import REPO_ROOT
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

TEAM = {"olga": "owner", "alice": "annotator", "bob": "annotator", "vera": "viewer"}


def password(name: str) -> str:
    return f"{name}-has-a-long-password"


@pytest.fixture(scope="module")
def team_server(e2e_data: dict, detected: dict) -> Iterator[str]:
    env = {**os.environ, **e2e_data["env"]}
    env.pop("SKYLABEL_DATABASE_URL", None)
    for name, role in TEAM.items():
        done = subprocess.run([sys.executable, "-m", "backend.cli", "users", "add", name, "--role", role,
                               "--password-stdin"], input=password(name), env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
    server_env = {**e2e_data["env"], "SKYLABEL_FRONTEND_DIR": str(REPO_ROOT / "frontend" / "dist"),
                  "SKYLABEL_AUTH": "accounts"}
    ARTIFACTS.mkdir(exist_ok=True)
    with running_server(server_env, log=ARTIFACTS / "e2e-accounts-server.log") as base:
        yield base


def sign_in(browser, server: str, image_id: int, name: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/#image={image_id}")
    page.wait_for_selector("#login-dialog[open] #login-username", timeout=30000)
    page.fill("#login-username", name)
    page.fill("#login-password", "wrong password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error:not([hidden])", timeout=10000)
    assert "wrong username or password" in page.inner_text("#login-error")
    page.fill("#login-password", password(name))
    page.click("#login-submit")
    page.wait_for_function("window.skylabel && window.skylabel.ready", timeout=30000)
    page.evaluate("window.skylabel.ready")
    page.wait_for_function("Number(document.body.dataset.tilesLoaded || 0) > 0", timeout=30000)
    assert page.get_attribute("body", "data-user") == name
    return context, page, errors


def label_selected(page, source_id: int, key: str) -> None:  # type: ignore[no-untyped-def]
    page.evaluate(f"window.skylabel.selectSource({source_id})")
    page.wait_for_selector(f'#source-panel[data-source-id="{source_id}"]', timeout=10000)
    page.keyboard.press(key)


def votes(page, server: str, source_id: int) -> dict:  # type: ignore[no-untyped-def]
    return page.request.get(f"{server}/api/sources/{source_id}").json()["votes"]  # type: ignore[no-any-return]


def test_two_annotators_and_a_viewer(browser, team_server: str, e2e_data: dict) -> None:  # type: ignore[no-untyped-def]
    image_id = e2e_data["image"]["id"]
    anonymous = browser.new_context()
    assert anonymous.request.get(f"{team_server}/api/images").status == 401
    anonymous.close()

    alice_ctx, alice, alice_errors = sign_in(browser, team_server, image_id, "alice")
    source_id = alice.request.get(f"{team_server}/api/images/{image_id}/sources/list?limit=1").json()["items"][0]["id"]
    label_selected(alice, source_id, "1")
    alice.wait_for_function("window.skylabel.pendingSaves() === 0", timeout=30000)
    assert votes(alice, team_server, source_id).get("alice") == "1"

    bob_ctx, bob, bob_errors = sign_in(browser, team_server, image_id, "bob")
    label_selected(bob, source_id, "2")
    bob.wait_for_function("window.skylabel.pendingSaves() === 0", timeout=30000)
    # bob's page claims to be alice: the server files the label under bob all the same
    forged = bob.evaluate("""async ([image, source]) => {
        const me = await (await fetch('/api/auth/me')).json();
        const r = await fetch(`/api/images/${image}/annotations`, {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token},
            body: JSON.stringify({source_id: source, class: '4', annotator: 'alice'})});
        return [r.status, (await r.json()).annotation.annotator];
    }""", [image_id, source_id])
    assert forged == [201, "bob"]
    after = votes(bob, team_server, source_id)
    assert after.get("alice") == "1" and after.get("bob") == "4"

    vera_ctx, vera, vera_errors = sign_in(browser, team_server, image_id, "vera")
    label_selected(vera, source_id, "3")
    vera.wait_for_function("/refused/.test(document.querySelector('#save-status').textContent)", timeout=20000)
    refusals = vera.evaluate(
        "window.skylabel.labelling.unsaved().filter((e) => e.state === 'rejected').map((e) => String(e.error))")
    assert len(refusals) == 1 and "annotator role" in refusals[0], refusals
    assert "vera" not in votes(vera, team_server, source_id)
    vera.screenshot(path=str(ARTIFACTS / "e2e-accounts-viewer.png"))
    for context in (alice_ctx, bob_ctx, vera_ctx):
        context.close()
    assert not (alice_errors or bob_errors or vera_errors), (alice_errors, bob_errors, vera_errors)
