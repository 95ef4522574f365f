"""Reading one band of an image from a FITS file, lazily, in windows of rows.

A band is one 2-D image: the primary HDU or an extension (HST ``_drc.fits`` keep the pixels in ``SCI``), or
one plane of a 3-D cube when a plane is named. Without a named HDU the first HDU holding 2-D image data is
taken.

Pixels are read in windows of FITS rows (0-based numpy rows of ``hdu.data``: FITS row ``j`` is numpy row
``j - 1``) and returned as native float32 with NaN for blank pixels (integer ``BLANK``) and non-finite values,
after ``BSCALE``/``BZERO``. Uncompressed files are opened once by astropy with ``memmap=True`` to read the
headers and locate the data (``HDUList.fileinfo``); each window is then a ``numpy.memmap`` of just that
window's bytes, converted and dropped, so the pages read never pile up in the resident set of the process
(a whole-file map would keep every page read resident until closed). Gzipped or tile-compressed files cannot
be mapped: they are decompressed whole on first read.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

from tiles.errors import BandNameError, FitsReadError
from tiles.filters import FilterInfo, find_filter, header_filter_name
from tiles.fitshdu import describe_hdus, image_axes, select_hdu

BAND_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.]{0,63}$")
"""Band names become file names (``bands/<name>.tif``) and terms of recipe expressions (``0.5*F435W+F336W``):
a letter, then letters, digits, ``_`` or ``.`` (no ``+``/``-``, which recipes use as operators)."""

_COMPRESSED_MAGIC = (b"\x1f\x8b", b"BZh", b"PK\x03\x04")
_BITPIX_DTYPES = {8: ">u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}

RowReader = Callable[[int, int], np.ndarray]


@dataclass(frozen=True)
class BandInput:
    """A band as the user names it: ``hdu`` is an HDU index (0-based, as astropy counts) or EXTNAME; ``plane``
    a 0-based plane of a 3-D cube (numpy axis 0, FITS NAXIS3 index minus one)."""

    name: str
    path: Path
    hdu: int | str | None = None
    plane: int | None = None


@dataclass
class FitsBand:
    """An opened band: metadata from its headers and a reader of windows of rows."""

    name: str
    path: Path
    hdu_index: int
    extname: str | None
    plane: int | None
    shape: tuple[int, int]
    header: fits.Header
    wcs: WCS | None
    bunit: str | None
    photflam: float | None
    photplam: float | None
    exptime: float | None
    header_filter: str | None
    filter_info: FilterInfo | None
    reader: RowReader
    warnings: list[str] = field(default_factory=list)

    def read_rows(self, start: int, stop: int) -> np.ndarray:
        """FITS rows ``start`` .. ``stop - 1`` (0-based numpy rows) as native float32, NaN where blank."""
        if not 0 <= start < stop <= self.shape[0]:
            raise ValueError(f"rows {start}:{stop} outside band {self.name} of {self.shape[0]} rows")
        return self.reader(start, stop)

    @property
    def filter_name(self) -> str | None:
        """The recognised filter (from the band name first, then the header), else the header's FILTER."""
        return self.filter_info.name if self.filter_info else self.header_filter

    @property
    def pivot_angstrom(self) -> float | None:
        """Pivot wavelength: header ``PHOTPLAM`` when present, else the filter table."""
        if self.photplam is not None:
            return self.photplam
        return self.filter_info.pivot_angstrom if self.filter_info else None


def validate_band_name(name: str) -> None:
    """Raise :class:`BandNameError` unless ``name`` is usable as a band (and file) name."""
    if not BAND_NAME.match(name or ""):
        raise BandNameError(
            f"band name {name!r} is not allowed: use up to 64 letters, digits, '_' or '.', starting with a "
            "letter (e.g. F275W, HSC_i)"
        )


def to_float32(raw: np.ndarray, bscale: float, bzero: float, blank: int | None) -> np.ndarray:
    """Physical values of raw FITS pixels as a new native float32 array: ``raw * BSCALE + BZERO`` (FITS
    standard 5.3), integer ``BLANK`` pixels and non-finite values -> NaN."""
    scaled = bscale != 1.0 or bzero != 0.0
    if raw.dtype.kind in "iu":
        bad = raw == blank if blank is not None else None
        out = (raw.astype(np.float64) * bscale + bzero) if scaled else raw
        out = out.astype(np.float32)
        if bad is not None:
            out[bad] = np.nan
    else:
        out = raw.astype(np.float32)
        if scaled:
            out = (out * np.float32(bscale) + np.float32(bzero)).astype(np.float32, copy=False)
    out[~np.isfinite(out)] = np.nan
    return out


def _header_float(value: Any) -> float | None:
    """A header value as a finite float (numeric strings such as SDSS ``EXPTIME = '53.9'`` accepted)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _lookup(key: str, headers: list[fits.Header]) -> Any:
    """``key`` from the data HDU header, else from the primary header (HST keeps PHOTFLAM in either)."""
    for header in headers:
        if key in header and header[key] is not None and str(header[key]).strip() != "":
            return header[key]
    return None


def _celestial_wcs(header: fits.Header, hdul: fits.HDUList, name: str, warns: list[str]) -> WCS | None:
    """The celestial WCS of the band (TAN, SIP, CAR, ...; lookup-table distortions read from ``hdul``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)
            wcs = WCS(header, fobj=hdul, relax=True)
            if wcs.naxis > 2 and wcs.has_celestial:
                wcs = wcs.celestial
    except Exception as exc:  # astropy raises many types for broken WCS keywords
        warns.append(f"band {name}: WCS could not be read ({exc}); pixel coordinates only")
        return None
    if not wcs.has_celestial or wcs.naxis != 2:
        warns.append(f"band {name}: no celestial WCS; pixel coordinates only")
        return None
    return wcs


