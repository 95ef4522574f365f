"""Image-mode data of the label-efficiency benchmark: the simulated demo galaxy, the sources LEGUS would have
inspected, their five-band cutouts in noise units, and the pool / evaluation split of each seed.

The simulated field is cached where ``skylabel demo`` keeps it (``<data dir>/demo/sim-<size>-<seed>``), so the
demo and the benchmark share one simulation. Sources are the simulator's truth objects (0-based pixel
positions, numpy / astropy origin 0). LEGUS inspected only candidates detected (S/N >= 3) in at least four
bands and brighter than M_V = -6 (Adamo et al. 2017); :func:`simulate.validate.measure` measures every
truth object the way LEGUS did, and the same cut picks the labelled sources. BYOL pretraining may use every
object in the field, labelled or not, as the paper pretrains on the unlabelled image.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table

from backend.errors import InputError
from models.cutouts import extract_cutouts
from models.normalise import BandNormalisation
from simulate import simulate
from simulate.bands import BANDS, V_INDEX, distance_modulus
from simulate.validate import DETECTION_SNR, MAG_CUT, MIN_BANDS, measure
from simulate.writer import TRUTH_NAME, all_band_paths

Log = Callable[[str], None]


@dataclass(frozen=True)
class ImageSources:
    """Every truth object of a simulated field, its cutout and whether LEGUS would have inspected it.

    ``cutouts`` (N, 5, size, size) are float32 noise units (background subtracted, divided by the band's
    robust sigma), bands in wavelength order F275W..F814W; ``labels`` the LEGUS class 1..4; ``inspected``
    the LEGUS-like cut; ``mags`` (N, 5) measured aperture Vega magnitudes (NaN: not measurable) and ``ci``
    the measured V-band concentration index, for the catalogue-feature diagnostic.
    """

    cutouts: np.ndarray
    labels: np.ndarray
    subtypes: np.ndarray
    inspected: np.ndarray
    mags: np.ndarray
    ci: np.ndarray
    normalisation: dict
    sim_dir: Path

    @property
    def selected(self) -> np.ndarray:
        """0-based indices of the inspected sources, the labelled set of the benchmark."""
        return np.flatnonzero(self.inspected)


def simulation_dir(data_dir: Path, size: int, seed: int) -> Path:
    """Where ``skylabel demo`` caches the simulated galaxy of this size and seed."""
    return Path(data_dir) / "demo" / f"sim-{size}-{seed}"


def ensure_simulation(data_dir: Path, size: int, seed: int, log: Log) -> Path:
    """The cached simulation folder, simulating it first if any band or the truth table is missing."""
    folder = simulation_dir(data_dir, size, seed)
    wanted = [folder / TRUTH_NAME, *all_band_paths(folder).values()]
    if all(path.is_file() for path in wanted):
        log(f"simulation: using the cached {size}x{size} galaxy in {folder}")
        return folder
    log(f"simulation: simulating a {size}x{size} galaxy (seed {seed}) in {folder}")
    simulate(folder, size=size, seed=seed)
    return folder


def _read_field(sim_dir: Path) -> tuple[Table, list[np.ndarray], float]:
    paths = all_band_paths(sim_dir)
    missing = [str(p) for p in [sim_dir / TRUTH_NAME, *paths.values()] if not p.is_file()]
    if missing:
        raise InputError(f"{sim_dir} is not a complete simulated field (missing {', '.join(missing)}): "
                         "delete the folder so the benchmark simulates it again")
    images, distance = [], 8.0
    for band in BANDS:
        with fits.open(paths[band.name]) as hdul:
            images.append(np.asarray(hdul[0].data, dtype=np.float32))
            distance = float(hdul[0].header.get("SIMDIST", distance))
    return Table.read(sim_dir / TRUTH_NAME, format="ascii.ecsv"), images, distance


def legus_cut(mags: np.ndarray, snr: np.ndarray, distance_mpc: float) -> np.ndarray:
    """What LEGUS inspected: S/N >= 3 in at least four bands and M_V <= -6 (``mags`` (N, 5) apparent Vega)."""
    detected = (snr >= DETECTION_SNR) & np.isfinite(mags)
    with np.errstate(invalid="ignore"):
        bright = mags[:, V_INDEX] - distance_modulus(distance_mpc) <= MAG_CUT
    return (detected.sum(axis=1) >= MIN_BANDS) & bright


def load_image_sources(sim_dir: Path, cutout_size: int = 32) -> ImageSources:
    """Measure, select and cut every truth object of the simulated field in ``sim_dir``."""
    truth, images, distance = _read_field(Path(sim_dir))
    measured = measure(truth, images)
    inspected = legus_cut(measured["mags"], measured["snr"], distance)
    norm = BandNormalisation.fit(images, band_names=[band.name for band in BANDS])
    x, y = np.asarray(truth["x"], float), np.asarray(truth["y"], float)  # 0-based, as the cutouts take them
    raw = extract_cutouts(images, x, y, size=cutout_size, band_names=norm.band_names)
    return ImageSources(
        cutouts=norm.to_noise_units(raw.data, raw.valid), labels=np.asarray(truth["class"], dtype=np.int64),
        subtypes=np.asarray(truth["subtype"], dtype=str), inspected=inspected, mags=measured["mags"],
        ci=np.asarray(measured["ci"], float), normalisation=norm.to_dict(), sim_dir=Path(sim_dir),
    )


def stratified_split(labels: np.ndarray, eval_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Pool and evaluation indices (0-based into ``labels``), the same class mix in both, fixed by ``seed``.

    Every class keeps at least one source in the pool when it has two or more.
    """
    if not 0.0 < eval_fraction < 1.0:
        raise InputError(f"--eval-fraction {eval_fraction} must lie strictly between 0 and 1")
    rng = np.random.default_rng(seed)
    pool, evaluation = [], []
    for value in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == value))
        n_eval = int(round(eval_fraction * members.size))
        n_eval = min(n_eval, members.size - 1) if members.size > 1 else n_eval
        evaluation.append(members[:n_eval])
        pool.append(members[n_eval:])
    return np.sort(np.concatenate(pool)), np.sort(np.concatenate(evaluation))


