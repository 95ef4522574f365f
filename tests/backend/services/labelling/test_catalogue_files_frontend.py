"""The browser's lists that mirror the server's: a format the API accepts must be offered in the UI."""

from __future__ import annotations

import re

from backend.services.labelling.catalogue_files import IMPORT_FORMATS
from tests.conftest import REPO_ROOT


def js_list(path: str, name: str) -> list[str]:
    text = (REPO_ROOT / "frontend" / path).read_text()
    match = re.search(rf"export const {name} = \[([^\]]*)\]", text)
    assert match, f"{path} has no {name}"
    return re.findall(r"'([^']+)'", match[1])


def test_the_import_dialog_offers_every_format_import_accepts() -> None:
    # ecsv, fits and votable were accepted by POST /layers/import but missing from the dialog
    assert js_list("src/api/layers.js", "IMPORT_FORMATS") == list(IMPORT_FORMATS)
