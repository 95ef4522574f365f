"""Renditions: recipes that turn bands into the image an annotator looks at.

A recipe has a name, a title, a kind (``composite``, ``band`` or ``custom``) and 1 or 3 channels (grey, or
R, G, B); each channel is a linear combination ``{band_name: weight}`` of calibrated bands, where a calibrated
band is the band times its inverse gain ``g = PHOTFLAM`` (e-/s -> erg/s/cm^2/A, so every band is in the same
flux units). The paper's colour composite (Perez et al., LEGUS) is

    R = (gV V + gI I) / 2,   G = gB B,   B = (gNUV NUV + gU U) / 2

i.e. the channels ``{V: 0.5, I: 0.5}``, ``{B: 1}``, ``{NUV: 0.5, U: 0.5}``. When one band of a recipe has no
PHOTFLAM, every band of that recipe is taken with g = 1 (mixing calibrated and raw units would be meaningless)
and the rendition is marked ``calibrated: false`` so the UI can say so.

User recipes are written ``name:R=expr,G=expr,B=expr`` or ``name:expr`` (one channel), where ``expr`` is a sum
of terms ``[weight*]BAND`` joined by ``+`` or ``-``: ``halpha:R=F657N,G=F555W,B=0.5*F435W+0.5*F336W``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tiles.errors import RecipeError
from tiles.filters import FilterInfo, legus_roles

KINDS = ("composite", "band", "custom")
MAX_WEIGHT = 1e6  # far beyond any useful mix; 1e308 overflowed float32 data to inf
RECIPE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")
_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TERM = re.compile(rf"\s*([+-])?\s*(?:({_NUMBER})\s*\*\s*)?([A-Za-z][A-Za-z0-9_.]*)\s*")
"""One term of a channel expression: optional sign, optional ``weight*``, band name."""
_RGB = ("R", "G", "B")


class BandLike(Protocol):
    """What recipes need to know of a band (``tiles.fitsio.FitsBand`` fits)."""

    name: str
    photflam: float | None
    filter_info: FilterInfo | None

    @property
    def pivot_angstrom(self) -> float | None: ...


@dataclass
class Recipe:
    """A rendition recipe; ``channels`` holds 1 (grey) or 3 (R, G, B) maps ``band name -> weight``."""

    name: str
    title: str
    kind: str
    channels: list[dict[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not RECIPE_NAME.match(self.name):
            raise RecipeError(
                f"recipe name {self.name!r} is not allowed: use letters, digits, '_', '.' or '-', "
                "starting with a letter"
            )
        if self.kind not in KINDS:
            raise RecipeError(f"recipe {self.name}: kind {self.kind!r} is not one of {', '.join(KINDS)}")
        if len(self.channels) not in (1, 3) or any(not channel for channel in self.channels):
            raise RecipeError(f"recipe {self.name}: give 1 channel (grey) or 3 (R, G, B), each naming a band")

    @property
    def bands(self) -> list[str]:
        """Band names used, in order of first use."""
        return list(dict.fromkeys(band for channel in self.channels for band in channel))

    def check_bands(self, known: Sequence[str]) -> None:
        """Raise :class:`RecipeError` if the recipe uses a band that is not in ``known``."""
        unknown = [band for band in self.bands if band not in known]
        if unknown:
            raise RecipeError(
                f"recipe {self.name} uses band {', '.join(unknown)}, which is not one of the bands "
                f"of this image ({', '.join(known)})"
            )


def _parse_expression(expr: str, recipe: str) -> dict[str, float]:
    channel: dict[str, float] = {}
    pos = 0
    text = expr.strip()
    if not text:
        raise RecipeError(f"recipe {recipe}: empty channel expression; write e.g. 0.5*F435W+0.5*F336W")
    while pos < len(text):
        match = _TERM.match(text, pos)
        if match is None or match.end() == pos or (pos > 0 and match.group(1) is None):
            raise RecipeError(
                f"recipe {recipe}: cannot read {text!r} at {text[pos:]!r}; write terms [weight*]BAND joined "
                "by + or -, e.g. 0.5*F435W+0.5*F336W"
            )
        sign = -1.0 if match.group(1) == "-" else 1.0
        weight = sign * (float(match.group(2)) if match.group(2) else 1.0)
        if not np.isfinite(weight) or abs(weight) > MAX_WEIGHT:
            raise RecipeError(f"recipe {recipe}: weight {match.group(2)} is not a finite number between "
                              f"-{MAX_WEIGHT:g} and {MAX_WEIGHT:g}")
        channel[match.group(3)] = channel.get(match.group(3), 0.0) + weight
        pos = match.end()
    return channel


def parse_recipe(spec: str, title: str | None = None) -> Recipe:
    """A user recipe from ``name:R=expr,G=expr,B=expr`` or ``name:expr``; raises :class:`RecipeError`."""
    name, sep, body = spec.partition(":")
    name, body = name.strip(), body.strip()
    if not sep or not name or not body:
        raise RecipeError(
            f"recipe {spec!r} is not NAME:CHANNELS; write e.g. halpha:R=F657N,G=F555W,B=0.5*F435W+0.5*F336W "
            "or ir:F814W"
        )
    parts = [part.strip() for part in body.split(",")]
    if len(parts) == 1 and not re.match(r"^[RGBrgb]\s*=", parts[0]):
        channels = [_parse_expression(parts[0], name)]
    else:
        by_colour: dict[str, dict[str, float]] = {}
        for part in parts:
            colour, eq, expr = part.partition("=")
            colour = colour.strip().upper()
            if not eq or colour not in _RGB or colour in by_colour:
                raise RecipeError(
                    f"recipe {name}: {part!r} should be R=..., G=... or B=... (each once); "
                    "write e.g. R=F657N,G=F555W,B=0.5*F435W+0.5*F336W"
                )
            by_colour[colour] = _parse_expression(expr, name)
        if set(by_colour) != set(_RGB):
            missing = ", ".join(c for c in _RGB if c not in by_colour)
            raise RecipeError(f"recipe {name}: channel {missing} missing; a colour recipe needs R, G and B")
        channels = [by_colour[c] for c in _RGB]
    return Recipe(name=name, title=title or f"{name} ({body})", kind="custom", channels=channels)


def _format_channel(channel: dict[str, float]) -> str:
    return " + ".join(band if weight == 1.0 else f"{weight:g} {band}" for band, weight in channel.items())


def _format_channels(channels: list[dict[str, float]]) -> str:
    return ", ".join(f"{c}={_format_channel(ch)}" for c, ch in zip(_RGB, channels, strict=True))


def default_recipes(bands: Sequence[BandLike]) -> list[Recipe]:
    """The default renditions: (a) the LEGUS colour composite when the five LEGUS roles are present, else
    (b) with 3 or more bands an RGB composite ordered by wavelength (reddest third -> R, middle -> G, bluest
    -> B; the given order, first = bluest, when a wavelength is unknown), then (c) one grey rendition per band.
    """
    names = [band.name for band in bands]
    recipes: list[Recipe] = []
    composite_name = "colour" if "colour" not in names else "colour_composite"
    roles = legus_roles({band.name: band.filter_info for band in bands})
    if roles is not None:
        channels = [
            {roles["V"]: 0.5, roles["I"]: 0.5},
            {roles["B"]: 1.0},
            {roles["NUV"]: 0.5, roles["U"]: 0.5},
        ]
        title = "LEGUS colour: " + _format_channels(channels)
        recipes.append(Recipe(composite_name, title, "composite", channels))
    elif len(bands) >= 3:
        ordered = list(bands)
        if all(band.pivot_angstrom is not None for band in bands):
            ordered.sort(key=lambda band: band.pivot_angstrom)  # type: ignore[arg-type, return-value]
        reddest_first = [band.name for band in reversed(ordered)]
        groups = [list(g) for g in np.array_split(np.array(reddest_first, dtype=object), 3)]
        channels = [{name: 1.0 / len(group) for name in group} for group in groups]
        title = "colour: " + _format_channels(channels)
        recipes.append(Recipe(composite_name, title, "composite", channels))
    for band in bands:
        recipes.append(Recipe(band.name, f"{band.name} (single band)", "band", [{band.name: 1.0}]))
    return recipes


def merge_recipes(defaults: list[Recipe], user: Sequence[Recipe]) -> list[Recipe]:
    """Defaults followed by user recipes; a user recipe replaces a default of the same name. Two user
    recipes with one name raise :class:`RecipeError`."""
    seen: set[str] = set()
    for recipe in user:
        if recipe.name in seen:
            raise RecipeError(f"two recipes are named {recipe.name}: give each recipe its own name")
        seen.add(recipe.name)
    return [r for r in defaults if r.name not in seen] + list(user)


def effective_channels(recipe: Recipe, bands: Sequence[BandLike]) -> tuple[list[dict[str, float]], bool]:
    """Channel weights applied to the raw band data (weight x inverse gain), and whether all were calibrated
    (every band has PHOTFLAM; otherwise every inverse gain is taken as 1)."""
    by_name = {band.name: band for band in bands}
    calibrated = all(by_name[name].photflam is not None for name in recipe.bands)
    return [
        {name: weight * (by_name[name].photflam if calibrated else 1.0) for name, weight in channel.items()}  # type: ignore[operator]
        for channel in recipe.channels
    ], calibrated
