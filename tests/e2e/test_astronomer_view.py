"""The astronomer's view (issue 10): a region drawn on the map, a V-I cut, a population lassoed in the
colour-magnitude diagram, three of it labelled from the triage grid and found highlighted on the map; and
the first-minutes defects (wheel without focus, go-to readings, the left panel at 1000 px, view memory)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import open_image

pytestmark = pytest.mark.browser

VI = "mag_F555W-mag_F814W"


def map_point(page, x: float, y: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Page coordinates of FITS 0-based pixel (x, y)."""
    sx, sy = page.evaluate("([x, y]) => window.skylabel.pixelToScreen(x, y)", [x, y])
    box = page.locator("#map").bounding_box()
    return box["x"] + sx, box["y"] + sy


def test_region_cut_lasso_label_three_and_see_them_on_the_map(page, server: str, e2e_data: dict,  # type: ignore[no-untyped-def]
                                                              detected: dict) -> None:
    image = e2e_data["image"]
    w, h = image["width"], image["height"]
    open_image(page, server, image["id"])
    page.evaluate("window.skylabel.setAnnotator('e2e-view')")
    page.wait_for_function("window.skylabel.store.get().layers.length > 0", timeout=20000)

    # 1. a box region over the middle of the image, drawn on the map (click, move, click), clear of the
    # panels floating over the map's top right
    page.click("#region-box")
    x0, y0 = map_point(page, 0.15 * w, 0.15 * h)
    x1, y1 = map_point(page, 0.7 * w, 0.7 * h)
    page.mouse.move(x0, y0)
    page.mouse.click(x0, y0)
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2)
    page.mouse.move(x1, y1)
    page.mouse.click(x1, y1)
    page.wait_for_selector("#region-list li input:checked", timeout=10000)
    region = page.evaluate("window.skylabel.store.get().regions[0]")
    assert region["kind"] == "box"
    g = region["geometry"]
    assert abs(g["x"] - 0.425 * w) < 0.02 * w and abs(g["width"] - 0.55 * w) < 0.02 * w

    # 2. a V-I cut from the working-set panel
    page.select_option("#cut-expr", VI)
    page.fill("#cut-min", "-0.5")
    page.fill("#cut-max", "1.4")
    page.click("#cut-add")
    page.wait_for_selector(f'#workset-panel .cut-row[data-expr="{VI}"]')
    assert "1 region" in page.inner_text("#workset-summary")

    # 3. the colour-magnitude diagram, and a lasso over its blue half
    page.keyboard.press("Shift+C")
    page.wait_for_function("Number(document.querySelector('#diagram-panel').dataset.count) > 50", timeout=20000)
    legend = page.inner_text("#diagram-legend")
    assert " drawn" in legend and f"of {detected['detected']} drawn" in legend
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#diagram-panel").screenshot(path=str(ARTIFACTS / "cmd-demo-galaxy-before.png"))
    canvas = page.locator("#diagram-canvas").bounding_box()
    left, top = canvas["x"] + 42, canvas["y"] + 10
    right, bottom = canvas["x"] + 42 + 0.55 * (canvas["width"] - 50), canvas["y"] + canvas["height"] - 30
    page.mouse.move(left, top)
    page.mouse.down()
    for px, py in ((right, top), (right, bottom), (left, bottom), (left, top + 2)):
        page.mouse.move(px, py, steps=6)
    page.mouse.up()
    page.wait_for_function("Number(document.querySelector('#diagram-panel').dataset.lasso) > 0", timeout=5000)
    lasso = set(page.evaluate("[...window.skylabel.lassoIds()]"))
    total = int(page.get_attribute("#diagram-panel", "data-count"))
    assert 0 < len(lasso) < total
    assert "lasso" in page.inner_text("#workset-summary")

    # 4. the triage grid shows that population only; label three from it
    page.keyboard.press("t")
    page.wait_for_selector("#triage-grid .cell.focused", timeout=20000)
    shown = [int(v) for v in page.eval_on_selector_all("#triage-grid .cell", "cs => cs.map(c => c.dataset.sourceId)")]
    assert shown and set(shown) <= lasso
    for sid in shown[:10]:
        src = page.request.get(f"{server}/api/sources/{sid}").json()
        assert abs(src["x"] - g["x"]) <= g["width"] / 2 and abs(src["y"] - g["y"]) <= g["height"] / 2
        vi = src["columns"]["mag_F555W"] - src["columns"]["mag_F814W"]
        assert -0.5 <= vi <= 1.4
    labelled: dict[int, str] = {}
    for label in ("1", "2", "4"):
        page.wait_for_selector("#triage-grid .cell.focused", timeout=10000)
        sid = int(page.get_attribute("#triage-grid .cell.focused", "data-source-id"))
        page.keyboard.press(label)
        labelled[sid] = label
    page.wait_for_function("window.skylabel.pendingSaves() === 0", timeout=30000)
    page.keyboard.press("t")  # close the grid

    # 5. on the map: the three are ringed as the lassoed population and drawn labelled, in their class
    for sid, label in labelled.items():
        page.evaluate(f"window.skylabel.selectSource({sid})")
        page.wait_for_selector(f'#source-panel[data-source-id="{sid}"][data-saved="1"]', timeout=10000)
        assert page.get_attribute("#source-class", "data-class") == label
        page.wait_for_function(f"window.skylabel.populationOnMap().includes({sid})", timeout=10000)
    page.wait_for_function("document.querySelector('#progress').dataset.mine === '3'", timeout=10000)
    assert "3 of" in page.inner_text("#progress")
    page.screenshot(path=str(ARTIFACTS / "e2e-astronomer-view.png"))
    page.locator("#diagram-panel").screenshot(path=str(ARTIFACTS / "cmd-demo-galaxy-lasso-labelled.png"))
    assert not page.js_errors, page.js_errors


