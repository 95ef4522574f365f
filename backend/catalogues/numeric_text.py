"""Whitespace-separated numeric tables (SExtractor ASCII, LEGUS) parsed in one numpy call, checked per line.

Speed matters (a SExtractor catalogue can have 100,000+ rows): all tokens go through one
``np.array(tokens, dtype=float)``; only when that fails do we walk the lines to name the culprit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

import numpy as np

from backend.catalogues.errors import CatalogFormatError

NumberedLine = tuple[int, str]


def data_lines(text: str | Iterable[str], comment: str = "#", header: list[str] | None = None) -> list[NumberedLine]:
    """Non-blank, non-comment lines with their 1-based line numbers, from a text or its lines one at a time
    (:func:`backend.catalogues.inputs.text_lines`: comment lines are dropped as they are read). ``header``
    receives the leading lines that start with ``comment``, up to the first line that does not."""
    out = []
    leading = header is not None
    for number, line in enumerate(text.splitlines() if isinstance(text, str) else text, start=1):
        if leading:
            leading = line.startswith(comment)
            if leading:
                header.append(line)  # type: ignore[union-attr]
        stripped = line.strip()
        if stripped and not stripped.startswith(comment):
            out.append((number, stripped))
    return out


def parse_numeric_rows(
    lines: list[NumberedLine],
    path: str | None,
    expected: int | None = None,
    column_name: Callable[[int], str] = lambda i: f"column {i + 1}",
) -> np.ndarray:
    """``(rows, columns)`` float array of the lines' tokens.

    ``expected`` is the column count every line must have; when ``None``, the most common count is taken
    as the truth so that one truncated row (a cut-off download) is the row blamed. ``column_name(i)`` names
    0-based column ``i`` in the message about a non-numeric value.
    """
    if not lines:
        raise CatalogFormatError("no data rows: the file holds only comments or blank lines", line=1, path=path)
    split = [line.split() for _, line in lines]
    counts = [len(tokens) for tokens in split]
    if expected is None:
        expected = Counter(counts).most_common(1)[0][0]
    for (number, _), count in zip(lines, counts, strict=True):
        if count != expected:
            raise CatalogFormatError(f"expected {expected} columns, found {count}", line=number, path=path)
    flat = [token for tokens in split for token in tokens]
    try:
        values = np.array(flat, dtype=float)
    except ValueError:
        _raise_first_non_numeric(lines, split, path, column_name)
        raise  # unreachable: the helper always raises
    return values.reshape(len(lines), expected)


def _raise_first_non_numeric(
    lines: list[NumberedLine], split: list[list[str]], path: str | None, column_name: Callable[[int], str]
) -> None:
    for (number, _), tokens in zip(lines, split, strict=True):
        for index, token in enumerate(tokens):
            try:
                float(token)
            except ValueError:
                raise CatalogFormatError(
                    f"{column_name(index)} holds {token!r}, which is not a number", line=number, path=path
                ) from None
    raise CatalogFormatError("a value is not a number", path=path)
