"""A team on one server: two annotators and a viewer sign in through the login dialog; neither annotator can
change the other's label (the server attributes each label to whoever is signed in, whatever the page sends),
and the viewer cannot label at all. In an open blind round neither annotator's browser shows the other's vote
on a shared source (source panel, map rings and live updates, triage grid), while the reviewer's does."""

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

TEAM = {"olga": "owner", "rita": "reviewer", "alice": "annotator", "bob": "annotator", "vera": "viewer"}


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


def csrf(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("fetch('/api/auth/me').then((r) => r.json()).then((m) => m.csrf_token)")  # type: ignore[no-any-return]


def start_round(page, round_id: int, source_id: int) -> None:  # type: ignore[no-untyped-def]
    """Choose the round in the round panel and start its queue: the shared source is selected."""
    page.evaluate("window.skylabel.rounds.load()")
    page.wait_for_function(f"window.skylabel.store.get().round.rounds.some((r) => r.id === {round_id})",
                           timeout=10000)
    page.select_option("#round-select", str(round_id))
    page.wait_for_selector("#round-start", timeout=10000)
    page.click("#round-start")
    page.wait_for_selector(f'#source-panel[data-source-id="{source_id}"]', timeout=10000)
    page.wait_for_function("window.skylabel.store.get().selected !== null", timeout=10000)


def map_class(page, source_id: int):  # type: ignore[no-untyped-def]
    """The class the map rings the source with: the sources in view (reloaded now) and any live override."""
    page.evaluate("""(() => { const s = window.skylabel.store; window.shownBefore = s.get().viewportSources;
        s.set({sourcesVersion: s.get().sourcesVersion + 1}); })()""")
    page.wait_for_function(f"window.skylabel.store.get().viewportSources !== window.shownBefore && "
                           f"(window.skylabel.store.get().viewportSources?.sources ?? [])"
                           f".some((s) => s.id === {source_id})", timeout=15000)
    return page.evaluate(f"""(() => {{ const s = window.skylabel.store.get();
        const o = s.overrides[{source_id}];
        const v = s.viewportSources.sources.find((x) => x.id === {source_id});
        return o && 'label_class' in o ? o.label_class : v.label_class; }})()""")


def grid_class(page, source_id: int) -> str:  # type: ignore[no-untyped-def]
    """The class badge of the source's cell in the triage grid (all states, newest id first: it is the first)."""
    page.keyboard.press("t")
    page.wait_for_selector("#triage-grid .cell", timeout=20000)
    page.select_option("#triage-state", "all")
    if "desc" not in page.inner_text("#triage-order"):
        page.click("#triage-order")
    page.wait_for_selector(f'#triage-grid .cell[data-index="0"][data-source-id="{source_id}"]', timeout=15000)
    shown = page.get_attribute(f'#triage-grid .cell[data-source-id="{source_id}"]', "data-class")
    page.keyboard.press("t")
    return shown  # type: ignore[no-any-return]


def test_a_blind_round_hides_a_vote_from_the_other_annotator_not_from_the_reviewer(  # type: ignore[no-untyped-def]
    browser, team_server: str, e2e_data: dict,
) -> None:
    image_id = e2e_data["image"]["id"]
    rita_ctx, rita, rita_errors = sign_in(browser, team_server, image_id, "rita")
    listed = rita.request.get(f"{team_server}/api/images/{image_id}/sources/list?limit=1&sort=id&order=desc")
    shared = listed.json()["items"][0]["id"]  # the newest source: first in a grid sorted by id, descending
    created = rita.request.post(f"{team_server}/api/images/{image_id}/rounds", headers={"X-CSRF-Token": csrf(rita)},
                                data={"name": "blind pair", "k": 2, "annotators": ["alice", "bob"],
                                      "sources": [shared], "blind": True})
    assert created.status == 201, created.text()
    round_id = created.json()["id"]
    opened = rita.request.post(f"{team_server}/api/rounds/{round_id}/open", headers={"X-CSRF-Token": csrf(rita)})
    assert opened.status == 200, opened.text()

    bob_ctx, bob, bob_errors = sign_in(browser, team_server, image_id, "bob")  # open before alice votes: live
    start_round(bob, round_id, shared)
    alice_ctx, alice, alice_errors = sign_in(browser, team_server, image_id, "alice")
    start_round(alice, round_id, shared)
    alice.keyboard.press("1")
    alice.wait_for_function("window.skylabel.pendingSaves() === 0", timeout=30000)
    assert votes(alice, team_server, shared) == {"alice": "1"}

    # bob: the source panel, the map (after alice's live label event and a reload) and the grid show no vote
    bob.evaluate("window.skylabel.labelling.refreshSelected()")
    bob.wait_for_function("window.skylabel.store.get().selected !== null", timeout=10000)
    assert bob.evaluate("Object.keys(window.skylabel.store.get().selected.votes)") == []
    assert "alice" not in bob.inner_text("#source-panel")
    assert map_class(bob, shared) is None
    assert grid_class(bob, shared) == ""
    assert votes(bob, team_server, shared) == {}

    # the reviewer sees alice's vote everywhere
    rita.evaluate(f"window.skylabel.selectSource({shared})")
    rita.wait_for_selector(f'#source-panel[data-source-id="{shared}"]', timeout=10000)
    rita.wait_for_function("window.skylabel.store.get().selected?.votes?.alice === '1'", timeout=10000)
    assert "alice" in rita.inner_text("#source-panel")
    assert map_class(rita, shared) == "1"
    assert grid_class(rita, shared) == "1"

    # bob votes: he sees his own vote only; alice, likewise, never sees bob's
    bob.evaluate(f"window.skylabel.selectSource({shared})")
    bob.wait_for_selector(f'#source-panel[data-source-id="{shared}"]', timeout=10000)
    bob.keyboard.press("2")
    bob.wait_for_function("window.skylabel.pendingSaves() === 0", timeout=30000)
    bob.wait_for_function("window.skylabel.store.get().selected?.votes?.bob === '2'", timeout=10000)
    assert bob.evaluate("Object.keys(window.skylabel.store.get().selected.votes)") == ["bob"]
    assert "alice" not in bob.inner_text("#source-panel")
    alice.evaluate("window.skylabel.labelling.refreshSelected()")
    alice.wait_for_function("window.skylabel.store.get().selected !== null", timeout=10000)
    assert alice.evaluate("Object.keys(window.skylabel.store.get().selected.votes)") == ["alice"]
    assert "bob" not in alice.inner_text("#source-panel")
    assert votes(rita, team_server, shared) == {"alice": "1", "bob": "2"}
    bob.screenshot(path=str(ARTIFACTS / "e2e-accounts-blind.png"))
    for context in (rita_ctx, bob_ctx, alice_ctx):
        context.close()
    assert not (rita_errors or bob_errors or alice_errors), (rita_errors, bob_errors, alice_errors)
