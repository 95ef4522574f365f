"""Run source detection on an ingested image and store the result as a ``detections`` layer.

The paper's workflow starts from SExtractor detections (yellow rings) that annotators then classify;
:func:`tiles.detect.pipeline.detect_sources` runs SExtractor's algorithm (``sep``) on the band COGs read back in FITS
orientation, so positions are 0-based FITS pixels (astropy origin 0) like everything stored. The layer is
written through :func:`backend.services.labelling.layer_import.import_catalog`, in one transaction, with RA/Dec from
the image WCS when it has one. Magnitudes are Vega when every band's header carries ``VEGAZPT`` (the
simulator writes it; LEGUS catalogues are Vega), else AB from ``PHOTFLAM`` and ``PHOTPLAM`` (HST's
ZP_AB = -2.5 log10 PHOTFLAM - 5 log10 PHOTPLAM - 2.408), else instrumental (-2.5 log10 of the aperture flux);
the layer's notes say which. The default detection band is V (F555W/F606W) when present, as LEGUS detects there.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from astropy.io import fits
from pydantic import Field
from sqlalchemy.orm import Session

from backend.catalogues import CatalogMeta, ColumnInfo, Shape, SourceCatalog
from backend.catalogues import Source as CatalogSource
from backend.errors import InputError
from backend.parameters import Parameters
from backend.services.images.store import load_image
from backend.services.labelling.layer_import import ImportReport, import_catalog
from backend.services.labelling.layers import check_name_free, unique_layer_name
from tiles.filters import find_filter

SHAPE_KEYS = ("id", "x", "y", "a", "b", "theta", "flag")
UNITS = {"flux": "detection-image units", "peak": "detection-image units", "npix": "pix", "ci": "mag"}


class DetectParams(Parameters):
    """sep's extraction parameters (SExtractor's names and defaults, as in ``detect_sources``, which checks
    their ranges) and the new layer's name: the API's request body and ``skylabel detect``'s flags."""

    bands: list[str] = Field(default_factory=list, max_length=100,
                             description="detection bands (S/N sum when several); "
                                         "default: V (F555W/F606W), else the first band")
    threshold: float = Field(3.0, description="sigmas above the local background")
    minarea: int = Field(5, description="minimum pixels above the threshold")
    deblend_nthresh: int = Field(32, description="deblending sub-thresholds")
    deblend_cont: float = Field(0.005, description="minimum contrast for deblending (1: no deblending)")
    back_size: int = Field(64, description="background mesh size in pixels")
    back_filter_size: int = Field(3, description="background filter size in meshes (odd)")
    name: str | None = Field(None, max_length=200, description="layer name (default 'sep detections')")


def detect_into_layer(session: Session, data_dir: Path, image_id: int, params: DetectParams) -> ImportReport:
    """Detect on ``params.bands`` (the S/N sum when several; default: V, else the first band), measure every band,
    and store the sources as a new detections layer (``params.name``, default ``"sep detections"``)."""
    from tiles.detect.pipeline import detect_sources, read_band_array  # sep is only loaded when detection runs

    image = load_image(session, image_id)
    known = [band.name for band in image.bands]
    detect_bands = params.bands or [default_detection_band(known, [b.filter for b in image.bands])]
    unknown = [b for b in detect_bands if b not in known]
    if unknown:
        raise InputError(f"image {image_id} has no band(s) {', '.join(unknown)}; its bands are {', '.join(known)}")
    layer_name = check_name_free(session, image_id, params.name) if params.name else unique_layer_name(
        session, image_id, "sep detections")
    folder = data_dir / image.folder
    zeropoints, system = band_zeropoints(folder)
    arrays = {band.name: read_band_array(folder / band.cog) for band in image.bands}
    result = detect_sources(
        arrays, detect_bands, threshold=params.threshold, minarea=params.minarea,
        deblend_nthresh=params.deblend_nthresh, deblend_cont=params.deblend_cont, back_size=params.back_size,
        back_filter_size=params.back_filter_size, zeropoints=zeropoints,
    )
    del arrays
    if len(result) == 0:
        raise InputError(f"no sources found on {', '.join(detect_bands)} at {params.threshold} sigma with minarea "
                         f"{params.minarea}: lower the threshold or minarea")
    catalog = detection_catalog(result.to_rows(), detect_bands, params, system)
    return import_catalog(session, image_id, catalog, name=layer_name, kind="detections")


