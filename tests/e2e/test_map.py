"""The map as an astronomer uses it: open the demo, switch rendition, read RA/Dec under a pixel."""

from __future__ import annotations

import re

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def open_image(page, server: str, image_id: int) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{server}/#image={image_id}")
    page.wait_for_function("window.skylabel && window.skylabel.ready", timeout=30000)
    page.evaluate("window.skylabel.ready")
    page.wait_for_function("Number(document.body.dataset.tilesLoaded || 0) > 0", timeout=30000)


def hover_pixel(page, x: float, y: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Move the mouse over FITS 0-based pixel (x, y); returns the readout's (x, y) and waits for RA/Dec."""
    sx, sy = page.evaluate("([x, y]) => window.skylabel.pixelToScreen(x, y)", [x, y])
    box = page.locator("#map").bounding_box()
    page.mouse.move(box["x"] + sx + 3, box["y"] + sy + 3)
    page.mouse.move(box["x"] + sx, box["y"] + sy)
    page.wait_for_function(
        "document.querySelector('#readout-radec-deg').dataset.readoutReady === '1'", timeout=10000
    )
    numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", page.inner_text("#readout-pixel"))]
    return numbers[0], numbers[1]


def test_open_switch_rendition_and_read_sky_coordinates(page, server: str, e2e_data: dict) -> None:  # type: ignore[no-untyped-def]
    image = e2e_data["image"]
    open_image(page, server, image["id"])
    assert page.locator("#image-list [data-image-id]").count() >= 1

    page.select_option("#rendition-select", "F555W")
    page.wait_for_function("window.skylabel.store.get ? true : true")
    page.wait_for_timeout(500)
    assert page.input_value("#rendition-select") == "F555W"

    target = (400.0, 300.0)
    px, py = hover_pixel(page, *target)
    assert abs(px - target[0]) <= 1.0 and abs(py - target[1]) <= 1.0, (px, py)
    ra_text, dec_text = re.findall(r"-?\d+\.\d+", page.inner_text("#readout-radec-deg"))[:2]

    sim_dir = e2e_data["data_dir"] / "demo"
    band = next(p for p in sim_dir.rglob("*.fits") if p.stem.lower().endswith("_f555w"))
    wcs = WCS(fits.getheader(band))
    ra, dec = wcs.all_pix2world(np.array([px]), np.array([py]), 0)
    decimals = len(ra_text.split(".")[1])
    tolerance = 1.5 * 10 ** (-decimals)
    assert abs(float(ra_text) - ra[0]) <= tolerance, (ra_text, ra[0])
    assert abs(float(dec_text) - dec[0]) <= tolerance, (dec_text, dec[0])
    assert page.inner_text("#readout-radec-sexa").count(":") >= 4
    assert "F555W" in page.inner_text("#readout-values")

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "e2e-map.png"))
    assert not page.js_errors, page.js_errors


def test_go_to_pixel_centres_the_view(page, server: str, e2e_data: dict) -> None:  # type: ignore[no-untyped-def]
    open_image(page, server, e2e_data["image"]["id"])
    page.keyboard.press("g")
    page.fill("#goto-input", "100 700")
    page.keyboard.press("Enter")
    page.wait_for_timeout(800)
    box = page.locator("#map").bounding_box()
    cx, cy = page.evaluate("([w, h]) => window.skylabel.screenToPixel(w / 2, h / 2)", [box["width"], box["height"]])
    assert abs(cx - 100) < 2 and abs(cy - 700) < 2, (cx, cy)
    assert page.locator("#scale-bar").inner_text().strip() != ""