def majority_baseline(labels: np.ndarray, train: np.ndarray, evaluation: np.ndarray) -> dict:
    """Accuracy of always answering the pool's most common class (and binary side): the floor to beat.

    Classes 1, 2 are *cluster*, 3, 4 *non-cluster*, as in :func:`models.evaluate.accuracy_binary`.
    """
    pool, held = labels[train], labels[evaluation]
    values, counts = np.unique(pool, return_counts=True)
    cluster = bool(np.isin(pool, (1, 2)).mean() >= 0.5)
    return {"majority_4class": round(float((held == values[np.argmax(counts)]).mean()), 4),
            "majority_binary": round(float((np.isin(held, (1, 2)) == cluster).mean()), 4)}


def annotator_modes(truth: np.ndarray, seed: int, k: int = 3) -> np.ndarray:
    """The class (1..4) ``k`` synthetic annotators would give each source by majority: their votes drawn with
    :mod:`simulate.annotators`' panel calibrated to LEGUS's human-to-mode agreement (75.0% four-class, 87.2%
    binary) on these sources' class mix, the mode of each source's votes, a tie broken at random. LEGUS's
    classes are such modes, so StarcNet's 86% / 68.6% are agreements with them, not with a truth.
    """
    from models.agreement import VoteTable
    from simulate.annotators import calibrate, simulate_votes

    t = np.asarray(truth, dtype=np.int64) - 1
    if t.size == 0:
        return np.asarray(truth, dtype=np.int64).copy()
    rng = np.random.default_rng([seed, k, 11])
    panel = calibrate(np.bincount(t, minlength=4) + 1e-9, k=k)
    counts = VoteTable.from_triples(simulate_votes(t, panel.confusion, rng), t.size, k, 4).counts()
    return (counts + rng.random(counts.shape) * 0.1).argmax(axis=1).astype(np.int64) + 1
