"""SExtractor catalogues: ASCII_HEAD text and FITS_LDAC (Bertin & Arnouts 1996; the paper imports these as
the uncurated detections that annotators then label).

SExtractor's pixel coordinates are FITS 1-based (the centre of the first pixel is (1, 1)); the sources we
return carry 0-based ``x = X_IMAGE - 1``, while the untouched ``X_IMAGE`` stays among the columns. Vector
parameters (``FLUX_RADIUS(3)``, ``MAG_APER(2)``) become one column per element, ``NAME_1`` ... ``NAME_k``,
1-based like SExtractor's own ``NAME(k)`` notation. Magnitudes of 99.0 (SExtractor's "flux <= 0") are missing.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable

import numpy as np
from astropy.io import fits

from backend.catalogues.columnar import build_sources, check_unique_ids, id_strings, shapes_from_columns
from backend.catalogues.errors import CatalogFormatError
from backend.catalogues.inputs import CatalogInput, input_name, read_head, text_lines
from backend.catalogues.numeric_text import data_lines, parse_numeric_rows
from backend.catalogues.table import CatalogMeta, ColumnInfo, LayerKind, SourceCatalog

#: Pixel position columns in order of preference (all FITS 1-based).
POSITION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("X_IMAGE", "Y_IMAGE"), ("X_IMAGE_DBL", "Y_IMAGE_DBL"), ("XWIN_IMAGE", "YWIN_IMAGE"),
    ("XMODEL_IMAGE", "YMODEL_IMAGE"), ("XPSF_IMAGE", "YPSF_IMAGE"), ("XPEAK_IMAGE", "YPEAK_IMAGE"),
)
#: Sky position columns in order of preference (J2000 equatorial degrees, taken as ICRS: < 0.1" apart).
SKY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ALPHA_J2000", "DELTA_J2000"), ("ALPHAWIN_J2000", "DELTAWIN_J2000"), ("ALPHAPSF_J2000", "DELTAPSF_J2000"),
    ("ALPHAMODEL_J2000", "DELTAMODEL_J2000"), ("ALPHA_SKY", "DELTA_SKY"),
)
_INTEGER_COLUMNS = frozenset({
    "NUMBER", "FLAGS", "FLAGS_WEIGHT", "FLAGS_WIN", "FLAGS_MODEL", "IMAFLAGS_ISO", "NIMAFLAGS_ISO", "EXT_NUMBER",
    "ISOAREA_IMAGE", "ISOAREAF_IMAGE", "XMIN_IMAGE", "XMAX_IMAGE", "YMIN_IMAGE", "YMAX_IMAGE", "XPEAK_IMAGE",
    "YPEAK_IMAGE", "NITER_MODEL", "NITER_PSF",
})
_HEADER = re.compile(r"^#\s*(\d+)\s+([A-Za-z_][\w.]*)(?:\(\d+\))?(?:\s+(.*?))?\s*$")
_UNIT = re.compile(r"^(.*?)\s*\[([^\]]*)\]$")
_MAGNITUDE_MISSING = 99.0


def read_sextractor(
    source: CatalogInput,
    position_columns: tuple[str, str] | None = None,
    layer_kind: LayerKind = "detections",
    hdu: int | None = None,
) -> SourceCatalog:
    """Read either SExtractor catalogue type, told apart by the FITS signature.

    ``position_columns`` picks the 1-based pixel columns (default: the first of :data:`POSITION_COLUMNS`
    present); ``hdu`` picks the LDAC_OBJECTS extension of a multi-chip LDAC file (0-based HDU index).
    """
    if read_head(source, 9) == b"SIMPLE  =":
        return read_sextractor_ldac(source, position_columns, layer_kind, hdu)
    return read_sextractor_ascii(source, position_columns, layer_kind)


def read_sextractor_ascii(
    source: CatalogInput, position_columns: tuple[str, str] | None = None, layer_kind: LayerKind = "detections"
) -> SourceCatalog:
    """``CATALOG_TYPE ASCII_HEAD``: a ``#   1 NUMBER   Running object number   [unit]`` header, then rows."""
    name = input_name(source)
    head: list[str] = []
    lines = data_lines(text_lines(source, "a SExtractor ASCII_HEAD catalogue"), header=head)
    header = _parse_header("".join(head), name)
    last_number = header[-1][0]
    values = parse_numeric_rows(lines, name, column_name=lambda i: _column_label(header, i))
    if values.shape[1] < last_number:
        raise CatalogFormatError(
            f"the header describes column {last_number} ({header[-1][1]}) but rows have only "
            f"{values.shape[1]} columns", line=lines[0][0], path=name,
        )
    columns: dict[str, np.ndarray] = {}
    infos: dict[str, ColumnInfo] = {}
    bounds = [number for number, *_ in header[1:]] + [values.shape[1] + 1]
    for (number, col_name, info), stop in zip(header, bounds, strict=True):
        span = stop - number
        element_names = [col_name] if span == 1 else [f"{col_name}_{k}" for k in range(1, span + 1)]
        for offset, element in enumerate(element_names):
            columns[element] = values[:, number - 1 + offset]
            infos[element] = info
    return _catalog(columns, infos, "sextractor-ascii", name, position_columns, layer_kind,
                    line_of=lambda i: lines[i][0], extra={})


