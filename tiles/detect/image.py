"""The pixels detection works on: band arrays from COGs, per-band sep backgrounds, the detection image.

Every array here is in **FITS orientation**: numpy row ``j`` is FITS 0-based row ``y = j`` (FITS 1-based
``NAXIS2`` index ``j + 1``), column ``i`` is 0-based ``x = i``, the numpy / astropy origin-0 convention that
``sep`` also uses (the first pixel is centred on 0.0). The band COGs of the ingest are stored flipped (COG row
``r`` = FITS row ``ny - 1 - r``, :mod:`tiles.cog`), so :func:`read_band_array` flips them back.

``sep`` reads raw memory: it needs native-endian, C-contiguous float32 (FITS data is big-endian), and it has no
notion of NaN, so NaN pixels (nodata, outside a band's footprint) are set to 0 and passed as a mask instead.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import rasterio
import sep
from rasterio.errors import NotGeoreferencedWarning, RasterioIOError

from tiles.detect.errors import DetectionError


def read_band_array(cog_path: str | os.PathLike[str]) -> np.ndarray:
    """One band COG of the ingest as a native float32 (ny, nx) array in FITS orientation (row = FITS 0-based y).

    The COG holds FITS row ``ny - 1 - r`` in its row ``r``; it is read at full resolution in one go (a
    4096 x 4096 band is 64 MB) and flipped. Nodata stays NaN.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(cog_path) as dataset:
                if dataset.count != 1:
                    raise DetectionError(f"{cog_path} holds {dataset.count} bands: detection reads one band "
                                         "COG (bands/<name>.tif of an ingested image)")
                cog_rows = dataset.read(1, out_dtype="float32")
    except RasterioIOError as error:
        raise DetectionError(f"cannot read band COG {cog_path}: {error}") from error
    return np.ascontiguousarray(cog_rows[::-1], dtype=np.float32)


def native_float32(array: np.ndarray) -> np.ndarray:
    """A native-endian, C-contiguous float32 copy (``sep`` misreads big-endian FITS data without it)."""
    return np.ascontiguousarray(np.asarray(array).astype(np.float32, copy=True))


@dataclass(frozen=True)
class BandPlane:
    """One band ready for sep: background-subtracted data, background rms map and NaN mask (FITS orientation).

    ``data`` is 0 where ``mask`` is True, so a masked pixel can never add flux, whatever sep does with it.
    """

    data: np.ndarray
    rms: np.ndarray
    mask: np.ndarray
    global_rms: float


def check_bands(bands: Mapping[str, np.ndarray], detect_bands: Sequence[str]) -> tuple[int, int]:
    """The common (ny, nx) of ``bands``; raises :class:`DetectionError` naming what is wrong."""
    if not bands:
        raise DetectionError("no band images given: pass at least one band, e.g. {'F555W': array}")
    shapes = {name: np.shape(array) for name, array in bands.items()}
    for name, shape in shapes.items():
        if len(shape) != 2:
            raise DetectionError(f"band {name} has shape {shape}: detection needs 2-D images")
    first, *_ = shapes
    for name, shape in shapes.items():
        if shape != shapes[first]:
            raise DetectionError(f"band {name} has shape {shape[0]}x{shape[1]}, {first} has "
                                 f"{shapes[first][0]}x{shapes[first][1]}: bands must share one pixel grid")
    if not detect_bands:
        raise DetectionError(f"no detection band given: choose one or more of {', '.join(bands)}")
    unknown = [name for name in detect_bands if name not in bands]
    if unknown:
        raise DetectionError(f"detection band(s) {', '.join(unknown)} not among the bands {', '.join(bands)}")
    return shapes[first]


def subtract_background(image: np.ndarray, back_size: int, back_filter_size: int) -> BandPlane:
    """SExtractor's mesh background (``back_size`` px meshes, median filter of ``back_filter_size`` meshes)
    subtracted from a copy of ``image``, with its rms map; NaN pixels are masked out of the estimate."""
    data = native_float32(image)
    mask = ~np.isfinite(data)
    if mask.all():
        raise DetectionError("a band has no finite pixel: it is entirely nodata, nothing can be detected")
    data[mask] = 0.0
    ny, nx = data.shape
    mesh = min(back_size, ny, nx)
    try:
        background = sep.Background(data, mask=mask, bw=mesh, bh=mesh, fw=back_filter_size, fh=back_filter_size)
    except Exception as error:  # sep raises plain Exception
        raise DetectionError(f"background estimation failed ({error}): try a larger back_size than {back_size}"
                             ) from error
    background.subfrom(data)
    data[mask] = 0.0
    rms = np.ascontiguousarray(background.rms(), dtype=np.float32)
    return BandPlane(data=data, rms=rms, mask=mask, global_rms=float(background.globalrms))


def detection_image(planes: Sequence[BandPlane]) -> tuple[np.ndarray, np.ndarray | float, np.ndarray]:
    """The image to detect on, its noise (pass as sep's ``err``) and the union of the bands' masks.

    One band: its background-subtracted data with its rms map, so the threshold is in local sigmas (as
    SExtractor with a background rms map). Several bands: the S/N-sum image ``sum_b (data_b / rms_b) / sqrt(N)``
    (a linear variant of the chi^2 image of Szalay, Connolly & Szokoly 1999): blank sky has unit noise in it,
    so the noise passed is 1.0 and the threshold is still in sigmas; unlike chi^2 it keeps the sign, so negative
    noise never makes sources. A pixel masked in any detection band is masked.
    """
    if len(planes) == 1:
        return planes[0].data, planes[0].rms, planes[0].mask
    total = np.zeros_like(planes[0].data)
    mask = np.zeros(planes[0].data.shape, dtype=bool)
    for plane in planes:
        with np.errstate(divide="ignore", invalid="ignore"):
            total += np.where(plane.rms > 0, plane.data / plane.rms, 0.0).astype(np.float32)
        mask |= plane.mask
    total /= np.float32(math.sqrt(len(planes)))
    total[mask] = 0.0
    return total, 1.0, mask
