"""Where a catalogue comes from: a path on disk or the bytes of an upload, decoded once with clear errors."""

from __future__ import annotations

import os
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
    """UTF-8 text of a text catalogue. Empty files and binary data raise, naming the line where it starts.

    ``what`` names the expected format for the message ("a LEGUS catalogue"), so a user who uploaded a FITS
    file as CSV learns which reader refused it.
    """
    raw = read_bytes(source)
    name = input_name(source)
    if not raw.strip():
        raise CatalogFormatError(f"the file is empty: expected {what}", line=1, path=name)
    nul = raw.find(b"\x00")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        nul = exc.start if nul < 0 else min(nul, exc.start)
    if nul >= 0:
        line = raw.count(b"\n", 0, nul) + 1
        raise CatalogFormatError(
            f"binary data, not text (byte {nul}): expected {what}; a FITS catalogue needs the FITS reader",
            line=line, path=name,
        )
    return text
