"""Source detection with SExtractor's algorithm (``sep``) and LEGUS-style aperture photometry.

This is the imaging half of ``skylabel detect``: astronomers find the bright sources of a galaxy with SExtractor
and then classify them (Perez et al., section on the LEGUS workflow; Adamo et al. 2017). Pure numpy + sep, no
database: :func:`detect_sources` takes band arrays in **FITS orientation** (numpy row = FITS 0-based y, as
astropy's ``hdu.data`` and :func:`read_band_array` give them) and returns a :class:`DetectionResult` with
**0-based** positions (sep's convention; FITS 1-based = 0-based + 1).

Steps: a mesh background and rms map per band (``sep.Background``); detection on one band or on the S/N-sum
image of several (:func:`tiles.detect.image.detection_image`) with SExtractor's thresholding, 3x3
``default.conv`` filtering, multi-threshold deblending and cleaning (``sep.extract``), NaN pixels masked; then
in every band exact circular-aperture photometry at each radius, magnitudes at ``phot_radius`` and the LEGUS
concentration index CI = m(1 px) - m(3 px) in V (:mod:`tiles.detect.photometry`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tiles.detect.errors import DetectionBufferError, DetectionError
from tiles.detect.extract import MAX_PIXSTACK, MAX_SUB_OBJECTS, extract, resolve_kernel
from tiles.detect.image import BandPlane, check_bands, detection_image, read_band_array, subtract_background
from tiles.detect.match import match_pairs, match_to_truth
from tiles.detect.photometry import (
    CI_RADII,
    aperture_fluxes,
    check_zeropoints,
    ci_band,
    concentration_index,
    magnitudes,
    photometry_radii,
)
from tiles.detect.result import DetectionResult

__all__ = ["DetectionBufferError", "DetectionError", "DetectionResult", "detect_sources", "match_pairs",
           "match_to_truth", "read_band_array"]


def _check_parameters(threshold: float, minarea: int, deblend_nthresh: int, deblend_cont: float, back_size: int,
                      back_filter_size: int, radii: Sequence[float]) -> None:
    problems = []
    if not 0 < threshold <= 1e6:
        problems.append(f"threshold must be a positive number of sigmas up to 1e6 (got {threshold})")
    if not 1 <= minarea <= 1_000_000:
        problems.append(f"minarea must be 1 to 1000000 pixels (got {minarea})")
    if not 1 <= deblend_nthresh <= 64:  # SExtractor's own limit; sep crashes far beyond it
        problems.append(f"deblend_nthresh must be 1 to 64 (got {deblend_nthresh})")
    if not 0 <= deblend_cont <= 1:
        problems.append(f"deblend_cont must lie in 0..1 (got {deblend_cont}; 1 switches deblending off)")
    if not 2 <= back_size <= 4096:
        problems.append(f"back_size must be 2 to 4096 pixels (got {back_size})")
    if not 1 <= back_filter_size <= 15 or back_filter_size % 2 == 0:
        problems.append(f"back_filter_size must be an odd number of meshes up to 15 (got {back_filter_size})")
    if any(not r > 0 for r in radii):
        problems.append(f"aperture radii must be positive (got {list(radii)})")
    if problems:
        raise DetectionError("; ".join(problems))


def detect_sources(
    bands: Mapping[str, np.ndarray],
    detect_bands: Sequence[str],
    threshold: float = 3.0,
    minarea: int = 5,
    deblend_nthresh: int = 32,
    deblend_cont: float = 0.005,
    back_size: int = 64,
    back_filter_size: int = 3,
    filter_kernel: str | np.ndarray | None = "default",
    aperture_radii: Sequence[float] = (1.0, 3.0),
    phot_radius: float = 3.0,
    zeropoints: Mapping[str, float] | None = None,
    *,
    max_pixstack: int = MAX_PIXSTACK,
    max_sub_objects: int = MAX_SUB_OBJECTS,
) -> DetectionResult:
    """Detect sources on ``detect_bands`` and measure them in every band of ``bands``.

    ``bands`` maps band name -> 2-D array in FITS orientation (any dtype or byte order; NaN = nodata), all on
    one pixel grid. ``threshold`` is in sigmas of the local background rms (of the S/N-sum image for several
    detection bands); ``filter_kernel`` is ``"default"`` (SExtractor's default.conv), None or a kernel array.
    Fluxes are measured at every radius of ``aperture_radii``, ``phot_radius`` and the CI radii (1, 3 px);
    magnitudes at ``phot_radius`` use ``zeropoints`` (Vega, one per band) or are instrumental when None.
    ``max_pixstack`` / ``max_sub_objects`` cap sep's buffers (:mod:`tiles.detect.extract`).
    """
    shape = check_bands(bands, detect_bands)
    radii = photometry_radii(aperture_radii, phot_radius)
    _check_parameters(threshold, minarea, deblend_nthresh, deblend_cont, back_size, back_filter_size, radii)
    names = list(bands)
    zps = check_zeropoints(zeropoints, names)
    kernel = resolve_kernel(filter_kernel)
    if min(shape) < 3:
        raise DetectionError(f"image of {shape[0]}x{shape[1]} px is too small to detect sources in")
    planes: dict[str, BandPlane] = {}
    for name in dict.fromkeys(detect_bands):
        planes[name] = subtract_background(bands[name], back_size, back_filter_size)
    data, err, mask = detection_image([planes[name] for name in dict.fromkeys(detect_bands)])
    objects = extract(data, err, mask, threshold, minarea, deblend_nthresh, deblend_cont, kernel,
                      max_pixstack=max_pixstack, max_sub_objects=max_sub_objects)
    del data
    x = np.asarray(objects["x"], dtype=np.float64)
    y = np.asarray(objects["y"], dtype=np.float64)
    fluxes: dict[str, dict[float, np.ndarray]] = {}
    flux_errors: dict[str, dict[float, np.ndarray]] = {}
    mags: dict[str, np.ndarray] = {}
    mag_errors: dict[str, np.ndarray] = {}
    for name in names:
        plane = planes.pop(name, None) or subtract_background(bands[name], back_size, back_filter_size)
        fluxes[name], flux_errors[name] = aperture_fluxes(plane, x, y, radii)
        del plane  # one band's planes in memory at a time
        mags[name], mag_errors[name] = magnitudes(fluxes[name][phot_radius], flux_errors[name][phot_radius],
                                                  zps[name])
    ci_name = ci_band(names, detect_bands)
    ci = concentration_index(fluxes[ci_name][CI_RADII[0]], fluxes[ci_name][CI_RADII[1]])
    return DetectionResult(
        x=x, y=y, a=np.asarray(objects["a"], np.float64), b=np.asarray(objects["b"], np.float64),
        theta=np.asarray(objects["theta"], np.float64), flux=np.asarray(objects["flux"], np.float64),
        peak=np.asarray(objects["peak"], np.float64), flag=np.asarray(objects["flag"], np.int64),
        npix=np.asarray(objects["npix"], np.int64), ci=ci, fluxes=fluxes, flux_errors=flux_errors, mags=mags,
        mag_errors=mag_errors, detect_bands=tuple(dict.fromkeys(detect_bands)), ci_band=ci_name,
        phot_radius=float(phot_radius),
    )
