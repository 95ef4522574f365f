"""Which column is what in a generic table (CSV, ECSV, FITS, VOTable): positions, id, classes, votes.

Shared by the CSV and astropy-table readers so both understand our own exports and other people's tables
the same way. Names are matched case-insensitively from :data:`CANDIDATES` unless a
:class:`ColumnMapping` names them. Pixel columns are 0-based unless they carry a SExtractor name
(``X_IMAGE``: FITS 1-based) or ``pixel_origin`` says otherwise; readers record the choice in ``meta.notes``.
Votes: every ``class_<annotator>`` column is one annotator's current vote (our export writes them); when vote
columns exist, ``class`` is their consensus and is not read as another vote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from backend.catalogues import jsontext
from backend.catalogues.columnar import (
    build_sources,
    check_unique_ids,
    id_strings,
    shapes_from_columns,
    to_python_list,
)
from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.geometry import finite_pair, polygon
from backend.catalogues.table import (
    SHAPE_FIELDS,
    CatalogMeta,
    ColumnInfo,
    Geometry,
    Label,
    LayerKind,
    SourceCatalog,
    class_text,
)

CANDIDATES: dict[str, tuple[str, ...]] = {
    "x": ("x", "x_image", "x_image_dbl", "xwin_image", "xcentroid", "xcenter", "x_pixel", "xpix"),
    "y": ("y", "y_image", "y_image_dbl", "ywin_image", "ycentroid", "ycenter", "y_pixel", "ypix"),
    "ra": ("ra", "raj2000", "_raj2000", "ra_icrs", "alpha_j2000", "ra_deg", "radeg"),
    "dec": ("dec", "dej2000", "decj2000", "_dej2000", "de_icrs", "dec_icrs", "delta_j2000", "dec_deg", "dedeg"),
    "id": ("id", "source_id", "number", "objid", "obj_id", "name"),
    "class_": ("class", "label"),
    "annotator": ("annotator",),
}
ONE_BASED_NAMES = frozenset({"x_image", "y_image", "x_image_dbl", "y_image_dbl", "xwin_image", "ywin_image"})
VOTE_PREFIX = "class_"
CURATED_PREFIXES = ("votes_", "frac_")
CURATED_COLUMNS = frozenset({"n_votes", "class_mode", "class_mean", "agreement", "class_ds", "p_ds",
                             "class_adjudicated", "class_reference", "class_curated", "consensus_method", "rounds"})


def is_curated(name: str) -> bool:
    """A derived column of skylabel's curated export: never a vote, dropped on import (it is recomputed)."""
    return name in CURATED_COLUMNS or name.startswith(CURATED_PREFIXES)
VOTE_DESCRIPTION = re.compile(r"^class voted by annotator '(.*)'")
SHAPE_COLUMNS = tuple(f"shape_{k}" for k in SHAPE_FIELDS)
GEOMETRY_COLUMN = "geometry"
LineOf = Callable[[int], int | None]


@dataclass(frozen=True)
class ColumnMapping:
    """Column names to use (``None``: auto-detect). ``pixel_origin`` 0 or 1 says how x, y count (``None``:
    1 for SExtractor names, else 0). ``votes`` maps vote columns to annotators (``None``: every
    ``class_<annotator>`` column). ``annotator`` is a column naming who gave ``class_``."""

    x: str | None = None
    y: str | None = None
    ra: str | None = None
    dec: str | None = None
    id: str | None = None
    class_: str | None = None
    annotator: str | None = None
    pixel_origin: int | None = None
    votes: dict[str, str] | None = None


def resolve(mapping: ColumnMapping, names: list[str], path: str | None, line: int | None) -> dict[str, str]:
    """``{role: column}`` for the roles present; explicit names must exist (error names the choices)."""
    lowered = {n.lower(): n for n in reversed(names)}
    found: dict[str, str] = {}
    for role, candidates in CANDIDATES.items():
        wanted = getattr(mapping, role)
        if wanted is not None:
            if wanted not in names:
                raise CatalogFormatError(
                    f"the mapping names column {wanted!r} for {role.rstrip('_')}, but the file has only: "
                    f"{', '.join(names)}", line=line, path=path,
                )
            found[role] = wanted
            continue
        match = next((lowered[c] for c in candidates if c in lowered), None)
        if match is not None:
            found[role] = match
    return found