def default_detection_band(names: list[str], filters: list[str | None]) -> str:
    """V (the LEGUS detection band: F555W, else F606W) when a band is one, else the first band."""
    for wanted in ("F555W", "F606W"):
        for name, filt in zip(names, filters, strict=True):
            info = find_filter(filt) or find_filter(name)
            if info is not None and info.name.upper() == wanted:
                return name
    return names[0]


def band_zeropoints(folder: Path) -> tuple[dict[str, float] | None, str]:
    """Per-band zero points from the full headers kept in the ingest manifest, and their system."""
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        return None, "instrumental"
    bands = json.loads(manifest_path.read_text())["bands"]
    headers = {b["name"]: fits.Header.fromstring(b.get("header") or "", sep="\n") for b in bands}
    if all("VEGAZPT" in h for h in headers.values()):
        return {name: float(h["VEGAZPT"]) for name, h in headers.items()}, "Vega"
    flam = {b["name"]: (b.get("photflam"), b.get("photplam")) for b in bands}
    if all(f and p and f > 0 and p > 0 for f, p in flam.values()):
        return {n: -2.5 * math.log10(f) - 5 * math.log10(p) - 2.408 for n, (f, p) in flam.items()}, "AB"
    return None, "instrumental"


def detection_catalog(rows: list[dict[str, object]], detect_bands: list[str], params: DetectParams,
                      system: str = "instrumental") -> SourceCatalog:
    """``DetectionResult.to_rows()`` as a catalogue: ellipse and flags as the shape (theta in degrees
    counter-clockwise from +x, SExtractor's THETA_IMAGE convention), everything else as columns."""
    sources = []
    for row in rows:
        theta = row.get("theta")
        shape = Shape(a=row.get("a"), b=row.get("b"),  # type: ignore[arg-type]
                      theta=None if theta is None else math.degrees(float(theta)),  # type: ignore[arg-type]
                      flags=row.get("flag"))  # type: ignore[arg-type]
        sources.append(CatalogSource(
            id=str(row["id"]), x=float(row["x"]), y=float(row["y"]), shape=shape,  # type: ignore[arg-type]
            columns={k: v for k, v in row.items() if k not in SHAPE_KEYS},  # type: ignore[misc]
        ))
    names = [k for k in (rows[0] if rows else {}) if k not in SHAPE_KEYS]
    infos = {n: ColumnInfo(UNITS.get(n) or ("mag" if n.startswith("mag") else None), _describe(n, system))
             for n in names}
    meta = CatalogMeta(format="sep", layer_kind="detections", columns=infos, notes=[
        f"detected with sep on {' + '.join(detect_bands)} at {params.threshold} sigma, minarea {params.minarea}, "
        f"deblend {params.deblend_nthresh}/{params.deblend_cont}, background mesh {params.back_size} px; "
        f"magnitudes are {system}"])
    return SourceCatalog(sources, meta)


def _describe(name: str, system: str = "instrumental") -> str:
    if name.startswith("mag_err_"):
        return f"error of the {system} magnitude in {name[8:]}"
    if name.startswith("mag_"):
        return f"{system} magnitude in {name[4:]} (3 px radius aperture)"
    if name.startswith("flux_err_"):
        return f"aperture flux error, band_radius {name[9:]}"
    if name.startswith("flux_"):
        return f"aperture flux, band_radius {name[5:]}"
    return {"flux": "isophotal flux on the detection image", "peak": "peak value on the detection image",
            "npix": "isophotal area", "ci": "LEGUS concentration index m(1 px) - m(3 px)"}.get(name, name)
