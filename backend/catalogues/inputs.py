"""Where a catalogue comes from: a path on disk or the bytes of an upload, decoded once with clear errors."""

from __future__ import annotations

import os
import re
from pathlib import Path

from backend.catalogues.errors import CatalogFormatError

CatalogInput = str | os.PathLike[str] | bytes


def input_name(source: CatalogInput) -> str | None:
    """The file name used in messages and ``CatalogMeta.source_file`` (``None`` for raw bytes)."""
    return None if isinstance(source, bytes) else str(source)


def read_bytes(source: CatalogInput) -> bytes:
    """The raw content; a missing file is a :class:`CatalogFormatError`, not an ``OSError`` trace."""
    if isinstance(source, bytes):
        return source
    try:
        return Path(source).read_bytes()
    except OSError as exc:
        raise CatalogFormatError(f"cannot read the file: {exc.strerror or exc}", path=str(source)) from None


def read_text(source: CatalogInput, what: str) -> str:
    """Text of a text catalogue: UTF-8, else Latin-1 (old catalogues and spreadsheets export it).

    Empty files and binary data (NUL or other control bytes) raise, naming the line where they start;
    ``what`` names the expected format for the message ("a LEGUS catalogue"), so a user who uploaded a FITS
    file as CSV learns which reader refused it.
    """
    raw = read_bytes(source)
    name = input_name(source)
    if not raw.strip():
        raise CatalogFormatError(f"the file is empty: expected {what}", line=1, path=name)
    control = _CONTROL.search(raw)
    if control is not None:
        offset = control.start()
        raise CatalogFormatError(
            f"binary data, not text (byte {offset}): expected {what}; FITS tables need the FITS reader",
            line=raw.count(b"\n", 0, offset) + 1, path=name,
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