MAX_COLUMNS = 500
MAX_NAME = 200
MAX_CELL = 10_000  # characters of one text cell (the geometry column, a checked outline, may be longer)


def check_sizes(columns: dict[str, np.ndarray], path: str | None, header_line: int | None) -> None:
    """Refuse a table too wide, or with text cells too long, to keep as catalogue columns."""
    if len(columns) > MAX_COLUMNS:
        raise CatalogFormatError(f"the table has {len(columns)} columns: at most {MAX_COLUMNS} (drop the ones not "
                                 "needed before importing)", line=header_line, path=path)
    for name, values in columns.items():
        if len(name) > MAX_NAME or "\x00" in name:
            raise CatalogFormatError(f"column name {name[:40]!r}... is longer than {MAX_NAME} characters or "
                                     "holds a NUL", line=header_line, path=path)
        if name == GEOMETRY_COLUMN or values.dtype.kind not in "USO":
            continue
        texts = [str(v) for v in np.asarray(values).ravel().tolist() if v is not None]
        long = next((t for t in texts if len(t) > MAX_CELL or "\x00" in t), None)
        if long is not None:
            raise CatalogFormatError(f"column {name!r} holds a text of {len(long)} characters (or a NUL): at most "
                                     f"{MAX_CELL}", line=header_line, path=path)


def catalog_from_columns(
    columns: dict[str, np.ndarray],
    infos: dict[str, ColumnInfo],
    mapping: ColumnMapping,
    fmt: str,
    path: str | None,
    line_of: LineOf,
    header_line: int | None,
    default_annotator: str,
    layer_kind: LayerKind | None,
) -> SourceCatalog:
    """Interpret typed columns (numpy / masked arrays, one per name) as a :class:`SourceCatalog`."""
    names = list(columns)
    n = len(columns[names[0]]) if names else 0
    check_sizes(columns, path, header_line)
    roles = resolve(mapping, names, path, header_line)
    notes: list[str] = []
    has_pixel, has_sky = "x" in roles and "y" in roles, "ra" in roles and "dec" in roles
    if not (has_pixel or has_sky):
        raise CatalogFormatError(
            f"no position columns among {', '.join(names)}: name x and y (or ra and dec) in the column "
            "mapping", line=header_line, path=path,
        )
    x = y = ra = dec = None
    if has_pixel:
        origin = mapping.pixel_origin
        if origin is None:
            origin = 1 if roles["x"].lower() in ONE_BASED_NAMES else 0
            notes.append(f"pixel columns {roles['x']}, {roles['y']} read as {origin}-based")
        if origin not in (0, 1):
            raise CatalogFormatError(f"pixel_origin must be 0 or 1, got {origin!r}", path=path)
        x = _floats(columns[roles["x"]], roles["x"], path, line_of) - origin  # -> 0-based
        y = _floats(columns[roles["y"]], roles["y"], path, line_of) - origin
    if has_sky:
        ra = _floats(columns[roles["ra"]], roles["ra"], path, line_of)
        dec = _floats(columns[roles["dec"]], roles["dec"], path, line_of)
    ids = _ids(columns, roles.get("id"), n, path, line_of)
    votes = mapping.votes if mapping.votes is not None else {
        c: _vote_annotator(c, infos.get(c)) for c in names
        if c.startswith(VOTE_PREFIX) and c != roles.get("class_") and not is_curated(c)
    }
    labels = _labels(columns, votes, roles, n, default_annotator)
    used = {roles.get(r) for r in ("x", "y", "ra", "dec", "id", "class_", "annotator")} | set(votes)
    shapes = shapes_from_columns(n, *(columns.get(c) for c in SHAPE_COLUMNS))
    geometries = _geometries(columns, path, line_of) if GEOMETRY_COLUMN in columns else None
    used |= set(SHAPE_COLUMNS) | {GEOMETRY_COLUMN} | {c for c in names if is_curated(c)}
    kept = {c: columns[c] for c in names if c not in used}
    sources = build_sources(ids, kept, x=x, y=y, ra=ra, dec=dec, shapes=shapes, labels=labels,
                            geometries=geometries)
    kind = layer_kind or ("annotation" if any(labels) else "detections")
    meta = CatalogMeta(format=fmt, source_file=path, layer_kind=kind, notes=notes, extra={"roles": roles},
                       columns={c: infos.get(c, ColumnInfo()) for c in kept})
    return SourceCatalog(sources, meta)


