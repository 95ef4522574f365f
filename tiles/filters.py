"""Photometric filters: names, pivot wavelengths and LEGUS colour roles.

Band names are given by the user (``--band F275W=path``); this table turns a name into a pivot wavelength
(to order bands blue -> red) and, for the five LEGUS filters, into the role it plays in the paper's colour
composite (Perez et al.: R = V + I, G = B, B = NUV + U). Pivot wavelengths are in Angstrom, rounded, from
the instrument handbooks (HST WFC3/UVIS, WFC3/IR, ACS/WFC; JWST NIRCam; SDSS; Subaru HSC). Where a filter
exists on two HST cameras the WFC3 value is used: the difference (< 1 %) never changes the ordering. A
header's ``PHOTPLAM``, when present, wins over this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEGUS_ROLES: tuple[str, ...] = ("NUV", "U", "B", "V", "I")
"""The five LEGUS broad bands, blue to red."""


@dataclass(frozen=True)
class FilterInfo:
    """One filter: canonical name, pivot wavelength (Angstrom), LEGUS role (or None) and family."""

    name: str
    pivot_angstrom: float
    role: str | None
    family: str


def _table() -> dict[str, FilterInfo]:
    rows: list[tuple[str, float, str | None, str]] = [
        # HST WFC3/UVIS and ACS/WFC (LEGUS roles first)
        ("F218W", 2228, "NUV", "HST"), ("F225W", 2372, "NUV", "HST"), ("F275W", 2710, "NUV", "HST"),
        ("F336W", 3355, "U", "HST"), ("F435W", 4329, "B", "HST"), ("F438W", 4326, "B", "HST"),
        ("F555W", 5308, "V", "HST"), ("F606W", 5887, "V", "HST"), ("F814W", 8024, "I", "HST"),
        ("F280N", 2832, None, "HST"), ("F300X", 2820, None, "HST"), ("F343N", 3435, None, "HST"),
        ("F390W", 3924, None, "HST"), ("F475W", 4773, None, "HST"), ("F502N", 5010, None, "HST"),
        ("F547M", 5447, None, "HST"), ("F625W", 6242, None, "HST"), ("F656N", 6561, None, "HST"),
        ("F657N", 6567, None, "HST"), ("F658N", 6584, None, "HST"), ("F673N", 6766, None, "HST"),
        ("F775W", 7651, None, "HST"), ("F850LP", 9176, None, "HST"),
        # HST WFC3/IR
        ("F098M", 9864, None, "HST"), ("F105W", 10552, None, "HST"), ("F110W", 11534, None, "HST"),
        ("F125W", 12486, None, "HST"), ("F140W", 13923, None, "HST"), ("F160W", 15369, None, "HST"),
        # JWST NIRCam
        ("F070W", 7039, None, "JWST"), ("F090W", 9022, None, "JWST"), ("F115W", 11543, None, "JWST"),
        ("F140M", 14054, None, "JWST"), ("F150W", 15007, None, "JWST"), ("F162M", 16272, None, "JWST"),
        ("F182M", 18452, None, "JWST"), ("F187N", 18739, None, "JWST"), ("F200W", 19886, None, "JWST"),
        ("F210M", 20954, None, "JWST"), ("F212N", 21213, None, "JWST"), ("F250M", 25036, None, "JWST"),
        ("F277W", 27617, None, "JWST"), ("F300M", 29891, None, "JWST"), ("F335M", 33621, None, "JWST"),
        ("F356W", 35684, None, "JWST"), ("F360M", 36239, None, "JWST"), ("F410M", 40822, None, "JWST"),
        ("F430M", 42812, None, "JWST"), ("F444W", 44043, None, "JWST"), ("F460M", 46299, None, "JWST"),
        ("F480M", 48161, None, "JWST"),
        # SDSS (lower-case names, as in the SDSS literature) and Subaru HSC
        ("u", 3557, None, "SDSS"), ("g", 4702, None, "SDSS"), ("r", 6176, None, "SDSS"),
        ("i", 7490, None, "SDSS"), ("z", 8947, None, "SDSS"),
        ("HSC-G", 4798, None, "HSC"), ("HSC-R", 6218, None, "HSC"), ("HSC-I", 7727, None, "HSC"),
        ("HSC-Z", 8908, None, "HSC"), ("HSC-Y", 9775, None, "HSC"),
    ]
    return {name.upper(): FilterInfo(name, float(pivot), role, family) for name, pivot, role, family in rows}


FILTERS: dict[str, FilterInfo] = _table()
_ALIASES = {"HSC-R2": "HSC-R", "HSC-I2": "HSC-I"}


def lookup_filter(name: str | None) -> FilterInfo | None:
    """The filter whose canonical name is ``name`` (case-insensitive, blanks stripped), else None."""
    if not name:
        return None
    key = name.strip().upper()
    return FILTERS.get(_ALIASES.get(key, key))


def find_filter(text: str | None) -> FilterInfo | None:
    """The filter named by ``text`` or by one of its tokens ("reprojected_sdss_g" -> g, "f814w_drc" -> F814W).

    The whole text is tried first, then its tokens split on ``_``, ``-``, ``.`` and blanks, last token first
    (file names usually end with the filter). One-letter SDSS names only match a whole token.
    """
    if not text:
        return None
    whole = lookup_filter(text) or lookup_filter(text.replace("_", "-"))
    if whole is not None:
        return whole
    for token in reversed([t for t in re.split(r"[_\-.\s]+", text) if t]):
        found = lookup_filter(token)
        if found is not None:
            return found
    return None


def header_filter_name(values: list[str | None]) -> str | None:
    """First meaningful value among header FILTER/FILTER1/FILTER2 values (ACS writes "CLEAR1L" in the unused
    wheel: skipped), stripped; None when none is set."""
    for value in values:
        if value is None:
            continue
        text = str(value).strip()
        if text and not text.upper().startswith("CLEAR") and text.upper() not in {"N/A", "NONE"}:
            return text
    return None


def legus_roles(filters: dict[str, FilterInfo | None]) -> dict[str, str] | None:
    """Map each LEGUS role to a band name when all five roles are present, else None.

    ``filters`` maps band name -> filter (in user order); when two bands fill one role (F555W and F606W) the
    first one given wins.
    """
    chosen: dict[str, str] = {}
    for band, info in filters.items():
        if info is not None and info.role is not None and info.role not in chosen:
            chosen[info.role] = band
    if all(role in chosen for role in LEGUS_ROLES):
        return {role: chosen[role] for role in LEGUS_ROLES}
    return None