def read_sextractor_ldac(
    source: CatalogInput,
    position_columns: tuple[str, str] | None = None,
    layer_kind: LayerKind = "detections",
    hdu: int | None = None,
) -> SourceCatalog:
    """``CATALOG_TYPE FITS_LDAC``: LDAC_IMHEAD (the image header as text cards) + LDAC_OBJECTS (the table).

    The image header is kept as text in ``meta.extra["image_header"]`` (its WCS lets the caller place sky
    positions). Without an LDAC_OBJECTS HDU the first binary table is read (``FITS_1.0`` catalogues).
    """
    name = input_name(source)
    try:  # from the path, HDU by HDU: an image HDU beside the table is never loaded
        hdus = fits.open(io.BytesIO(source) if isinstance(source, bytes) else os.fspath(source), memmap=False,
                         lazy_load_hdus=True)
        hdus.verify("silentfix")
        tables = [i for i, h in enumerate(hdus) if isinstance(h, fits.BinTableHDU)]
    except (OSError, ValueError, fits.VerifyError) as exc:
        raise CatalogFormatError(f"not a readable FITS file ({exc})", path=name) from None
    objects = [i for i in tables if hdus[i].name == "LDAC_OBJECTS"] or tables[:1]
    if hdu is not None:
        if hdu not in tables:
            raise CatalogFormatError(f"HDU {hdu} is not a binary table; tables are at {tables}", path=name)
        objects = [hdu]
    if not objects:
        raise CatalogFormatError("no binary table HDU: not a SExtractor FITS_LDAC catalogue", path=name)
    if len(objects) > 1:
        raise CatalogFormatError(
            f"{len(objects)} LDAC_OBJECTS tables (HDUs {objects}), one per chip with its own pixel grid: "
            "pass hdu=<index> to pick one", path=name,
        )
    table_hdu = hdus[objects[0]]
    extra: dict[str, object] = {"hdu": objects[0]}
    previous = hdus[objects[0] - 1] if objects[0] > 0 else None
    if isinstance(previous, fits.BinTableHDU) and previous.name == "LDAC_IMHEAD":
        cards = previous.data[previous.columns.names[0]][0]
        extra["image_header"] = "".join(np.atleast_1d(cards).astype(str).tolist())
    columns: dict[str, np.ndarray] = {}
    infos: dict[str, ColumnInfo] = {}
    data = table_hdu.data
    if data is None or len(data) == 0:
        raise CatalogFormatError(f"HDU {objects[0]} ({table_hdu.name}) has no rows", path=name)
    for column in table_hdu.columns:
        array = np.asarray(data[column.name])
        array = array.astype(array.dtype.newbyteorder("="))
        info = ColumnInfo(unit=column.unit or None, description=None)
        if array.ndim == 2 and array.shape[1] > 1:
            for k in range(array.shape[1]):
                columns[f"{column.name}_{k + 1}"] = array[:, k]
                infos[f"{column.name}_{k + 1}"] = info
        else:
            columns[column.name] = array.reshape(len(data))
            infos[column.name] = info
    return _catalog(columns, infos, "sextractor-ldac", name, position_columns, layer_kind,
                    line_of=lambda i: None, extra=extra)


