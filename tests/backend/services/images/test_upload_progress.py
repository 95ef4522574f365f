"""An upload's ingest progress (backend/services/images/upload_progress.py): keys the browser chooses,
checked; the latest stage per key; entries forgotten after KEEP_SECONDS."""

from __future__ import annotations

import pytest

from backend.errors import InputError
from backend.services.images import upload_progress
from backend.services.images.upload_progress import KEEP_SECONDS, UploadProgress


@pytest.mark.parametrize("key", ["abcdefgh", "A1_b-2c3", "x" * 64])
def test_good_keys(key: str) -> None:
    assert UploadProgress.check_key(key) == key


@pytest.mark.parametrize("key", ["", "short", "x" * 65, "../../etc", "has space1", "emoji😀abc"])
def test_bad_keys_say_what_a_key_is(key: str) -> None:
    with pytest.raises(InputError, match="upload_key must be 8 to 64 letters, digits, '-' or '_'"):
        UploadProgress.check_key(key)
    with pytest.raises(InputError):
        UploadProgress().get(key)


def test_the_latest_stage_per_key() -> None:
    tracker = UploadProgress()
    assert tracker.get("upload-1") == {"key": "upload-1", "state": "unknown", "stage": "", "fraction": 0.0}
    tracker.update("upload-1", "reading bands", 0.123456)
    tracker.update("upload-2", "writing COGs", 0.5)
    tracker.update("upload-1", "statistics", 0.75)
    assert tracker.get("upload-1") == {"key": "upload-1", "state": "ingesting", "stage": "statistics",
                                       "fraction": 0.75}
    tracker.update("upload-2", "done", 1, state="done")
    assert tracker.get("upload-2") == {"key": "upload-2", "state": "done", "stage": "done", "fraction": 1.0}
    tracker.update("upload-3", "reading bands", 0.123456)
    assert tracker.get("upload-3")["fraction"] == 0.1235  # rounded for the dialog


def test_old_entries_are_forgotten(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(upload_progress.time, "monotonic", lambda: now[0])
    tracker = UploadProgress()
    tracker.update("old-upload", "writing COGs", 0.5)
    now[0] += KEEP_SECONDS - 1
    tracker.update("new-upload", "reading bands", 0.1)
    assert tracker.get("old-upload")["state"] == "ingesting"  # not yet
    now[0] += 2
    tracker.update("new-upload", "writing COGs", 0.2)  # each update sweeps what is too old
    assert tracker.get("old-upload")["state"] == "unknown"
    assert tracker.get("new-upload")["stage"] == "writing COGs"
