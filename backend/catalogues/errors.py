"""Errors of the catalogue format layer.

Both derive from :class:`backend.errors.InputError`, so the web layer answers 422 with ``str(error)``: the
message names the file, the 1-based line (or the 0-based GeoJSON feature index) and what to change.
"""

from __future__ import annotations

from backend.errors import InputError


class CatalogFormatError(InputError):
    """A catalogue file cannot be read; nothing of it is returned (readers never return half a file).

    ``line`` is the 1-based line number in the file (as editors show it), ``feature`` the 0-based index of a
    GeoJSON feature (``features[i]`` as JSON paths count). The message starts with ``line N:`` or
    ``feature N:`` when one of them is known, so a user sees it without reading the attributes.
    """

    def __init__(
        self, message: str, line: int | None = None, feature: int | None = None, path: str | None = None
    ) -> None:
        self.reason = message
        self.line = line
        self.feature = feature
        self.path = path
        where = ""
        if line is not None:
            where = f"line {line}: "
        elif feature is not None:
            where = f"feature {feature}: "
        prefix = f"{path}: " if path else ""
        super().__init__(f"{prefix}{where}{message}")


class CatalogExportError(InputError):
    """A catalogue cannot be written in the requested form (e.g. sky coordinates asked, none known)."""


class CrossmatchError(InputError):
    """Inputs of a cross-match are inconsistent (bad image shape, radius, or transform output)."""