def _parse_header(text: str, path: str | None) -> list[tuple[int, str, ColumnInfo]]:
    header: list[tuple[int, str, ColumnInfo]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if match is None:
            continue
        column, col_name, rest = int(match[1]), match[2], (match[3] or "")
        unit_match = _UNIT.match(rest)
        description, unit = (unit_match[1], unit_match[2]) if unit_match else (rest, None)
        expected = header[-1][0] + 1 if header else 1
        if column < expected:
            raise CatalogFormatError(
                f"header column number {column} ({col_name}) does not follow {expected - 1}: "
                "the '#  N NAME' lines must count up from 1", line=number, path=path,
            )
        header.append((column, col_name, ColumnInfo(unit=unit or None, description=description or None)))
    if not header:
        raise CatalogFormatError(
            "no '#   1 NUMBER ...' column header: write the catalogue with CATALOG_TYPE ASCII_HEAD",
            line=1, path=path,
        )
    return header


def _column_label(header: list[tuple[int, str, ColumnInfo]], index: int) -> str:
    names = [col_name for number, col_name, _ in header if number <= index + 1]
    return f"column {index + 1} ({names[-1]})" if names else f"column {index + 1}"


def _catalog(
    columns: dict[str, np.ndarray],
    infos: dict[str, ColumnInfo],
    fmt: str,
    name: str | None,
    position_columns: tuple[str, str] | None,
    layer_kind: LayerKind,
    line_of: Callable[[int], int | None],
    extra: dict[str, object],
) -> SourceCatalog:
    """Shared tail of both readers: sentinels, integer columns, positions, shapes, ids."""
    n = len(next(iter(columns.values())))
    for col_name, array in list(columns.items()):
        if col_name.startswith("MAG") and array.dtype.kind == "f":
            columns[col_name] = np.where(array == _MAGNITUDE_MISSING, np.nan, array)
        elif col_name in _INTEGER_COLUMNS and array.dtype.kind == "f" and np.all(array == np.round(array)):
            columns[col_name] = array.astype(np.int64)
    pixel = _pick(columns, POSITION_COLUMNS if position_columns is None else (position_columns,), name,
                  explicit=position_columns is not None)
    sky = _pick(columns, SKY_COLUMNS, name, explicit=False)
    if pixel is None and sky is None:
        raise CatalogFormatError(
            "no position columns: add X_IMAGE, Y_IMAGE (or XWIN_IMAGE, YWIN_IMAGE, or ALPHA_J2000, "
            "DELTA_J2000) to the SExtractor parameter file", line=1 if fmt.endswith("ascii") else None, path=name,
        )
    ids = id_strings(columns["NUMBER"]) if "NUMBER" in columns else [str(i + 1) for i in range(n)]
    check_unique_ids(ids, line_of, name)
    shapes = shapes_from_columns(
        n, columns.get("A_IMAGE"), columns.get("B_IMAGE"), columns.get("THETA_IMAGE"),
        columns.get("FWHM_IMAGE"), columns.get("FLAGS"),
    )
    sources = build_sources(
        ids, columns,
        x=None if pixel is None else columns[pixel[0]] - 1.0,  # FITS 1-based -> 0-based
        y=None if pixel is None else columns[pixel[1]] - 1.0,
        ra=None if sky is None else columns[sky[0]], dec=None if sky is None else columns[sky[1]],
        shapes=shapes,
    )
    extra = {**extra, "position_columns": list(pixel) if pixel else None, "sky_columns": list(sky) if sky else None}
    meta = CatalogMeta(format=fmt, source_file=name, layer_kind=layer_kind, columns=infos, extra=extra)
    return SourceCatalog(sources, meta)


def _pick(
    columns: dict[str, np.ndarray], candidates: tuple[tuple[str, str], ...], name: str | None, explicit: bool
) -> tuple[str, str] | None:
    for first, second in candidates:
        if first in columns and second in columns:
            return first, second
    if explicit:
        wanted = candidates[0]
        raise CatalogFormatError(
            f"position columns {wanted[0]}, {wanted[1]} are not in the catalogue; it has {', '.join(columns)}",
            path=name,
        )
    return None
