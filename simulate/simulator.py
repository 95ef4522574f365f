"""``simulate``: a LEGUS-like five-band HST field of a nearby spiral galaxy, with its truth catalogue.

The demo and the learning benchmarks need a realistic HST galaxy image and none is available offline, so this
builds one: the galaxy's diffuse light (:mod:`~simulate.galaxy`), a resolved background of faint stars
(:mod:`~simulate.field_stars`, not catalogued), sources of every LEGUS class with
magnitudes, colours and concentration indices drawn from the real catalogues (:mod:`~simulate.sources`,
placed with their class's LEGUS crowding, :mod:`~simulate.placement`, their class then following what their
rendered neighbourhood shows, :mod:`~simulate.appearance`, and sized for the crowding around them,
:mod:`~simulate.crowding`),
detector artefacts, then Poisson and read noise per band (:mod:`~simulate.noise`). The same seed gives the
same field byte for byte: each stage draws from its own child of ``numpy.random.SeedSequence(seed)``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from simulate.artefacts import add_artefact
from simulate.bands import BANDS, V_INDEX, parsec_per_pixel
from simulate.catalogue import Catalogue, build_catalogue, default_source_count
from simulate.crowding import refit_for_crowding
from simulate.errors import SimulationError
from simulate.field_stars import STARS_PER_SOURCE, add_field_stars
from simulate.galaxy import GalaxyGeometry, diffuse_light, placement_density
from simulate.noise import observe, pixel_noise
from simulate.priors import load_priors
from simulate.render import add_stamp, component_gaussians, merge, render
from simulate.truth import truth_table
from simulate.writer import (
    TRUTH_NAME,
    atomic_folder,
    band_path,
    check_target,
    field_wcs,
    write_band,
    write_truth,
)

MIN_SIZE, MAX_SIZE = 64, 8192
RENDER_FLOOR = 0.03
"""Light fainter than this fraction of the pixel noise is not rendered (invisible; saves most of the time)."""


@dataclass(frozen=True)
class SimulationResult:
    """What :func:`simulate` wrote: the folder, one image per band, the truth catalogue and class counts."""

    out_dir: Path
    band_paths: dict[str, Path]
    truth_path: Path
    class_counts: dict[int, int]
    subtype_counts: dict[str, int] = field(default_factory=dict)
    size: int = 0
    seed: int = 0
    distance_mpc: float = 0.0


def _check(size: int, distance_mpc: float, n_sources: int | None) -> None:
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise SimulationError(f"size {size} px is outside {MIN_SIZE}-{MAX_SIZE}: the field must hold at least a "
                              f"few sources and fit in memory (5 bands x size^2 x 4 bytes)")
    if not 0.5 <= distance_mpc <= 60.0:
        raise SimulationError(f"distance {distance_mpc} Mpc is outside 0.5-60 Mpc, where HST resolves clusters "
                              "as LEGUS did (3-18 Mpc)")
    if n_sources is not None and n_sources < 1:
        raise SimulationError(f"n_sources must be at least 1 (got {n_sources}); leave it out for the default")


def render_floor() -> np.ndarray:
    """Per-band surface brightness (e-/s/px) below which light is not rendered."""
    return np.array([RENDER_FLOOR * pixel_noise(band) for band in BANDS])


def render_sources(stack: np.ndarray, catalogue: Catalogue) -> None:
    """Add every source (through the band PSFs) and artefact into the noiseless (5, n, n) stack."""
    floor = render_floor()
    for source in catalogue.sources:
        gaussians = merge([component_gaussians(c) for c in source.components])
        stamp = render(source.x, source.y, gaussians, len(BANDS), floor)
        if stamp is not None:
            add_stamp(stack, *stamp)
    for artefact in catalogue.artefacts:
        add_artefact(stack, artefact)


def simulate(out_dir: Path, size: int = 4096, seed: int = 0, distance_mpc: float = 8.0,
             n_sources: int | None = None) -> SimulationResult:
    """Simulate a ``size`` x ``size`` field of a spiral at ``distance_mpc`` into ``out_dir``.

    Writes ``<galaxy>_<band>.fits`` for F275W, F336W, F435W, F555W, F814W (float32 e-/s) and ``truth.ecsv``.
    ``n_sources`` catalogued objects (default: scaled with area, 3600 for 4096 px) are shared among the LEGUS
    classes and artefacts; a few bright foreground stars come on top. ``out_dir`` must be new, empty or a
    previous simulation (replaced atomically).
    """
    out_dir = Path(out_dir)
    _check(size, distance_mpc, n_sources)
    check_target(out_dir)
    catalogue_rng, galaxy_rng, stars_rng, noise_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))
    geometry = GalaxyGeometry.for_field(size, distance_mpc)
    density = placement_density(geometry, catalogue_rng)
    count = default_source_count(size) if n_sources is None else int(n_sources)
    catalogue = build_catalogue(geometry, density, load_priors(), distance_mpc, count, catalogue_rng)
    stack = diffuse_light(geometry, galaxy_rng)
    add_field_stars(stack, geometry, density, STARS_PER_SOURCE * count, distance_mpc, stars_rng)
    refit_for_crowding(stack[V_INDEX], catalogue.sources, render_floor())
    render_sources(stack, catalogue)
    wcs = field_wcs(size)
    truth = truth_table(catalogue, wcs, parsec_per_pixel(distance_mpc))
    with atomic_folder(out_dir) as folder:
        for index, band in enumerate(BANDS):
            write_band(folder, band, observe(stack[index], band, noise_rng), wcs, seed, distance_mpc)
        write_truth(folder, truth)
    classes = Counter(int(label) for label in truth["class"])
    return SimulationResult(
        out_dir=out_dir,
        band_paths={band.name: band_path(out_dir, band) for band in BANDS},
        truth_path=out_dir / TRUTH_NAME,
        class_counts={label: classes.get(label, 0) for label in (1, 2, 3, 4)},
        subtype_counts=dict(sorted(Counter(str(s) for s in truth["subtype"]).items())),
        size=size, seed=seed, distance_mpc=distance_mpc,
    )

