"""The AI loop as a user meets it: start pretraining from the UI, watch it finish, label, see scores appear live."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import open_image

pytestmark = pytest.mark.browser


def test_pretrain_label_and_see_scores(page, server: str, e2e_data: dict, detected: dict) -> None:  # type: ignore[no-untyped-def]
    open_image(page, server, e2e_data["image"]["id"])
    page.evaluate("window.skylabel.setAnnotator('e2e-ai')")

    page.fill("#pretrain-steps", "4")
    page.fill("#pretrain-batch", "16")
    assert page.input_value("#pretrain-recipe") == "measured"  # the best measured BYOL by default
    with page.expect_request(lambda r: r.url.endswith("/learning/pretrain") and r.method == "POST") as sent:
        page.click("#pretrain-button")
    assert sent.value.post_data_json == {"steps": 4, "batch_size": 16, "encoder": "auto", "recipe": "measured"}
    page.wait_for_selector('#task-progress[data-status="running"], #task-progress[data-status="done"]',
                           timeout=60000)
    page.wait_for_selector('#task-progress[data-status="done"]', timeout=300000)
    assert page.get_attribute("#task-progress", "data-status") == "done"

    # label a few sources of two classes (cluster / non-cluster), the way an annotator does: select, press a key
    listing = page.request.get(f"{server}/api/images/{e2e_data['image']['id']}/sources/list?limit=20").json()
    ids = [item["id"] for item in listing["items"]]
    assert len(ids) == 20
    for i, source_id in enumerate(ids):
        page.evaluate(f"window.skylabel.selectSource({source_id})")
        page.wait_for_selector(f'#source-panel[data-source-id="{source_id}"]', timeout=10000)
        page.keyboard.press("1" if i % 2 == 0 else "4")
    page.wait_for_function("window.skylabel.pendingSaves() === 0", timeout=30000)

    # the probe refits on the new labels and the scores reach the open map by themselves (server-sent events)
    page.wait_for_function("window.skylabel.predictionsVersion() !== null", timeout=30000)
    unlabelled = page.request.get(
        f"{server}/api/images/{e2e_data['image']['id']}/sources/list?state=unlabelled&limit=1").json()["items"][0]
    page.evaluate(f"window.skylabel.selectSource({unlabelled['id']})")
    page.wait_for_selector("#source-prediction[data-model-version]", timeout=20000)
    text = page.inner_text("#source-prediction")
    assert "p =" in text and "nats on cluster / non-cluster" in text and "on the classes" in text, text
    score = float(page.get_attribute("#source-prediction", "data-score"))
    assert 0.0 < score <= 1.0
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#source-prediction").screenshot(path=str(ARTIFACTS / "e2e-ai-loop-source-prediction.png"))

    # the accuracy plot shows, beside the probe, a probe on photometric features alone with the same labels,
    # and the panel says how many labels the probe saves against it (measured on learning curves of the 20)
    page.wait_for_function("document.querySelector('#labels-saved')?.textContent.includes('labels')", timeout=90000)
    assert int(page.get_attribute("#accuracy-plot", "data-feature-points")) >= 1
    assert "photometric features alone" in page.inner_text("#labels-saved")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#accuracy-plot-box").scroll_into_view_if_needed()
    page.locator("#model-panel").screenshot(path=str(ARTIFACTS / "e2e-ai-loop-model-panel.png"))

    # label next: the acquisition function proposes a source and the map goes to it
    page.click("#label-next-button")
    page.wait_for_function("window.skylabel.selectedSource() !== null", timeout=20000)
    assert page.get_attribute("#label-next-button", "aria-pressed") == "true"
    # uncertainty is asked of the LEGUS scheme's binary question, and the panel says so
    page.wait_for_function("document.querySelector('#label-next-info')?.textContent"
                           ".includes('entropy on cluster / non-cluster')", timeout=20000)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-ai-loop.png"))
    assert not page.js_errors, page.js_errors
