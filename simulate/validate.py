"""Check a simulated field against the real LEGUS catalogues, class by class.

The simulated sources are measured as LEGUS measured its clusters (Adamo et al. 2017), at their truth positions:
CI = m_V(1 px) - m_V(3 px) with ``sep.sum_circle`` on background-subtracted native float32 data, and magnitudes
in a 4 px aperture with a 7-8 px sky annulus plus a per-band average aperture correction from the (isolated,
bright) class 1 clusters, as LEGUS derived it from isolated clusters. Only what LEGUS would have inspected is
compared: detected (S/N >= 3) in at least four bands and M_V <= -6, on both sides. For each class the two-sample
Kolmogorov-Smirnov distance between the simulated and the LEGUS distributions is reported for CI and the colours
NUV-U, U-B, B-V, V-I (each over the sources detected in both of its bands).

Run ``python -m simulate.validate SIM_DIR LEGUS_DIR`` to print the table.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.table import Table
from scipy.stats import ks_2samp

from simulate.bands import BANDS, V_INDEX, distance_modulus
from simulate.derive_priors import CLASSES, legus_samples
from simulate.errors import SimulationError
from simulate.legus import distance_moduli, read_fields
from simulate.neighbours import CLASSES as NEIGHBOUR_CLASSES
from simulate.neighbours import FLUX_RATIO, RADII, crowding_fractions, legus_crowding
from simulate.photometry import aperture_photometry, concentration_index, subtract_background
from simulate.separability import binary_auc, photometric_features
from simulate.writer import TRUTH_NAME, all_band_paths

MAG_CUT = -6.0
MIN_BANDS = 4
DETECTION_SNR = 3.0
COLOURS: dict[str, tuple[int, int]] = {"NUV-U": (0, 1), "U-B": (1, 2), "B-V": (2, 3), "V-I": (3, 4)}
LEGUS_COLUMNS = {"CI": 5, "NUV-U": 1, "U-B": 2, "B-V": 3, "V-I": 4}


def _load(sim_dir: Path) -> tuple[Table, list[np.ndarray], float]:
    truth_path = sim_dir / TRUTH_NAME
    paths = all_band_paths(sim_dir)
    missing = [str(p) for p in [truth_path, *paths.values()] if not p.is_file()]
    if missing:
        raise SimulationError(f"{sim_dir} is not a complete simulated field: missing {', '.join(missing)}")
    images, distance = [], 8.0
    for band in BANDS:
        with fits.open(paths[band.name]) as hdul:
            images.append(np.asarray(hdul[0].data, dtype=np.float32))
            distance = float(hdul[0].header.get("SIMDIST", distance))
    return Table.read(truth_path, format="ascii.ecsv"), images, distance


def measure(truth: Table, images: list[np.ndarray]) -> dict[str, Any]:
    """CI, aperture-corrected Vega magnitudes and S/N of every truth position."""
    x, y = np.asarray(truth["x"], float), np.asarray(truth["y"], float)
    mags, snr, corrections = [], [], {}
    reference = (np.asarray(truth["class"]) == 1)
    ci = np.full(len(truth), np.nan)
    for index, (band, image) in enumerate(zip(BANDS, images, strict=True)):
        data, rms = subtract_background(image)
        if index == V_INDEX:
            ci = concentration_index(data, x, y)
        flux, err = aperture_photometry(data, x, y, variance=rms**2)
        err = np.sqrt(err**2 + np.maximum(flux, 0.0) / band.exptime)  # source Poisson noise, data in e-/s
        with np.errstate(divide="ignore", invalid="ignore"):
            instrumental = np.where(flux > 0, band.vega_zp - 2.5 * np.log10(flux), np.nan)
            ratio = flux / err
        truth_mag = np.asarray(truth[f"mag_{band.name}"], float)
        bright = reference & (ratio > 20) & np.isfinite(instrumental) & np.isfinite(truth_mag)
        corrections[band.name] = float(np.median(truth_mag[bright] - instrumental[bright])) if bright.any() else 0.0
        mags.append(instrumental + corrections[band.name])
        snr.append(ratio)
    return {"ci": ci, "mags": np.stack(mags, axis=1), "snr": np.stack(snr, axis=1), "apcor": corrections}


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    return float(ks_2samp(a, b).statistic) if a.size >= 3 and b.size >= 3 else math.nan


def validate(sim_dir: Path, legus_dir: Path) -> dict[str, Any]:
    """KS distances, per class, between the simulated field in ``sim_dir`` and the LEGUS catalogues."""
    truth, images, distance = _load(Path(sim_dir))
    measured = measure(truth, images)
    mags, snr = measured["mags"], measured["snr"]
    detected = (snr >= DETECTION_SNR) & np.isfinite(mags)
    selected = (detected.sum(axis=1) >= MIN_BANDS) & (mags[:, V_INDEX] - distance_modulus(distance) <= MAG_CUT)
    fields = read_fields(Path(legus_dir))
    legus = legus_samples(fields, distance_moduli(fields))
    labels = np.asarray(truth["class"])
    report: dict[str, Any] = {"distance_mpc": distance, "aperture_corrections": measured["apcor"],
                              "selection": f"detected (S/N>={DETECTION_SNR:g}) in >={MIN_BANDS} bands and "
                                           f"M_V<={MAG_CUT:g}", "classes": {}}
    for label in CLASSES:
        sim = selected & (labels == label)
        reference = legus[label][legus[label][:, 0] <= MAG_CUT]
        sim_values = {"CI": measured["ci"][sim]}
        for name, (blue, red) in COLOURS.items():
            both = detected[sim, blue] & detected[sim, red]
            sim_values[name] = np.where(both, mags[sim, blue] - mags[sim, red], np.nan)
        report["classes"][label] = {
            "n_sim": int(sim.sum()), "n_legus": int(len(reference)),
            "ks": {name: _ks(values, reference[:, LEGUS_COLUMNS[name]]) for name, values in sim_values.items()},
            "median_sim": {name: float(np.nanmedian(v)) if np.isfinite(v).any() else math.nan
                           for name, v in sim_values.items()},
            "median_legus": {name: float(np.nanmedian(reference[:, LEGUS_COLUMNS[name]])) for name in sim_values},
        }
    report["ks"] = {label: entry["ks"] for label, entry in report["classes"].items()}
    report["crowding"] = crowding_table(truth, mags, selected, fields)
    report["separability"] = separability_table(mags, measured["ci"], labels, selected, fields)
    return report


def crowding_table(truth: Table, mags: np.ndarray, selected: np.ndarray, fields: list) -> dict[str, Any]:
    """Per class, [within 5 px, within 10 px] fractions with a >= 0.3x V neighbour: sim, LEGUS pooled, LEGUS
    per-field range (fields with >= 20 sources of the class), see :mod:`simulate.neighbours`."""
    x, y = np.asarray(truth["x"], float), np.asarray(truth["y"], float)
    sim = crowding_fractions(x, y, mags[:, V_INDEX], np.asarray(truth["class"]), counted=selected)
    real = legus_crowding(fields)
    legus, ranges = real["pooled"], real["range"]
    within = {c: all(lo <= v <= hi for v, (lo, hi) in zip(sim[c], ranges[c], strict=True)) for c in NEIGHBOUR_CLASSES}
    return {"radii_px": list(RADII), "flux_ratio": FLUX_RATIO, "sim": sim, "legus": legus,
            "legus_range": ranges, "within_legus_range": within,
            "legus_fields": real["fields"]}


def separability_table(mags: np.ndarray, ci: np.ndarray, labels: np.ndarray, selected: np.ndarray,
                       fields: list) -> dict[str, Any]:
    """Gradient-boosting binary AUC on detected V, colours and CI: the simulated field and each LEGUS field."""
    sim_classes = np.where(selected, labels, 0)
    sim_auc = binary_auc(photometric_features(mags, ci), sim_classes)
    per_field = {field.name: binary_auc(photometric_features(field.mags, field.ci), field.visual_class)
                 for field in fields}
    finite = [v for v in per_field.values() if np.isfinite(v)]
    auc_range = [min(finite), max(finite)] if finite else [math.nan, math.nan]
    return {"sim_auc_binary": sim_auc, "legus_auc_binary_range": auc_range,
            "within_legus_range": bool(finite) and auc_range[0] <= sim_auc <= auc_range[1],
            "legus_auc_binary": per_field, "features": "V, NUV-U, U-B, B-V, V-I, CI (gradient boosting, 5-fold)"}


def format_report(report: dict[str, Any]) -> str:
    """The KS table as text: one row per class, one column per quantity."""
    names = list(LEGUS_COLUMNS)
    lines = [f"selection: {report['selection']}; distance {report['distance_mpc']:g} Mpc",
             "class  n_sim  n_legus  " + "  ".join(f"{n:>6s}" for n in names)]
    for label, entry in report["classes"].items():
        lines.append(f"{label:>5}  {entry['n_sim']:5d}  {entry['n_legus']:7d}  "
                     + "  ".join(f"{entry['ks'][n]:6.3f}" for n in names))
    crowd = report.get("crowding")
    if crowd:
        lines.append("crowding: fraction with a >= 0.3x V neighbour within 5 / 10 px (LEGUS per-field range)")
        for c, (w5, w10) in crowd["sim"].items():
            (lo5, hi5), (lo10, hi10) = crowd["legus_range"][c]
            lines.append(f"  class {c}: sim {w5:.3f} / {w10:.3f}   LEGUS {crowd['legus'][c][0]:.3f} / "
                         f"{crowd['legus'][c][1]:.3f} (range {lo5:.3f}-{hi5:.3f} / {lo10:.3f}-{hi10:.3f})"
                         + ("" if crowd["within_legus_range"][c] else "  OUTSIDE"))
    sep = report.get("separability")
    if sep:
        lo, hi = sep["legus_auc_binary_range"]
        lines.append(f"separability (binary AUC, gradient boosting on V, colours, CI): "
                     f"sim {sep['sim_auc_binary']:.3f}, "
                     f"LEGUS fields {lo:.3f}-{hi:.3f}" + ("" if sep["within_legus_range"] else "  OUTSIDE"))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="KS distances between a simulated field and LEGUS, per class")
    parser.add_argument("sim_dir", type=Path)
    parser.add_argument("legus_dir", type=Path)
    args = parser.parse_args(argv)
    print(format_report(validate(args.sim_dir, args.legus_dir)))


if __name__ == "__main__":
    main()
