"""Issue 9's browser test: an owner draws a polygon on the demo galaxy and opens a blind round of 30 sampled
sources with k = 3; three annotators (three browser contexts) label their queues with the keyboard, none
seeing the others' votes; the owner closes the round, the report's figures equal the reference
implementations' on the same votes, two disagreements are adjudicated, and the export carries the columns."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from astropy.table import Table
from statsmodels.stats.inter_rater import fleiss_kappa

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import open_image

pytestmark = pytest.mark.browser

TEAM = ("ann", "bob", "cyd")
REGION = [(120, 120), (900, 120), (900, 900), (120, 900)]


def class_for(source_id: int, who: str) -> str:
    """Deterministic votes that disagree now and then: every 3rd source splits three ways (no majority), on
    every 7th cyd alone differs."""
    base = source_id % 4
    if source_id % 3 == 0:
        base = (base + {"ann": 0, "bob": 1, "cyd": 2}[who]) % 4
    elif who == "cyd" and source_id % 7 == 0:
        base = (base + 1) % 4
    return str(base + 1)


def person(browser, server: str, image_id: int, name: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    open_image(page, server, image_id)
    page.evaluate(f"window.skylabel.setAnnotator({name!r})")
    return context, page


def draw_polygon(page, points: list[tuple[float, float]]) -> None:  # type: ignore[no-untyped-def]
    page.keyboard.press("o")
    box = page.locator("#map").bounding_box()
    screen = [page.evaluate("([x, y]) => window.skylabel.pixelToScreen(x, y)", [x, y]) for x, y in points]
    for sx, sy in screen[:-1]:
        page.mouse.click(box["x"] + sx, box["y"] + sy)
    sx, sy = screen[-1]
    page.mouse.dblclick(box["x"] + sx, box["y"] + sy)
    page.wait_for_function("window.skylabel.store.get().draft?.type === 'Polygon'", timeout=10000)


def test_a_blind_round_by_three_annotators(browser, server: str, e2e_data: dict, detected: dict) -> None:  # type: ignore[no-untyped-def]
    image_id = e2e_data["image"]["id"]
    owner_context, owner = person(browser, server, image_id, "olga")
    draw_polygon(owner, REGION)
    owner.wait_for_selector("#round-new", timeout=10000)
    owner.fill('#round-new input[name="name"]', "HII regions")
    owner.fill('#round-new input[name="n"]', "30")
    owner.fill('#round-new input[name="k"]', "3")
    owner.fill('#round-new input[name="annotators"]', ", ".join(TEAM))
    owner.click("#round-create")
    owner.wait_for_selector("#round-open", timeout=10000)
    round_id = owner.evaluate("window.skylabel.store.get().round.roundId")
    sources = owner.evaluate("window.skylabel.store.get().round.sources")
    assert len(sources) == 30
    owner.click("#round-open")
    owner.wait_for_selector("#round-close", timeout=10000)

    pages = {}
    for name in TEAM:
        context, page = person(browser, server, image_id, name)
        pages[name] = (context, page)
        page.wait_for_function(f"window.skylabel.store.get().round.rounds.some((r) => r.id === {round_id})",
                               timeout=10000)
        page.select_option("#round-select", str(round_id))
        page.wait_for_selector("#round-progress", timeout=10000)
        assert page.inner_text("#round-progress") == "0 of 30 done"
        page.click("#round-start")
    seen_votes: dict[str, set[str]] = {name: set() for name in TEAM}
    for step in range(30):
        for name in TEAM:  # interleaved: each sees the others' votes land, or would if not blind
            page = pages[name][1]
            page.wait_for_function("window.skylabel.store.get().selectedId !== null", timeout=10000)
            sid = page.evaluate("window.skylabel.store.get().selectedId")
            assert sid in sources
            page.wait_for_function("window.skylabel.store.get().selected !== null", timeout=10000)
            seen_votes[name] |= set(page.evaluate("Object.keys(window.skylabel.store.get().selected.votes)"))
            page.keyboard.press(class_for(sid, name))
            page.wait_for_function("window.skylabel.pendingSaves() === 0", timeout=10000)
            if step < 29:
                page.keyboard.press("n")
                page.wait_for_function(f"window.skylabel.store.get().selectedId !== {sid}", timeout=10000)
    for name in TEAM:
        page = pages[name][1]
        try:
            page.wait_for_function("document.querySelector('#round-progress')?.textContent === '30 of 30 done'",
                                   timeout=15000)
        except Exception:
            queue = page.evaluate(f"fetch('/api/rounds/{round_id}/queue', {{headers: {{'X-Skylabel-Annotator': "
                                  f"{name!r}}}}}).then((r) => r.json())")
            mine = page.evaluate(f"fetch('/api/images/{image_id}/annotations?limit=5000', {{headers: "
                                 f"{{'X-Skylabel-Annotator': {name!r}}}}}).then((r) => r.json())")
            rows = [(a["source_id"], a["round_id"], a["class"]) for a in mine["items"] if a["annotator"] == name]
            raise AssertionError((name, page.inner_text("#round-progress"), queue["done"],
                                  page.evaluate("window.skylabel.store.get().saves"), rows)) from None
        assert seen_votes[name] <= {name}, (name, seen_votes[name])  # nobody saw another's vote
        detail = page.evaluate(f"fetch('/api/sources/{sources[0]}', {{headers: {{'X-Skylabel-Annotator': "
                               f"{name!r}}}}}).then((r) => r.json())")
        assert set(detail["votes"]) == {name}
        assert page.evaluate(f"fetch('/api/rounds/{round_id}/report', {{headers: {{'X-Skylabel-Annotator': "
                             f"{name!r}}}}}).then((r) => r.status)") == 403
        assert not page.js_errors, page.js_errors

    owner.evaluate("window.skylabel.rounds.load()")
    owner.click("#round-close")
    owner.wait_for_selector("#round-panel table.report", timeout=15000)
    headers = {"X-Skylabel-Annotator": "olga"}
    report = owner.request.get(f"{server}/api/rounds/{round_id}/report", headers=headers).json()
    assert report["n_sources"] == 30 and report["n_votes"] == 90
    counts = np.zeros((30, 4), dtype=int)
    matrix = np.full((3, 30), np.nan)
    for i, sid in enumerate(sources):
        for j, name in enumerate(TEAM):
            cls = int(class_for(sid, name)) - 1
            counts[i, cls] += 1
            matrix[j, i] = cls
    binary = np.stack([counts[:, :2].sum(1), counts[:, 2:].sum(1)], axis=1)
    assert report["fleiss_kappa"]["4class"] == pytest.approx(fleiss_kappa(counts), abs=1e-6)
    assert report["fleiss_kappa"]["binary"] == pytest.approx(fleiss_kappa(binary), abs=1e-6)
    assert report["krippendorff_alpha"]["4class"] == pytest.approx(
        krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"), abs=1e-6)
    assert report["human_to_mode_agreement"]["4class"] == pytest.approx(counts.max(1).sum() / 90, abs=1e-6)
    assert report["human_to_mode_agreement"]["binary"] == pytest.approx(binary.max(1).sum() / 90, abs=1e-6)
    shown = owner.inner_text('#round-panel [data-figure="human-to-mode agreement-4"]')
    assert float(shown) == pytest.approx(report["human_to_mode_agreement"]["4class"], abs=1e-3)

    disagreements = report["disagreements"]
    split = [sid for sid in sources if sid % 3 == 0]
    assert set(split) <= set(disagreements) and len(disagreements) >= 2, (split, disagreements)
    for sid in disagreements[:2]:
        item = owner.locator(f'#round-panel li[data-source="{sid}"]')
        item.locator(".adj-class").select_option("2")
        item.locator(".adj-note").fill("checked by eye")
        item.locator(".adj-go").click()
        owner.wait_for_selector(f'#round-panel li[data-source="{sid}"] strong', timeout=10000)
    after = owner.request.get(f"{server}/api/rounds/{round_id}/report", headers=headers).json()
    assert after["state"] == "adjudicated"
    decided = {s["source_id"]: s["class_adjudicated"] for s in after["sources"] if s["class_adjudicated"]}
    assert decided == {sid: "2" for sid in disagreements[:2]}

    response = owner.request.get(f"{server}/api/images/{image_id}/export?format=ecsv", headers=headers)
    assert response.status == 200
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "e2e-round-export.ecsv"
    path.write_bytes(response.body())
    table = Table.read(path, format="ascii.ecsv")
    assert {"n_votes", "votes_1", "votes_2", "votes_3", "votes_4", "class_mode", "class_mean", "agreement",
            "class_ds", "p_ds", "class_adjudicated", "consensus_method"} <= set(table.colnames)
    methods = {str(m) for m in table["consensus_method"]}
    assert "adjudicated" in methods and "human-3" in methods
    owner.screenshot(path=str(ARTIFACTS / "e2e-round-report.png"))
    assert not owner.js_errors, owner.js_errors
    not_voted_by_me(owner, pages["ann"][1], server, image_id, set(sources))
    for context, _ in pages.values():
        context.close()
    owner_context.close()


def not_voted_by_me(owner, ann, server: str, image_id: int, voted: set[int]) -> None:  # type: ignore[no-untyped-def]
    """Outside rounds, "not voted by me" (the legend's "show") filters ann's map and makes n walk to the
    nearest source she has not voted on, though the owner has labelled it (an unlabelled walk would pass it)."""
    # the candidates are the sources ann has not voted on (other tests on this server label sources too: a
    # source labelled by someone else but not by her is one n may walk to)
    listed = owner.request.get(f"{server}/api/images/{image_id}/sources/list?limit=5000&state=unvoted",
                               headers={"X-Skylabel-Annotator": "ann"}).json()
    free = [i for i in listed["items"] if i["id"] not in voted]
    pairs = []  # two sources, each the other's nearest among the free ones: from one, n finds the other
    for a in free:
        b = min((c for c in free if c["id"] != a["id"]), key=lambda c: (c["x"] - a["x"]) ** 2 + (c["y"] - a["y"]) ** 2)
        back = min((c for c in free if c["id"] != b["id"]),
                   key=lambda c: (c["x"] - b["x"]) ** 2 + (c["y"] - b["y"]) ** 2)
        if back["id"] == a["id"]:
            pairs.append((a["id"], b["id"]))
            break
    start, target = pairs[0]
    response = owner.request.post(f"{server}/api/images/{image_id}/annotations", headers={
        "X-Skylabel-Annotator": "olga"}, data={"source_id": target, "class": "1", "annotator": "olga"})
    assert response.status == 201, response.text()
    ann.evaluate("window.skylabel.rounds.setActive(false)")
    ann.evaluate(f"window.skylabel.selectSource({start})")
    ann.wait_for_function(f"window.skylabel.store.get().selected?.id === {start}", timeout=10000)
    # n walks from the view's centre: wait for the pan onto start to end (a slow machine can still be
    # animating when the filtered sources arrive, and n would then walk from where the view was)
    sx, sy = next((i["x"], i["y"]) for i in free if i["id"] == start)
    ann.wait_for_function(f"(() => {{ const v = window.skylabel.store.get().view;"
                          f" return !!v && Math.hypot(v.x - {sx}, v.y - {sy}) < 1; }})()", timeout=10000)
    ann.select_option("#map-state", "unvoted")
    ann.wait_for_function(f"(window.skylabel.store.get().viewportSources?.sources ?? []).some((s) => s.id === {target})"
                          " && window.skylabel.store.get().viewportSources.state === 'unvoted'", timeout=15000)
    shown = set(ann.evaluate("window.skylabel.store.get().viewportSources.sources.map((s) => s.id)"))
    assert not shown & voted, sorted(shown & voted)  # her voted round sources are off the map
    ann.evaluate("document.activeElement?.blur()")
    ann.keyboard.press("n")
    ann.wait_for_function(f"window.skylabel.store.get().selectedId !== {start}", timeout=10000)
    walked = ann.evaluate("window.skylabel.store.get().selectedId")
    assert walked == target, (start, target, walked, ann.evaluate("window.skylabel.store.get().view"))
    assert not ann.js_errors, ann.js_errors
