"""Ingest: FITS bands -> one float32 COG per band, one per rendition, and ``manifest.json``.

``build_image`` validates everything cheap first (files open, HDUs, shapes, pixel grid, recipe bands), then
streams the bands once in strips of rows, writing every band COG and rendition COG and gathering the stretch
statistics (:mod:`tiles.stats`) in the same pass, so memory stays bounded whatever the image size. Everything
is built in a hidden sibling folder ``.<out_dir>.partial-<random>`` that is renamed to ``out_dir`` at the end;
on any failure it is removed and the exception propagates, so ``out_dir`` either appears complete or not at
all.

A rendition with one channel holding one band at a positive weight is that band's COG up to a positive factor,
which no stretch can tell apart (the statistics scale with it): it reuses ``bands/<name>.tif`` and the band's
statistics instead of storing a copy. Every other rendition gets ``renditions/<name>.tif``.

Manifest paths are relative to ``out_dir``; rows follow the COG orientation ``fits-y-up`` (see :mod:`tiles.cog`).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import rasterio

from tiles.cog import GDAL_ENV, CogWriter, cog_strips
from tiles.errors import BandNameError
from tiles.fitsio import BandInput, FitsBand, open_band
from tiles.grid import check_same_grid, choose_reference
from tiles.regrid import regrid_bands
from tiles.rendition import Recipe, default_recipes, effective_channels, merge_recipes
from tiles.stats import StatsAccumulator

__all__ = ["BandInput", "build_image", "MANIFEST_VERSION"]

MANIFEST_VERSION = 1
Progress = Callable[[str, float], None]


def _no_progress(stage: str, fraction: float) -> None:
    return None


def _reuses_band(recipe: Recipe) -> str | None:
    """The band whose COG a one-band, one-channel, positive-weight rendition can reuse, else None."""
    if len(recipe.channels) == 1 and len(recipe.channels[0]) == 1:
        band, weight = next(iter(recipe.channels[0].items()))
        if weight > 0:
            return band
    return None


def _validate(
    inputs: Sequence[BandInput], recipes: Sequence[Recipe] | None, reproject: bool, reference_band: str | None
) -> tuple[list[FitsBand], list[Recipe], FitsBand | None, list[str]]:
    """Open and check every input (cheap: headers, shapes, WCS); nothing is written."""
    if not inputs:
        raise BandNameError("no bands given: name at least one band (e.g. --band F814W=galaxy_f814w.fits)")
    names = [band.name for band in inputs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise BandNameError(f"band name {', '.join(repeated)} is given twice: give every band its own name")
    bands = [open_band(band) for band in inputs]
    all_recipes = merge_recipes(default_recipes(bands), recipes or [])
    for recipe in all_recipes:
        recipe.check_bands(names)
    warnings = [w for band in bands for w in band.warnings]
    if reproject:
        reference: FitsBand | None = choose_reference(bands, reference_band)
    else:
        warnings += check_same_grid(bands)
        reference = next((b for b in bands if b.name == reference_band), None) if reference_band else None
        if reference_band and reference is None:
            raise BandNameError(f"reference band {reference_band!r} is not one of the bands ({', '.join(names)})")
    return bands, all_recipes, reference, warnings


def _recipe_warnings(recipes: Sequence[Recipe], bands: Sequence[FitsBand]) -> list[str]:
    notes = []
    by_name = {band.name: band for band in bands}
    for recipe in recipes:
        missing = [name for name in recipe.bands if by_name[name].photflam is None]
        if missing and len(recipe.bands) > 1:
            which = f"band {missing[0]} has" if len(missing) == 1 else f"bands {', '.join(missing)} have"
            notes.append(
                f"rendition {recipe.name}: {which} no PHOTFLAM, so its bands are combined in their raw units "
                "(calibrated: false)"
            )
    composite = next((r for r in recipes if r.kind == "composite"), None)
    if composite is not None and any(band.pivot_angstrom is None for band in bands):
        notes.append(f"rendition {composite.name}: some wavelengths are unknown, so the bands are taken in the "
                     "order given, first = bluest")
    return notes


def _write_cogs(
    bands: Sequence[FitsBand], recipes: Sequence[Recipe], root: Path, work: Path, report: Progress
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One pass over strips of rows: every band COG and rendition COG, with their statistics."""
    shape = bands[0].shape
    (root / "bands").mkdir()
    (root / "renditions").mkdir()
    band_writers = {b.name: CogWriter(root / "bands" / f"{b.name}.tif", shape, 1, work) for b in bands}
    band_stats = {b.name: StatsAccumulator(shape) for b in bands}
    stored = [r for r in recipes if _reuses_band(r) is None]
    weights = {r.name: effective_channels(r, bands) for r in recipes}
    writers = dict(band_writers)
    rend_writers = {r.name: CogWriter(root / "renditions" / f"{r.name}.tif", shape, len(r.channels), work)
                    for r in stored}
    writers.update({f"rendition {k}": w for k, w in rend_writers.items()})
    rend_stats = {r.name: [StatsAccumulator(shape) for _ in r.channels] for r in stored}
    try:
        strips = list(cog_strips(*shape))
        for i, (_, _, fits_start, fits_stop) in enumerate(strips):
            report("writing strips", 0.05 + 0.75 * i / len(strips))
            data = {b.name: b.read_rows(fits_start, fits_stop) for b in bands}
            for name, rows in data.items():
                band_writers[name].write_fits_rows(fits_start, rows)
                band_stats[name].add(rows, fits_start)
            for recipe in stored:
                planes = np.empty((len(recipe.channels), fits_stop - fits_start, shape[1]), dtype=np.float32)
                for k, channel in enumerate(weights[recipe.name][0]):
                    planes[k] = 0.0
                    for name, weight in channel.items():
                        planes[k] += np.float32(weight) * data[name]
                    rend_stats[recipe.name][k].add(planes[k], fits_start)
                rend_writers[recipe.name].write_fits_rows(fits_start, planes)
            del data
        for j, (label, writer) in enumerate(writers.items()):
            report(f"building COG {label}", 0.8 + 0.18 * j / len(writers))
            writer.finish()
    finally:
        for writer in writers.values():
            writer.close()
    band_entries = [_band_entry(b, band_stats[b.name].stats()) for b in bands]
    stats_of = {e["name"]: e["stats"] for e in band_entries}
    rend_entries = []
    for recipe in recipes:
        reused = _reuses_band(recipe)
        rend_entries.append({
            "name": recipe.name, "title": recipe.title, "kind": recipe.kind,
            "channels": [dict(channel) for channel in recipe.channels],
            "calibrated": weights[recipe.name][1],
            "cog": f"bands/{reused}.tif" if reused else f"renditions/{recipe.name}.tif",
            "stats": [stats_of[reused]] if reused else [acc.stats() for acc in rend_stats[recipe.name]],
        })
    return band_entries, rend_entries


