"""The catalogue a detection run produces: one numpy array per measured quantity, one entry per source.

Positions ``x``, ``y`` are **0-based** pixel coordinates as sep returns them (numpy / astropy origin 0: the first
pixel is centred on 0.0, FITS 1-based = 0-based + 1; ``y`` is the FITS row, up on the map). ``a``, ``b`` (px) and
``theta`` (rad, counter-clockwise from +x) are the isophotal second-moment ellipse; ``flux``, ``peak``, ``npix``
and ``flag`` (sep's extraction flags: 1 ``OBJ_MERGED`` blended with a neighbour and deblended, 2 ``OBJ_TRUNC``
touches the image edge, 4 ``OBJ_DOVERFLOW`` deblending overflow, 8 ``OBJ_SINGU`` singular moments) are
measured on the detection image (in S/N units when it combines several bands). Per band: aperture fluxes and
errors at every measured radius, and the magnitude at ``phot_radius``; ``ci`` is the LEGUS concentration index
measured in ``ci_band``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

SCALAR_COLUMNS = ("x", "y", "a", "b", "theta", "flux", "peak", "flag", "npix", "ci")


def _json_value(value: Any) -> Any:
    """A numpy scalar as a plain Python number, NaN and infinities as None (JSON has neither)."""
    if isinstance(value, np.integer | int) and not isinstance(value, bool):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else None


def radius_key(radius: float) -> str:
    """Column-name form of an aperture radius: 3.0 -> ``"3"``, 1.5 -> ``"1.5"``."""
    return f"{radius:g}"


@dataclass
class DetectionResult:
    """Detected sources; every array has one entry per source, in sep's order."""

    x: np.ndarray
    y: np.ndarray
    a: np.ndarray
    b: np.ndarray
    theta: np.ndarray
    flux: np.ndarray
    peak: np.ndarray
    flag: np.ndarray
    npix: np.ndarray
    ci: np.ndarray
    fluxes: dict[str, dict[float, np.ndarray]] = field(default_factory=dict)
    flux_errors: dict[str, dict[float, np.ndarray]] = field(default_factory=dict)
    mags: dict[str, np.ndarray] = field(default_factory=dict)
    mag_errors: dict[str, np.ndarray] = field(default_factory=dict)
    detect_bands: tuple[str, ...] = ()
    ci_band: str = ""
    phot_radius: float = 3.0

    def __len__(self) -> int:
        return int(len(self.x))

    def to_rows(self) -> list[dict[str, Any]]:
        """One JSON-able dict per source (NaN -> None).

        Keys: ``id`` (1-based running number), the scalar columns ``x`` ``y`` (0-based) ``a`` ``b`` ``theta``
        ``flux`` ``peak`` ``flag`` ``npix`` ``ci``, then per band ``mag_<band>``, ``mag_err_<band>`` (at
        ``phot_radius``) and ``flux_<band>_r<radius>``, ``flux_err_<band>_r<radius>`` for every radius.
        """
        columns: dict[str, np.ndarray] = {name: getattr(self, name) for name in SCALAR_COLUMNS}
        for band in self.mags:
            columns[f"mag_{band}"] = self.mags[band]
            columns[f"mag_err_{band}"] = self.mag_errors[band]
        for band, by_radius in self.fluxes.items():
            for radius, values in by_radius.items():
                columns[f"flux_{band}_r{radius_key(radius)}"] = values
                columns[f"flux_err_{band}_r{radius_key(radius)}"] = self.flux_errors[band][radius]
        lists = {name: np.asarray(values).tolist() for name, values in columns.items()}
        rows = []
        for index in range(len(self)):
            row: dict[str, Any] = {"id": index + 1}
            row.update({name: _json_value(values[index]) for name, values in lists.items()})
            rows.append(row)
        return rows
