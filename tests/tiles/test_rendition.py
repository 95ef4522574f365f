from dataclasses import dataclass

import pytest

from tiles.errors import RecipeError
from tiles.filters import FilterInfo, find_filter
from tiles.rendition import Recipe, default_recipes, effective_channels, merge_recipes, parse_recipe


@dataclass
class FakeBand:
    name: str
    photflam: float | None = None
    photplam: float | None = None

    @property
    def filter_info(self) -> FilterInfo | None:
        return find_filter(self.name)

    @property
    def pivot_angstrom(self) -> float | None:
        return self.photplam or (self.filter_info.pivot_angstrom if self.filter_info else None)


LEGUS = [FakeBand(n, 1e-18 * (i + 1)) for i, n in enumerate(["F275W", "F336W", "F435W", "F555W", "F814W"])]


def test_parse_colour_recipe() -> None:
    recipe = parse_recipe("halpha:R=F657N,G=F555W,B=0.5*F435W+0.5*F336W")
    assert (recipe.name, recipe.kind) == ("halpha", "custom")
    assert recipe.channels == [{"F657N": 1.0}, {"F555W": 1.0}, {"F435W": 0.5, "F336W": 0.5}]
    assert recipe.bands == ["F657N", "F555W", "F435W", "F336W"]


def test_parse_grey_recipe_with_signs_and_exponents() -> None:
    assert parse_recipe("ir:F814W").channels == [{"F814W": 1.0}]
    assert parse_recipe("ha:F657N - 0.1*F555W").channels == [{"F657N": 1.0, "F555W": -0.1}]
    assert parse_recipe("x:2e-1*A+.5*B+A").channels == [{"A": 1.2, "B": 0.5}]
    assert parse_recipe("b:G=F555W,B=F435W,R=F814W").channels == [{"F814W": 1.0}, {"F555W": 1.0}, {"F435W": 1.0}]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("F814W", "is not NAME:CHANNELS"),
        ("ir:", "is not NAME:CHANNELS"),
        ("x:R=A,G=B", "channel B missing"),
        ("x:R=A,G=B,B=C,R=D", "'R=D' should be R=..., G=... or B=... .each once."),
        ("x:Q=A,G=B,B=C", "'Q=A' should be"),
        ("x:A+", "cannot read 'A\\+' at '\\+'"),
        ("x:0.5F814W", "cannot read"),
        ("x:A B", "cannot read"),
        ("1x:A", "recipe name '1x' is not allowed"),
        ("x:R=A,G=,B=C", "empty channel expression"),
    ],
)
def test_bad_recipes_say_what_to_write(spec: str, message: str) -> None:
    with pytest.raises(RecipeError, match=message):
        parse_recipe(spec)


def test_unknown_band_is_named() -> None:
    with pytest.raises(
        RecipeError,
        match=r"recipe ha uses band F657N, which is not one of the bands of this image "
        r"\(F275W, F814W\)",
    ):
        parse_recipe("ha:R=F657N,G=F814W,B=F275W").check_bands(["F275W", "F814W"])


def test_legus_composite_is_the_papers_formula() -> None:
    recipes = default_recipes(LEGUS)
    composite = recipes[0]
    assert (composite.name, composite.kind) == ("colour", "composite")
    assert composite.channels == [{"F555W": 0.5, "F814W": 0.5}, {"F435W": 1.0}, {"F275W": 0.5, "F336W": 0.5}]
    assert [r.name for r in recipes[1:]] == ["F275W", "F336W", "F435W", "F555W", "F814W"]
    assert all(r.kind == "band" and r.channels == [{r.name: 1.0}] for r in recipes[1:])
    channels, calibrated = effective_channels(composite, LEGUS)
    assert calibrated
    assert channels[0] == {"F555W": pytest.approx(0.5 * 4e-18), "F814W": pytest.approx(0.5 * 5e-18)}
    assert channels[1] == {"F435W": pytest.approx(3e-18)}


def test_legus_roles_accept_alternative_filters_in_any_order() -> None:
    bands = [FakeBand(n, 1.0) for n in ["F814W", "F606W", "F438W", "F336W", "F225W", "F657N"]]
    composite = default_recipes(bands)[0]
    assert composite.channels == [{"F606W": 0.5, "F814W": 0.5}, {"F438W": 1.0}, {"F225W": 0.5, "F336W": 0.5}]


def test_rgb_composite_ordered_by_wavelength_without_a_legus_set() -> None:
    composite = default_recipes([FakeBand("g"), FakeBand("i"), FakeBand("r")])[0]
    assert composite.kind == "composite" and composite.channels == [{"i": 1.0}, {"r": 1.0}, {"g": 1.0}]
    five = default_recipes([FakeBand(n) for n in ["F110W", "F160W", "F105W", "F125W", "F140W"]])[0]
    assert five.channels == [{"F160W": 0.5, "F140W": 0.5}, {"F125W": 0.5, "F110W": 0.5}, {"F105W": 1.0}]


def test_photplam_orders_unknown_names_and_unknown_wavelengths_keep_the_given_order() -> None:
    named = default_recipes(
        [FakeBand("red", photplam=8000), FakeBand("blue", photplam=4000), FakeBand("mid", photplam=6000)]
    )
    assert named[0].channels == [{"red": 1.0}, {"mid": 1.0}, {"blue": 1.0}]
    unknown = default_recipes([FakeBand("a"), FakeBand("b"), FakeBand("c")])
    assert unknown[0].channels == [{"c": 1.0}, {"b": 1.0}, {"a": 1.0}]


def test_fewer_than_three_bands_have_no_composite() -> None:
    recipes = default_recipes([FakeBand("F435W"), FakeBand("F814W")])
    assert [r.kind for r in recipes] == ["band", "band"]


def test_missing_photflam_makes_the_whole_recipe_uncalibrated() -> None:
    bands = [FakeBand("a", 2.0), FakeBand("b", None)]
    channels, calibrated = effective_channels(parse_recipe("x:0.5*a+b"), bands)
    assert channels == [{"a": 0.5, "b": 1.0}] and not calibrated


def test_user_recipes_replace_defaults_of_the_same_name() -> None:
    defaults = default_recipes(LEGUS)
    merged = merge_recipes(defaults, [parse_recipe("colour:R=F814W,G=F555W,B=F435W")])
    assert [r.name for r in merged][-1] == "colour" and len(merged) == len(defaults)
    assert merged[-1].kind == "custom"
    with pytest.raises(RecipeError, match="two recipes are named ir"):
        merge_recipes(defaults, [parse_recipe("ir:F814W"), parse_recipe("ir:F555W")])


def test_recipe_shape_is_checked() -> None:
    with pytest.raises(RecipeError, match="give 1 channel .grey. or 3"):
        Recipe("two", "two", "custom", [{"a": 1.0}, {"b": 1.0}])
    with pytest.raises(RecipeError, match="kind 'weird'"):
        Recipe("x", "x", "weird", [{"a": 1.0}])
