"""Where a catalogue comes from: a path on disk or the bytes of an upload, decoded with clear errors.

Readers never need the whole file as one ``bytes``: format detection looks at :func:`read_head`, text formats
read :func:`text_lines` (one line at a time, each at most :data:`MAX_LINE` bytes), binary tables are opened by
astropy from the path (FITS memory-mapped, VOTable parsed incrementally). An upload is spooled to a file first
(``backend.api.routes.layers``), so an import holds the parsed catalogue, not the file as well.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from backend.catalogues.errors import CatalogFormatError

CatalogInput = str | os.PathLike[str] | bytes
#: Longest line of a text catalogue, in bytes: 500 columns of 10,000 characters plus a long outline fit.
MAX_LINE = 16 * 2**20
HEAD_BYTES = 200_000


def input_name(source: CatalogInput) -> str | None:
    """The file name used in messages and ``CatalogMeta.source_file`` (``None`` for raw bytes)."""
    return None if isinstance(source, bytes) else str(source)


@contextmanager
def open_binary(source: CatalogInput) -> Iterator[BinaryIO]:
    """The content as a binary file; a missing file is a :class:`CatalogFormatError`, not an ``OSError`` trace."""
    if isinstance(source, bytes):
        yield io.BytesIO(source)
        return
    try:
        handle = Path(source).open("rb")
    except OSError as exc:
        raise CatalogFormatError(f"cannot read the file: {exc.strerror or exc}", path=str(source)) from None
    with handle:
        yield handle


def read_head(source: CatalogInput, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes (what format detection and sniffing look at)."""
    if isinstance(source, bytes):
        return source[:size]
    with open_binary(source) as handle:
        return handle.read(size)


def read_bytes(source: CatalogInput) -> bytes:
    """The raw content, whole: only for formats parsed as one document (GeoJSON); others stream."""
    if isinstance(source, bytes):
        return source
    with open_binary(source) as handle:
        return handle.read()


def text_lines(source: CatalogInput, what: str) -> Iterator[str]:
    """The lines of a text catalogue (line ends kept), decoded one at a time: UTF-8, else Latin-1 (old
    catalogues and spreadsheets export it).

    An empty file, binary data (NUL or other control bytes) and a line longer than :data:`MAX_LINE` raise,
    naming the line; ``what`` names the expected format for the message ("a LEGUS catalogue"), so a user who
    uploaded a FITS file as CSV learns which reader refused it.
    """
    name = input_name(source)
    with open_binary(source) as handle:
        number = 0
        content = False
        while True:
            raw = handle.readline(MAX_LINE + 1)
            if not raw:
                break
            number += 1
            if len(raw) > MAX_LINE:
                raise CatalogFormatError(f"line longer than {MAX_LINE // 2**20} MB: expected {what}",
                                         line=number, path=name)
            control = _CONTROL.search(raw)
            if control is not None:
                raise CatalogFormatError(
                    f"binary data, not text (byte {control.start()} of the line): expected {what}; "
                    "FITS tables need the FITS reader", line=number, path=name,
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            if number == 1:
                text = text.removeprefix("\ufeff")
            content = content or bool(text.strip())
            yield text
        if not content:
            raise CatalogFormatError(f"the file is empty: expected {what}", line=1, path=name)


def read_text(source: CatalogInput, what: str) -> str:
    """The whole text, through :func:`text_lines` (same checks): for formats parsed as one document."""
    return "".join(text_lines(source, what))


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")