def _memmap_reader(path: Path, offset: int, dtype: str, shape: tuple[int, int], scale: tuple) -> RowReader:
    nx = shape[1]
    row_bytes = nx * np.dtype(dtype).itemsize

    def read(start: int, stop: int) -> np.ndarray:
        first = offset + start * row_bytes
        window = np.memmap(path, dtype=dtype, mode="r", offset=first, shape=(stop - start, nx))
        try:
            return to_float32(np.asarray(window), *scale)
        finally:
            del window  # unmaps: the pages read are released from the resident set

    return read


def _whole_reader(path: Path, hdu_index: int, plane: int | None, shape: tuple[int, int], compressed_hdu: bool,
                  scale: tuple) -> RowReader:
    cache: dict[str, np.ndarray] = {}

    def load() -> np.ndarray:
        # Tile-compressed HDUs are scaled by astropy on decompression; others are scaled by to_float32.
        with fits.open(path, do_not_scale_image_data=not compressed_hdu) as hdul:
            raw = np.asarray(hdul[hdu_index].data)
        raw = raw.reshape((-1, *shape))[plane or 0]
        return to_float32(raw, 1.0, 0.0, None) if compressed_hdu else to_float32(raw, *scale)

    def read(start: int, stop: int) -> np.ndarray:
        if "data" not in cache:
            cache["data"] = load()
        return cache["data"][start:stop].copy()

    return read


def _is_compressed_file(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4)
    return any(head.startswith(magic) for magic in _COMPRESSED_MAGIC)


def open_band(band: BandInput) -> FitsBand:
    """Open ``band``: read its headers and WCS, check the pixel data, return a lazy :class:`FitsBand`.

    Raises :class:`FitsReadError` (missing, malformed or truncated file, missing HDU, no 2-D image, cube
    without a plane) and :class:`BandNameError`.
    """
    validate_band_name(band.name)
    path = Path(band.path)
    if not path.is_file():
        raise FitsReadError(f"band {band.name}: file not found: {path}")
    try:
        with fits.open(path, memmap=True, do_not_scale_image_data=True) as hdul:
            hdul.verify("silentfix+ignore")
            return _open_hdu(band, path, hdul)
    except (FitsReadError, BandNameError):
        raise
    except Exception as exc:  # astropy reports corrupt files with OSError, ValueError, TypeError, ...
        raise FitsReadError(f"band {band.name}: {path.name} is not a readable FITS file ({exc})") from exc


def _open_hdu(band: BandInput, path: Path, hdul: fits.HDUList) -> FitsBand:
    index = select_hdu(hdul, band.hdu, band.plane, f"band {band.name}: {path.name}")
    hdu = hdul[index]
    header = hdu.header.copy()
    axes = image_axes(header)
    shape = (axes[1], axes[0])
    where = f"band {band.name}: HDU {index} ({hdu.name}) of {path.name}"
    if len(axes) == 3:
        if band.plane is None:
            raise FitsReadError(
                f"{where} is a 3-D cube ({axes[2]} planes of {axes[0]}x{axes[1]}): choose one plane "
                f"(plane=0..{axes[2] - 1}; CLI: NAME=file.fits[HDU,PLANE]) or give a 2-D image. "
                f"HDUs: {describe_hdus(hdul)}"
            )
        if not 0 <= band.plane < axes[2]:
            raise FitsReadError(f"{where} has planes 0..{axes[2] - 1}; plane {band.plane} does not exist")
    elif band.plane is not None:
        raise FitsReadError(f"{where} is a 2-D image: it has no planes (plane={band.plane} given)")
    bitpix = int(header["BITPIX"])
    scale = (float(header.get("BSCALE", 1.0)), float(header.get("BZERO", 0.0)),
             int(header["BLANK"]) if "BLANK" in header and bitpix > 0 else None)
    headers = [header, hdul[0].header] if index else [header]
    warns: list[str] = []
    wcs = _celestial_wcs(header, hdul, band.name, warns)
    compressed_hdu = isinstance(hdu, fits.CompImageHDU)
    if compressed_hdu or _is_compressed_file(path):
        reader = _whole_reader(path, index, band.plane, shape, compressed_hdu, scale)
    else:
        dtype = _BITPIX_DTYPES[bitpix]
        plane_bytes = shape[0] * shape[1] * np.dtype(dtype).itemsize
        offset = int(hdul.fileinfo(index)["datLoc"]) + (band.plane or 0) * plane_bytes
        if path.stat().st_size < offset + plane_bytes:
            raise FitsReadError(f"{where} is truncated: the file ends before the end of the image data")
        reader = _memmap_reader(path, offset, dtype, shape, scale)
    photflam = _header_float(_lookup("PHOTFLAM", headers))
    if photflam is not None and photflam <= 0:
        warns.append(f"band {band.name}: PHOTFLAM = {photflam} is not positive; ignored")
        photflam = None
    header_filter = header_filter_name([_lookup(key, headers) for key in ("FILTER", "FILTER1", "FILTER2")])
    bunit = _lookup("BUNIT", headers)
    return FitsBand(
        name=band.name,
        path=path,
        hdu_index=index,
        extname=str(header["EXTNAME"]).strip() if "EXTNAME" in header else None,
        plane=band.plane,
        shape=shape,
        header=header,
        wcs=wcs,
        bunit=str(bunit).strip() if bunit is not None else None,
        photflam=photflam,
        photplam=_header_float(_lookup("PHOTPLAM", headers)),
        exptime=_header_float(_lookup("EXPTIME", headers)),
        header_filter=header_filter,
        filter_info=find_filter(band.name) or find_filter(header_filter),
        reader=reader,
        warnings=warns,
    )
