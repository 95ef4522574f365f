"""Browser tests: a real server on a temporary data directory and headless Debian Chromium via Playwright.

``make test`` sets ``SKYLABEL_REQUIRE_BROWSER=1`` so that a missing Chromium or an unbuilt frontend fails the
run instead of skipping the browser tests.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.server import running_server
from tests.conftest import REPO_ROOT

CHROMIUM = os.environ.get("SKYLABEL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
ARTIFACTS = REPO_ROOT / "test-artifacts"


def _missing(reason: str) -> None:
    if os.environ.get("SKYLABEL_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def e2e_data(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A data directory holding a small simulated demo galaxy, ingested through the CLI."""
    if not (REPO_ROOT / "frontend" / "dist" / "index.html").is_file():
        _missing("frontend is not built (frontend/dist/index.html): run make setup")
    data_dir = tmp_path_factory.mktemp("e2e-data")
    env = {**os.environ, "SKYLABEL_DATA_DIR": str(data_dir)}
    env.pop("SKYLABEL_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "backend.cli", "demo", "--no-serve", "--size", "1024"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run([sys.executable, "-m", "backend.cli", "images", "--json"], env=env,
                            capture_output=True, text=True, timeout=120)
    image = json.loads(listed.stdout)[0]
    yield {"data_dir": data_dir, "image": image, "env": {"SKYLABEL_DATA_DIR": str(data_dir)}}
    shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def server(e2e_data: dict) -> Iterator[str]:
    env = {**e2e_data["env"], "SKYLABEL_FRONTEND_DIR": str(REPO_ROOT / "frontend" / "dist")}
    ARTIFACTS.mkdir(exist_ok=True)
    with running_server(env, log=ARTIFACTS / "e2e-server.log") as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        _missing(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    yield page
    context.close()


@pytest.fixture(scope="session")
def detected(e2e_data: dict) -> dict:
    """Sources to label: SExtractor-style detection on the demo galaxy, through the CLI."""
    env = {**os.environ, **e2e_data["env"]}
    env.pop("SKYLABEL_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "backend.cli", "detect", str(e2e_data["image"]["id"]), "--json"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["detected"] > 50
    return result
