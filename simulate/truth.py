"""The truth catalogue of a simulated field: every object placed, with its class and magnitudes."""

from __future__ import annotations

import numpy as np
from astropy import units as u
from astropy.table import Table
from astropy.wcs import WCS

from simulate.bands import BANDS
from simulate.catalogue import Catalogue


def truth_table(catalogue: Catalogue, wcs: WCS, pc_per_px: float) -> Table:
    """Astropy table of every source and artefact, in reading order (by row, then column), ids from 1.

    Magnitudes are total Vega magnitudes of all of an object's light (for an association: its peaks and diffuse
    light together), NaN in bands where it has none (artefacts exist in one band). ``r_eff_pc`` is the
    half-light radius of the main component (0 for stars, NaN for artefacts).
    """
    sources, artefacts = catalogue.sources, catalogue.artefacts
    n = len(sources) + len(artefacts)
    x = np.array([s.x for s in sources] + [a.x for a in artefacts], dtype=float)
    y = np.array([s.y for s in sources] + [a.y for a in artefacts], dtype=float)
    fluxes = np.zeros((n, len(BANDS)))
    for index, source in enumerate(sources):
        fluxes[index] = source.fluxes
    for index, artefact in enumerate(artefacts, start=len(sources)):
        fluxes[index, artefact.band] = artefact.flux
    ra, dec = wcs.all_pix2world(x, y, 0) if n else (np.zeros(0), np.zeros(0))
    table = Table()
    table["id"] = np.arange(1, n + 1)
    table["x"] = x
    table["x"].description = "column, 0-based pixel (numpy/astropy origin 0: first pixel centre = 0; FITS = x + 1)"
    table["y"] = y
    table["y"].description = "row, 0-based pixel (numpy/astropy origin 0: first pixel centre = 0; FITS = y + 1)"
    table["ra"] = np.asarray(ra) * u.deg
    table["dec"] = np.asarray(dec) * u.deg
    table["class"] = np.array([s.label for s in sources] + [4] * len(artefacts), dtype=int)
    table["class"].description = ("LEGUS visual class: 1 compact symmetric cluster, 2 compact asymmetric, "
                                  "3 multi-peak association, 4 not a cluster")
    table["subtype"] = np.array([s.subtype for s in sources] + [a.subtype for a in artefacts], dtype=str)
    for k, band in enumerate(BANDS):
        column = f"mag_{band.name}"
        table[column] = band.magnitude(fluxes[:, k]) * u.mag
        table[column].description = f"total Vega magnitude in {band.name}; NaN where the object has no light"
    table["r_eff_pc"] = np.array([s.r_eff_px * pc_per_px for s in sources] + [np.nan] * len(artefacts)) * u.pc
    table["r_eff_pc"].description = "half-light radius of the main component (0 for stars, NaN for artefacts)"
    for name, decimals in (("ra", 8), ("dec", 8), ("r_eff_pc", 3), *((f"mag_{b.name}", 4) for b in BANDS)):
        table[name] = np.round(table[name], decimals)
    table.sort(["y", "x"])  # reading order, so that ids say nothing about the class
    table["id"] = np.arange(1, n + 1)
    return table
