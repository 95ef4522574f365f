"""kill -9: of the server while labels are being saved (no acknowledged label is lost), and of an ingest (its
leftovers are gone after the next start, and the start says so)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from backend.catalogues import CatalogMeta, Source, SourceCatalog
from backend.db.session import open_database, session_scope
from backend.services.labelling.layer_import import import_catalog
from backend.settings import Settings
from benchmarks.server import server_process
from tests.backend.fits_factory import write_band
from tests.backend.labels_db import add_image

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def post_json(url: str, body: dict) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_kill_9_during_saves_loses_no_acknowledged_label(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = Settings(data_dir=data)
    engine, sessions = open_database(settings)
    image_id = add_image(sessions)
    with session_scope(sessions) as session:
        import_catalog(session, image_id, SourceCatalog([Source(str(i), 5.0 + i, 5.0 + i) for i in range(100)],
                                                        CatalogMeta(format="test")), name="det")
    engine.dispose()
    env = {"SKYLABEL_DATA_DIR": str(data)}
    acknowledged: list[str] = []
    lock = threading.Lock()
    with server_process(env) as (base, proc):
        stop = threading.Event()

        def annotator(who: int) -> None:
            i = 0
            while not stop.is_set():
                key = str(uuid.uuid4())
                body = {"source_id": 1 + (who * 7 + i) % 100, "class": str(1 + i % 4), "client_key": key,
                        "annotator": f"a{who}"}
                i += 1
                try:
                    status = post_json(f"{base}/api/images/{image_id}/annotations", body)
                except OSError:
                    return  # the server is gone: this label was never acknowledged
                if status == 201:
                    with lock:
                        acknowledged.append(key)

        threads = [threading.Thread(target=annotator, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 60 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # mid-save: requests are in flight
        proc.wait(timeout=10)
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
    assert len(acknowledged) >= 60
    with server_process(env) as (base, _):
        with urllib.request.urlopen(f"{base}/api/images/{image_id}/annotations?limit=100000", timeout=30) as r:
            stored = {item["client_key"] for item in json.loads(r.read())["items"]}
    missing = [key for key in acknowledged if key not in stored]
    assert missing == [], f"{len(missing)} acknowledged labels lost"


def test_kill_9_during_ingest_leaves_nothing_after_restart(tmp_path: Path) -> None:
    data = tmp_path / "data"
    bands = [write_band(tmp_path / f"b{i}.fits", width=3000, height=3000, seed=i) for i in range(3)]
    env = {**os.environ, "SKYLABEL_DATA_DIR": str(data), "PYTHONPATH": str(REPO)}
    env.pop("SKYLABEL_DATABASE_URL", None)
    ingest = subprocess.Popen([sys.executable, "-m", "backend.cli", "ingest", "--name", "killed",
                               *[a for i, b in enumerate(bands) for a in ("--band", f"F{i}={b}")]],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    images = data / "images"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(images.glob(".*.partial-*/*")):
        time.sleep(0.05)
    assert list(images.glob(".*.partial-*")), "the ingest never started writing"
    time.sleep(0.5)
    ingest.send_signal(signal.SIGKILL)
    ingest.wait(timeout=10)
    assert list(images.glob(".*.partial-*"))  # the kill left its work behind
    started = subprocess.run([sys.executable, "-c", "from backend.app import create_app; "
                              "from backend.settings import Settings; create_app(Settings())"],
                             env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    assert "leftover(s) of killed ingests/uploads" in started.stderr
    assert not list(images.glob(".*.partial-*")) and not list((data / "uploads").glob("upload-*"))
    listed = subprocess.run([sys.executable, "-m", "backend.cli", "images", "--json"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert json.loads(listed.stdout) == []
