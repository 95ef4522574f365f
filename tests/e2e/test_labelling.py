"""An annotator's day: label 20 sources with the keyboard alone, reload, find them, export a catalogue."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.table import Table

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_map import open_image

pytestmark = pytest.mark.browser

ANNOTATOR = "e2e"


def test_label_twenty_by_keyboard_reload_and_export(page, server: str, e2e_data: dict, detected: dict) -> None:  # type: ignore[no-untyped-def]
    image_id = e2e_data["image"]["id"]
    open_image(page, server, image_id)
    page.evaluate(f"window.skylabel.setAnnotator({ANNOTATOR!r})")

    page.keyboard.press("t")
    page.wait_for_selector("#triage-grid .cell.focused", timeout=20000)
    labelled: dict[int, str] = {}
    for i in range(20):
        page.wait_for_selector("#triage-grid .cell.focused", timeout=10000)
        source_id = int(page.get_attribute("#triage-grid .cell.focused", "data-source-id"))
        assert source_id not in labelled, "the grid must advance to a new source after each label"
        label = str(i % 4 + 1)
        page.keyboard.press(label)
        labelled[source_id] = label
    page.wait_for_function("window.skylabel.pendingSaves() === 0", timeout=30000)
    assert "0" in page.inner_text("#save-status") or page.get_attribute("#save-status", "data-pending") == "0"

    page.reload()
    page.wait_for_function("window.skylabel && window.skylabel.ready", timeout=30000)
    page.evaluate("window.skylabel.ready")
    for source_id, label in labelled.items():
        page.evaluate(f"window.skylabel.selectSource({source_id})")
        page.wait_for_selector(f'#source-panel[data-source-id="{source_id}"][data-saved="1"]', timeout=10000)
        assert page.get_attribute("#source-class", "data-class") == label, source_id

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-labelling.png"))
    href = page.get_attribute('#export-links a[data-format="ecsv"]', "href")
    assert href
    response = page.request.get(href if href.startswith("http") else f"{server}{href}")
    assert response.status == 200
    path = ARTIFACTS / "e2e-export.ecsv"
    path.write_bytes(response.body())
    table = Table.read(path, format="ascii.ecsv")
    column = f"class_{ANNOTATOR}"
    assert {"x", "y", "ra", "dec", "class", column} <= set(table.colnames)
    for source_id, label in labelled.items():
        source = page.request.get(f"{server}/api/sources/{source_id}").json()
        row = np.flatnonzero((np.abs(table["x"] - source["x"]) < 1e-6) & (np.abs(table["y"] - source["y"]) < 1e-6))
        assert len(row) == 1, source_id
        assert str(table[column][row[0]]) == label
    assert not page.js_errors, page.js_errors