def test_wheel_zooms_without_clicking_the_map_first(page, server: str, e2e_data: dict) -> None:  # type: ignore[no-untyped-def]
    open_image(page, server, e2e_data["image"]["id"])
    before = page.evaluate("window.skylabel.map.getView().getResolution()")
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] * 0.5)
    page.mouse.wheel(0, -300)  # OpenLayers' onFocusOnly ignored this until the map had been clicked
    page.wait_for_function(f"window.skylabel.map.getView().getResolution() < {before} * 0.9", timeout=5000)
    assert not page.js_errors, page.js_errors


def test_goto_takes_the_reading_that_falls_on_the_image(page, server: str, e2e_data: dict) -> None:  # type: ignore[no-untyped-def]
    image = e2e_data["image"]
    open_image(page, server, image["id"])
    sky = page.request.get(f"{server}/api/images/{image['id']}/pix2world?x=300&y=700").json()
    ra, dec = sky["ra"][0], sky["dec"][0]
    assert dec > 0, "the demo galaxy is northern: its Dec has no sign"
    page.fill("#goto-input", f"{ra:.6f} {dec:.6f}")
    page.press("#goto-input", "Enter")
    page.wait_for_function("window.skylabel.store.get().marker !== null", timeout=10000)
    marker = page.evaluate("window.skylabel.store.get().marker")
    assert abs(marker["x"] - 300) < 1 and abs(marker["y"] - 700) < 1  # not pixel (ra, dec)
    assert "read as RA" in page.inner_text("#status")
    # a sky position off the image: a message, and the view stays where it was
    page.wait_for_timeout(400)
    centre = page.evaluate("window.skylabel.store.get().view")
    page.fill("#goto-input", f"{(ra + 1) % 360:.4f} +{dec:.4f}")
    page.press("#goto-input", "Enter")
    page.wait_for_function("document.querySelector('#status').textContent.includes('outside the image')", timeout=10000)
    page.wait_for_timeout(400)
    after = page.evaluate("window.skylabel.store.get().view")
    assert abs(after["x"] - centre["x"]) < 1 and abs(after["y"] - centre["y"]) < 1
    assert not page.js_errors, page.js_errors


def test_left_panel_fits_1000px_and_the_view_survives_a_reload(browser, server: str, e2e_data: dict) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    try:
        open_image(page, server, e2e_data["image"]["id"])
        for selector in ("#goto-input", "#embedding-button"):
            box = page.locator(selector).bounding_box()
            assert box is not None and box["y"] + box["height"] <= 1000, selector
        page.select_option("#stretch-select", "log")
        page.wait_for_timeout(300)
        page.goto(f"{server}/")  # no hash: localStorage remembers the image's stretch
        page.wait_for_function("window.skylabel && window.skylabel.ready", timeout=30000)
        page.evaluate("window.skylabel.ready")
        assert page.evaluate("window.skylabel.store.get().stretch.stretch") == "log"
    finally:
        context.close()


def test_add_an_image_from_the_browser(page, server: str, e2e_data: dict) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import shared_file

    files = [shared_file(f"images/sdss_gri/reprojected_sdss_{b}.fits") for b in "gri"]
    open_image(page, server, e2e_data["image"]["id"])
    page.click("#add-image-button")
    page.wait_for_selector("#add-image-dialog[open]")
    page.fill("#add-image-name", "sdss-gri-upload")
    for _ in files[1:]:
        page.click("#add-image-add-band")
    rows = page.locator("#add-image-bands .band-row")
    for i, path in enumerate(files):
        rows.nth(i).locator(".band-file").set_input_files(str(path))
        rows.nth(i).locator(".band-name").fill("gri"[i])
    page.fill("#add-image-renditions", "gri:R=i,G=r,B=g")
    page.click("#add-image-submit")
    page.wait_for_selector('#add-image-result[data-state="done"]', timeout=120000)
    assert "sdss-gri-upload" in page.inner_text("#add-image-result")
    page.wait_for_function("window.skylabel.store.get().image?.name === 'sdss-gri-upload'", timeout=30000)
    assert "gri" in [r["name"] for r in page.evaluate("window.skylabel.store.get().image.renditions")]
    # the same name again: the server's refusal, shown as it is
    page.click("#add-image-submit")
    page.wait_for_selector('#add-image-result[data-state="error"]', timeout=60000)
    assert "sdss-gri-upload" in page.inner_text("#add-image-result")
    assert not page.js_errors, page.js_errors
