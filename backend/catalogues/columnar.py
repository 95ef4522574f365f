"""Turn whole numpy columns into :class:`Source` objects in one pass.

Readers parse with numpy (a 100k-row SExtractor catalogue is one ``np.array(tokens, float)`` call) and only
then build Python objects; this module does that last step with column-wise ``tolist()`` so the per-row work
is a ``zip``. Missing values (NaN, masked) become ``None`` here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.table import ColumnValue, Geometry, Label, Shape, Source


def to_python_list(values: np.ndarray | Sequence[object]) -> list[ColumnValue]:
    """Python scalars for one column: NaN, masked entries and blank strings become ``None`` (FITS and CSV
    cannot tell an empty string from a missing one), bytes become ``str``."""
    array: np.ma.MaskedArray | np.ndarray = np.ma.asanyarray(values)
    mask = np.ma.getmaskarray(array)
    data = np.asarray(array.data) if isinstance(array, np.ma.MaskedArray) else np.asarray(array)
    if data.dtype.kind == "f":
        mask = mask | ~np.isfinite(data)
    if data.dtype.kind == "S":
        data = np.char.decode(data, "utf-8", "replace")
    out: list[ColumnValue] = data.tolist()
    if data.dtype.kind in "USO":
        out = [(v.strip() or None) if isinstance(v, str) else v for v in out]
    if mask.any():
        for i in np.flatnonzero(mask).tolist():
            out[i] = None
    return out


def optional_floats(values: np.ndarray | None, count: int) -> list[float | None]:
    """Float column with ``None`` for NaN; a list of ``None`` when the column does not exist."""
    if values is None:
        return [None] * count
    return [None if v is None else float(v) for v in to_python_list(np.ma.asanyarray(values).astype(float))]


def build_sources(
    ids: Sequence[str],
    columns: dict[str, np.ndarray],
    x: np.ndarray | None = None,
    y: np.ndarray | None = None,
    ra: np.ndarray | None = None,
    dec: np.ndarray | None = None,
    shapes: Sequence[Shape | None] | None = None,
    labels: Sequence[list[Label]] | None = None,
    geometries: Sequence[Geometry | None] | None = None,
) -> list[Source]:
    """Sources from parallel columns. ``x``/``y`` must already be 0-based (callers convert from 1-based)."""
    n = len(ids)
    names = list(columns)
    values = [to_python_list(columns[name]) for name in names]
    rows = zip(*values, strict=True) if values else iter([()] * n)
    xs, ys = optional_floats(x, n), optional_floats(y, n)
    ras, decs = optional_floats(ra, n), optional_floats(dec, n)
    shape_list = shapes if shapes is not None else [None] * n
    label_list = labels if labels is not None else [[] for _ in range(n)]
    geometry_list = geometries if geometries is not None else [None] * n
    return [
        Source(id=sid, x=px, y=py, ra=r, dec=d, shape=sh, geometry=g, columns=dict(zip(names, row, strict=True)),
               labels=lab)
        for sid, px, py, r, d, sh, g, row, lab in zip(
            ids, xs, ys, ras, decs, shape_list, geometry_list, rows, label_list, strict=True
        )
    ]


def shapes_from_columns(
    n: int,
    a: np.ndarray | None = None,
    b: np.ndarray | None = None,
    theta: np.ndarray | None = None,
    fwhm: np.ndarray | None = None,
    flags: np.ndarray | None = None,
) -> list[Shape | None] | None:
    """One :class:`Shape` per row from whichever shape columns exist (``None`` for a row with no value);
    ``None`` when no shape column exists."""
    if all(c is None for c in (a, b, theta, fwhm, flags)):
        return None
    aa, bb, tt, ff = (optional_floats(c, n) for c in (a, b, theta, fwhm))
    gg: list[int | None] = [None] * n if flags is None else [None if v is None else int(v) for v in
                                                             to_python_list(flags)]
    shapes = [Shape(*row) for row in zip(aa, bb, tt, ff, gg, strict=True)]
    return [None if shape.is_empty() else shape for shape in shapes]


def id_strings(values: np.ndarray) -> list[str]:
    """Ids as strings: integral floats lose their ``.0`` (LEGUS writes ``1``, numpy parses ``1.0``)."""
    array = np.asarray(values)
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)):
        return [str(v) for v in array.astype(np.int64).tolist()]
    return [str(v).strip() for v in to_python_list(array)]


def check_unique_ids(ids: Sequence[str], line_of: Callable[[int], int | None], path: str | None) -> None:
    """Raise naming the line of the first repeated id: the database links labels to sources by id."""
    seen: dict[str, int] = {}
    for index, sid in enumerate(ids):
        if sid in seen:
            raise CatalogFormatError(
                f"source id {sid!r} repeats the id of row {seen[sid] + 1}: ids must be unique",
                line=line_of(index), path=path,
            )
        seen[sid] = index