def _floats(values: np.ndarray, name: str, path: str | None, line_of: LineOf) -> np.ndarray:
    """A position column as float with NaN for missing; a non-numeric entry is an error at its line."""
    array = np.ma.asanyarray(values)
    if array.dtype.kind in "iuf":
        return np.ma.filled(array.astype(float), np.nan)
    out = np.full(len(array), np.nan)
    for i, value in enumerate(to_python_list(array)):
        if value is None or value == "":
            continue
        try:
            out[i] = float(value)  # type: ignore[arg-type]
        except ValueError:
            raise CatalogFormatError(f"column {name!r} holds {value!r}, which is not a number",
                                     line=line_of(i), path=path) from None
    return out


def _ids(columns: dict[str, np.ndarray], name: str | None, n: int, path: str | None, line_of: LineOf) -> list[str]:
    if name is None:
        return [str(i + 1) for i in range(n)]
    values = columns[name]
    for i, value in enumerate(to_python_list(values)):
        if value is None or value == "":
            raise CatalogFormatError(f"column {name!r} (the source id) is empty", line=line_of(i), path=path)
    ids = id_strings(np.ma.getdata(values))
    check_unique_ids(ids, line_of, path)
    return ids


def _vote_annotator(column: str, info: ColumnInfo | None) -> str:
    """Annotator of a vote column: from our description (exact name) or the column name's suffix."""
    match = VOTE_DESCRIPTION.match(info.description or "") if info else None
    return match[1] if match else column[len(VOTE_PREFIX):]


def _labels(
    columns: dict[str, np.ndarray], votes: dict[str, str], roles: dict[str, str], n: int, default: str
) -> list[list[Label]]:
    labels: list[list[Label]] = [[] for _ in range(n)]
    for column, annotator in votes.items():
        for i, value in enumerate(to_python_list(columns[column])):
            if value is not None and value != "":
                labels[i].append(Label(annotator, class_text(value)))
    if not votes and "class_" in roles:
        who = to_python_list(columns[roles["annotator"]]) if "annotator" in roles else [None] * n
        for i, value in enumerate(to_python_list(columns[roles["class_"]])):
            if value is not None and value != "":
                labels[i].append(Label(str(who[i] or default), class_text(value)))
    return labels


def _geometries(columns: dict[str, np.ndarray], path: str | None, line_of: LineOf) -> list[Geometry | None]:
    """The ``geometry`` column our table exports write: GeoJSON text in 0-based pixels, empty for points."""
    out: list[Geometry | None] = []
    for i, text in enumerate(to_python_list(columns[GEOMETRY_COLUMN])):
        if text is None or text == "":
            out.append(None)
            continue
        try:
            geometry = jsontext.loads(str(text), max_depth=8)
            ring = geometry["coordinates"][0]
            points = [finite_pair(p) for p in ring]
            if geometry.get("type") != "Polygon" or any(p is None for p in points) or len(points) < 3:
                raise ValueError
        except (ValueError, KeyError, TypeError, IndexError):
            raise CatalogFormatError(f"column 'geometry' holds {str(text)[:60]!r}, not a GeoJSON Polygon",
                                     line=line_of(i), path=path) from None
        out.append(polygon(points))  # type: ignore[arg-type]
    return out
