"""Which LEGUS layout a file is in, from its columns' contents; the file name is only a hint.

A LEGUS catalogue of a field the project has not seen used to be refused ("no known LEGUS field in the file
name") even when its layout was a known one. The columns say it themselves:

- **positions**: RA, Dec are degrees with a spread of a fraction of a degree; pixel x, y spread over hundreds
  of pixels. RA/Dec in 6-7 with pixels in 2-5 is the NGC 1313 layout (single-frame x, y in 2-3, mosaic x, y
  in 4-5: everything after moved by 2).
- **class columns**: a visual class (mode) holds integers 0-4 (0 never inspected); a *mean* of votes is
  non-integer in [0, 4] and 0 exactly where the mode is; a selection flag holds only 0 and 1; 5 in the class
  column also meaning "never inspected" marks the NGC 4449 layout.

:func:`layout_from_content` returns the layout and a sentence saying why it was chosen.
"""

from __future__ import annotations

import numpy as np

from backend.catalogues.legus_layouts import FIELD_LAYOUTS, LAYOUTS, LegusLayout, field_name

#: Largest spread (degrees) of an RA or Dec column over one HST field.
SKY_SPREAD_DEG = 2.0
#: Smallest spread (pixels) of a pixel column.
PIXEL_SPREAD = 20.0


def _finite(col: np.ndarray) -> np.ndarray:
    return col[np.isfinite(col)]


def looks_like_sky(ra: np.ndarray, dec: np.ndarray) -> bool:
    ra, dec = _finite(ra), _finite(dec)
    if not len(ra) or not len(dec):
        return False
    return bool(ra.min() >= 0 and ra.max() < 360 and np.abs(dec).max() <= 90
                and np.ptp(ra) < SKY_SPREAD_DEG * 10 and np.ptp(dec) < SKY_SPREAD_DEG)


def looks_like_pixels(col: np.ndarray) -> bool:
    col = _finite(col)
    return bool(len(col) and col.min() >= -10 and np.ptp(col) > PIXEL_SPREAD)


def is_integer(col: np.ndarray) -> bool:
    col = _finite(col)
    return bool(len(col) and np.all(np.abs(col - np.round(col)) < 1e-6))


def is_flag(col: np.ndarray) -> bool:
    col = _finite(col)
    return bool(len(col) and is_integer(col) and set(np.unique(col).tolist()) <= {0.0, 1.0})


def is_class(col: np.ndarray, allowed: frozenset[float] = frozenset({0.0, 1.0, 2.0, 3.0, 4.0})) -> bool:
    """Integers, at least 99% of them within ``allowed`` (NGC 4242 has a stray 50, reported on import), with
    at least one class above 1 (a 0/1 flag is not a class column)."""
    col = _finite(col)
    if not len(col) or not is_integer(col):
        return False
    inside = np.isin(col, list(allowed))
    return bool(inside.mean() >= 0.99 and np.any(col[inside] >= 2))


def is_mean_of(mean: np.ndarray, mode: np.ndarray, may_be_integer: bool = False) -> bool:
    """Within [0, 4], 0 exactly where the mode is 0, and non-integer somewhere (a mean of votes) unless
    ``may_be_integer`` (the readme's 35-36 column files: a few unanimous rows have integer means only)."""
    ok = np.isfinite(mean) & np.isfinite(mode)
    m, c = mean[ok], mode[ok]
    if not len(m) or (is_integer(m) and not may_be_integer) or m.min() < 0 or m.max() > 4:
        return False
    return bool(np.array_equal(m == 0, c == 0))


def layout_from_content(values: np.ndarray, file_name: str | None = None) -> tuple[LegusLayout | None, str]:
    """The layout of a LEGUS table (rows x columns of numbers) and why; None with the reason when none fits."""
    ncols = values.shape[1]

    def col(n: int) -> np.ndarray:
        return values[:, n - 1] if n <= ncols else np.full(len(values), np.nan)

    hint = FIELD_LAYOUTS.get(field_name(file_name) or "")
    if ncols < 34:
        return None, f"{ncols} columns: a LEGUS catalogue has at least 34 (id, x, y, RA, Dec, photometry, ...)"
    if looks_like_sky(col(6), col(7)) and looks_like_pixels(col(4)) and looks_like_pixels(col(2)):
        if ncols >= 37 and is_class(col(36)):
            return LAYOUTS["ngc1313-e"], (f"{ncols} columns with RA/Dec in 6-7 and pixel x, y in 2-5 (single "
                                          "frame and mosaic, as the NGC 1313 fields): layout ngc1313-e, class in 36")
        return None, f"{ncols} columns with RA/Dec in 6-7 but no visual class in column 36: an unknown layout"
    if not looks_like_sky(col(4), col(5)):
        return None, (f"{ncols} columns, but columns 4-5 are not RA/Dec in degrees (nor 6-7): not a LEGUS "
                      "layout this reader knows")
    c34, c35 = col(34), col(35)
    if ncols >= 38 and is_class(c34, frozenset({0.0, 1.0, 2.0, 3.0, 4.0, 5.0})) and np.any(c34 == 5):
        return LAYOUTS["ngc4449"], (f"{ncols} columns; column 34 holds classes with 5 (never inspected, as in "
                                    "NGC 4449): layout ngc4449")
    if ncols == 39 and is_class(col(36)):
        return LAYOUTS["ngc1566"], (f"{ncols} columns; the human class in 36 with a mixed human/machine class "
                                    "in 34 (as NGC 1566): layout ngc1566")
    if is_flag(c34) and is_class(c35):
        return LAYOUTS["class-in-35"], (f"{ncols} columns; column 34 is a 0/1 flag and 35 holds the classes "
                                        "(as NGC 3351, 4242, 45): layout class-in-35")
    if is_class(c34):
        if ncols >= 35 and is_mean_of(c35, c34, may_be_integer=ncols in (35, 36)):
            return LAYOUTS["standard"], (f"{ncols} columns; class mode in 34 and its mean in 35 (non-integer, 0 "
                                         "where the mode is 0): the readme's standard layout")
        if ncols == 35 and is_flag(c35):
            return LAYOUTS["ngc3274"], "35 columns; class mode in 34, a 0/1 flag in 35: layout ngc3274"
        return LAYOUTS["standard-no-mean"], (f"{ncols} columns; class mode in 34 and no mean of votes beside it: "
                                             "layout standard-no-mean")
    if hint:
        return LAYOUTS[hint], f"{ncols} columns; the contents do not decide, the file name's field does: {hint}"
    return None, f"{ncols} columns and no column 34 or 35 holding visual classes 0-4"
