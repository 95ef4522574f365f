"""How well detection recovers a simulated galaxy's truth catalogue (issue 3): completeness and purity.

:func:`evaluate_on_simulation` reads a field written by :func:`simulate.simulate` (one FITS image per band,
e-/s, with ``FILTER``, ``VEGAZPT`` and ``SIMDIST`` keywords, and ``truth.ecsv`` with 0-based x, y, class 1-4,
subtype and Vega ``mag_<band>``), detects sources on F555W alone and on the S/N-sum image of all bands, matches
both to the truth (0-based positions on both sides) and reports completeness and purity overall, per class,
per subtype, per truth V magnitude (completeness) and per measured V magnitude (purity).

LEGUS inspected only sources brighter than M_V = -6 (Adamo et al. 2017, :data:`simulate.validate.MAG_CUT`):
the report says how many truth sources that is and how many of them were found. Detections matching no truth
source are not all spurious: the simulated disc also holds faint uncatalogued stars and clumps of diffuse
light, which SExtractor rightly finds; purity per measured magnitude shows where they lie.

Run ``python -m benchmarks.detection SIM_DIR [--threshold 3] [--json out.json]``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.table import Table

from simulate.bands import distance_modulus
from simulate.validate import MAG_CUT
from tiles.detect.errors import DetectionError
from tiles.detect.match import match_pairs, match_to_truth
from tiles.detect.pipeline import detect_sources

TRUTH_NAME = "truth.ecsv"
V_BAND = "F555W"


def read_simulation(sim_dir: Path) -> tuple[dict[str, np.ndarray], dict[str, float] | None, Table, float]:
    """Band arrays (native float32, FITS orientation), Vega zeropoints (None unless every band has VEGAZPT),
    the truth table and the distance (Mpc, ``SIMDIST``, 8 if absent)."""
    truth_path = sim_dir / TRUTH_NAME
    paths = sorted(sim_dir.glob("*.fits"))
    if not truth_path.is_file() or not paths:
        raise DetectionError(f"{sim_dir} is not a simulated field: it needs {TRUTH_NAME} and one FITS image per "
                             "band (write one with simulate.simulate or `skylabel simulate`)")
    bands: dict[str, np.ndarray] = {}
    zeropoints: dict[str, float] = {}
    distance = 8.0
    for path in paths:
        with fits.open(path) as hdul:
            header = hdul[0].header
            name = str(header.get("FILTER", path.stem.rsplit("_", 1)[-1])).upper()
            bands[name] = np.ascontiguousarray(hdul[0].data, dtype=np.float32)
            if "VEGAZPT" in header:
                zeropoints[name] = float(header["VEGAZPT"])
            distance = float(header.get("SIMDIST", distance))
    truth = Table.read(truth_path, format="ascii.ecsv")
    return bands, (zeropoints if len(zeropoints) == len(bands) else None), truth, distance


def _median(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return round(float(np.median(finite)), 3) if finite.size else None


def _run(bands: dict[str, np.ndarray], detect_bands: list[str], truth: Table, zeropoints: dict[str, float] | None,
         v_cut: float, match_radius: float, detect_kwargs: dict[str, Any]) -> dict[str, Any]:
    start = time.perf_counter()
    result = detect_sources(bands, detect_bands, zeropoints=zeropoints, **detect_kwargs)
    seconds = time.perf_counter() - start
    tx, ty = np.asarray(truth["x"], float), np.asarray(truth["y"], float)
    v_mag = np.asarray(truth[f"mag_{V_BAND}"], float) if f"mag_{V_BAND}" in truth.colnames else None
    det_v = result.mags.get(V_BAND, result.mags[detect_bands[0]])
    report = match_to_truth(result.x, result.y, tx, ty, match_radius, truth_class=np.asarray(truth["class"]),
                            truth_mag=v_mag, det_mag=det_v if v_mag is not None else None)
    truth_to_det, _ = match_pairs(result.x, result.y, tx, ty, match_radius)
    labels = np.asarray(truth["class"])
    report["median_ci_by_class"] = {  # CI of the matched detections: stars ~1.2-1.3 on HST, clusters larger
        str(c): _median(result.ci[truth_to_det[(labels == c) & (truth_to_det >= 0)]]) for c in sorted(set(labels))}
    report["detect_bands"] = detect_bands
    report["seconds"] = round(seconds, 2)
    report["by_subtype"] = match_to_truth(result.x, result.y, tx, ty, match_radius,
                                          truth_class=np.asarray(truth["subtype"]))["by_class"]
    if v_mag is not None:
        legus = np.isfinite(v_mag) & (v_mag <= v_cut)
        inner = match_to_truth(result.x, result.y, tx[legus], ty[legus], match_radius,
                               truth_class=np.asarray(truth["class"])[legus])
        report["legus_inspected"] = {key: inner[key] for key in ("n_truth", "n_matched", "completeness", "by_class")}
    return report


def evaluate_on_simulation(sim_dir: str | Path, match_radius: float = 2.0, **detect_kwargs: Any) -> dict[str, Any]:
    """Completeness and purity of :func:`tiles.detect.pipeline.detect_sources` on a simulated field (JSON-able dict).

    ``detect_kwargs`` go to ``detect_sources`` (threshold, minarea, ...); zeropoints come from the images'
    ``VEGAZPT``. ``runs`` holds one report per detection setting: ``"F555W"`` and ``"all bands"`` (the S/N-sum
    image), each with the :func:`tiles.detect.match.match_to_truth` figures (classes 1-4, per V magnitude bin),
    ``by_subtype``, ``legus_inspected`` (truth sources with V <= ``legus_v_cut``) and the run time.
    """
    sim_dir = Path(sim_dir)
    bands, zeropoints, truth, distance = read_simulation(sim_dir)
    if "zeropoints" in detect_kwargs:
        raise DetectionError("zeropoints come from the simulated images' VEGAZPT keywords: do not pass them")
    v_cut = MAG_CUT + distance_modulus(distance)
    first = next(iter(bands.values()))
    labels = np.asarray(truth["class"])
    report: dict[str, Any] = {
        "sim_dir": str(sim_dir), "shape": list(first.shape), "distance_mpc": distance,
        "n_truth": len(truth), "truth_classes": {str(c): int((labels == c).sum()) for c in sorted(set(labels))},
        "legus_v_cut": round(v_cut, 3), "legus_cut": f"V <= {v_cut:.2f} (M_V <= {MAG_CUT:g} at {distance:g} Mpc)",
        "match_radius_px": match_radius, "runs": {},
    }
    settings = {V_BAND: [V_BAND]} if V_BAND in bands else {}
    settings["all bands"] = list(bands)
    for label, detect_bands in settings.items():
        report["runs"][label] = _run(bands, detect_bands, truth, zeropoints, v_cut, match_radius, detect_kwargs)
    return report


def _percent(value: float | None) -> str:
    return "  n/a" if value is None else f"{100 * value:4.0f}%"


def format_report(report: dict[str, Any]) -> str:
    """A short text summary: per run, overall and LEGUS-cut figures, per class and per V magnitude bin."""
    lines = [f"{report['sim_dir']}: {report['shape'][0]}x{report['shape'][1]} px, {report['n_truth']} truth "
             f"sources {report['truth_classes']}; LEGUS cut {report['legus_cut']}"]
    for label, run in report["runs"].items():
        legus = run.get("legus_inspected", {})
        lines.append(f"[{label}] {run['n_detected']} detections in {run['seconds']} s; completeness "
                     f"{_percent(run['completeness'])}, purity {_percent(run['purity'])}; LEGUS-inspected "
                     f"{legus.get('n_truth')}: completeness {_percent(legus.get('completeness'))}")
        lines.append("  per class: " + ", ".join(f"{c}: {_percent(v['completeness'])} of {v['n_truth']}"
                                                 for c, v in run["by_class"].items()))
        lines.append("  median CI per class: " + ", ".join(f"{c}: {v}" for c, v in run["median_ci_by_class"].items()))
        lines.append("  per subtype: " + ", ".join(f"{c}: {_percent(v['completeness'])} of {v['n_truth']}"
                                                   for c, v in run["by_subtype"].items()))
        lines.append("  completeness per truth V bin: " + ", ".join(
            f"{b['mag_min']:g}-{b['mag_max']:g}: {_percent(b['completeness'])} of {b['n_truth']}"
            for b in run.get("by_magnitude", []) if b["n_truth"]))
        lines.append("  purity per measured V bin: " + ", ".join(
            f"{b['mag_min']:g}-{b['mag_max']:g}: {_percent(b['purity'])} of {b['n_detected']}"
            for b in run.get("purity_by_magnitude", []) if b["n_detected"]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="completeness and purity of detection on a simulated field")
    parser.add_argument("sim_dir", type=Path)
    parser.add_argument("--threshold", type=float, default=3.0, help="detection threshold in sigmas")
    parser.add_argument("--minarea", type=int, default=5, help="minimum pixels above threshold")
    parser.add_argument("--back-size", type=int, default=64, help="background mesh size in pixels")
    parser.add_argument("--deblend-cont", type=float, default=0.005, help="deblending contrast (1 = off)")
    parser.add_argument("--match-radius", type=float, default=2.0, help="match radius in pixels")
    parser.add_argument("--json", type=Path, help="also write the full report as JSON here")
    args = parser.parse_args(argv)
    report = evaluate_on_simulation(args.sim_dir, match_radius=args.match_radius, threshold=args.threshold,
                                    minarea=args.minarea, back_size=args.back_size,
                                    deblend_cont=args.deblend_cont)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    print(format_report(report))


if __name__ == "__main__":
    main()