def _band_entry(band: FitsBand, stats: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": band.name, "cog": f"bands/{band.name}.tif", "source_file": band.path.name,
        "hdu": band.hdu_index, "extname": band.extname, "plane": band.plane, "bunit": band.bunit,
        "photflam": band.photflam, "photplam": band.photplam, "exptime": band.exptime,
        "inverse_gain": band.photflam if band.photflam is not None else 1.0,
        "calibrated": band.photflam is not None, "filter": band.filter_name,
        "header": band.header.tostring(sep="\n", padding=False), "stats": stats,
    }


def _wcs_header(reference: FitsBand | None, bands: Sequence[FitsBand]) -> str | None:
    grid = reference if reference is not None and reference.wcs is not None else None
    grid = grid or next((b for b in bands if b.wcs is not None), None)
    if grid is None or grid.wcs is None:
        return None
    return grid.wcs.to_header(relax=True).tostring(sep="\n", padding=False)


def build_image(
    bands: list[BandInput],
    out_dir: Path,
    recipes: list[Recipe] | None = None,
    reproject: bool = False,
    reference_band: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Ingest ``bands`` into the new folder ``out_dir`` (which must not exist); returns the manifest.

    ``recipes`` are added to the defaults (:func:`tiles.rendition.default_recipes`), replacing a default of
    the same name. With ``reproject`` every band is resampled onto the grid of ``reference_band`` (default:
    the finest pixel scale); without it the bands must share one grid (:class:`GridMismatchError`).
    ``progress(stage, fraction)`` is called as the work advances (fraction 0..1).
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        raise FileExistsError(f"{out_dir} already exists: build_image writes a new folder")
    report = progress or _no_progress
    report("checking bands", 0.0)
    opened, all_recipes, reference, warnings = _validate(bands, recipes, reproject, reference_band)
    partial = out_dir.parent / f".{out_dir.name}.partial-{uuid.uuid4().hex[:8]}"
    partial.mkdir(parents=True)
    try:
        work = partial / "_work"
        work.mkdir()
        if reproject and reference is not None:
            opened, notes = regrid_bands(opened, reference, work, report)
            warnings += notes
        warnings += _recipe_warnings(all_recipes, opened)
        with rasterio.Env(**GDAL_ENV):
            band_entries, rend_entries = _write_cogs(opened, all_recipes, partial, work, report)
        composite = next((r["name"] for r in rend_entries if r["kind"] == "composite"), None)
        manifest: dict[str, Any] = {
            "version": MANIFEST_VERSION, "shape": list(opened[0].shape), "orientation": "fits-y-up",
            "bands": band_entries, "renditions": rend_entries,
            "default_rendition": composite or opened[0].name,
            "wcs_header": _wcs_header(reference, opened), "warnings": warnings,
        }
        shutil.rmtree(work)
        text = json.dumps(manifest, indent=1, allow_nan=False)
        (partial / "manifest.json").write_text(text, encoding="utf-8")
        os.rename(partial, out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    report("done", 1.0)
    return manifest
