"""Source layers (backend/services/labelling/layers.py): names, styles, membership checks, and deletion
that refuses to lose people's labels."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backend.db.annotations import Annotation
from backend.db.session import session_scope
from backend.db.sources import Layer, Source
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.layers import (
    DEFAULT_STYLES,
    annotation_layer,
    check_kind,
    check_layers,
    check_name_free,
    default_style,
    delete_layer,
    get_layer,
    human_label_count,
    list_layers,
    require_image,
    restore_layer,
    unique_layer_name,
    update_layer,
    validate_style,
)
from tests.backend.labels_db import add_image
from tests.backend.services.conftest import add_sources


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


def test_kinds_and_default_styles() -> None:
    assert check_kind("picked") == "picked"
    with pytest.raises(InputError, match="layer kind 'catalog' is unknown: use one of detections, reference"):
        check_kind("catalog")
    style = default_style("detections")
    assert style["colour"] == "#ffd33d" and style["shape"] == "ring"  # the paper's yellow rings
    style["colour"] = "#000000"
    assert DEFAULT_STYLES["detections"]["colour"] == "#ffd33d"  # a copy each time
    with pytest.raises(InputError):
        default_style("nope")


def test_listing_lookup_and_membership(sessions: sessionmaker[Session], image_id: int) -> None:
    a, _ = add_sources(sessions, image_id, [(1, 1)], name="a")
    b, _ = add_sources(sessions, image_id, [(2, 2)], name="b")
    other = add_image(sessions, name="other")
    c, _ = add_sources(sessions, other, [(3, 3)], name="c")
    with sessions() as session:
        assert [layer.id for layer in list_layers(session, image_id)] == [a, b]
        assert get_layer(session, c).image_id == other
        assert check_layers(session, image_id, None) == [a, b]
        assert check_layers(session, image_id, [b]) == [b]
        assert check_layers(session, image_id, []) == []
        wrong = rf"image {image_id} has no layer\(s\) {c}, 99; its layers are {a}, {b}"
        with pytest.raises(NotFoundError, match=wrong):
            check_layers(session, image_id, [a, c, 99])
        empty = add_image(sessions, name="empty")
        with pytest.raises(NotFoundError, match="its layers are none"):
            check_layers(session, empty, [a])
        with pytest.raises(NotFoundError, match=r"no layer with id 99; GET /api/images/\{id\}/layers"):
            get_layer(session, 99)
        with pytest.raises(NotFoundError, match="no image with id 99; GET /api/images"):
            list_layers(session, 99)
        with pytest.raises(NotFoundError):
            require_image(session, 99)


def test_unique_names_count_up_and_free_names_are_checked(sessions: sessionmaker[Session], image_id: int) -> None:
    add_sources(sessions, image_id, [(1, 1)], name="sep")
    add_sources(sessions, image_id, [(1, 1)], name="sep (2)")
    other = add_image(sessions, name="other")
    with sessions() as session:
        assert unique_layer_name(session, image_id, "sep") == "sep (3)"
        assert unique_layer_name(session, image_id, "  legus ") == "legus"
        assert unique_layer_name(session, image_id, "   ") == "layer"
        assert len(unique_layer_name(session, image_id, "x" * 500)) == 190
        assert unique_layer_name(session, other, "sep") == "sep"  # per image
        assert check_name_free(session, image_id, "  new  ") == "new"
        assert check_name_free(session, other, "sep") == "sep"
        with pytest.raises(ConflictError, match=rf"image {image_id} already has a layer named 'sep' \(id \d+\)"):
            check_name_free(session, image_id, " sep ")
        for bad in ("", "  ", "x" * 201):
            with pytest.raises(InputError, match="a layer name must be 1 to 200 characters"):
                check_name_free(session, image_id, bad)


@pytest.mark.parametrize(("style", "message"), [
    ({"color": "#ffffff"}, "style key 'color' is unknown: use colour, radius_px"),
    ({"colour": 3}, "style colour has the wrong type: 3"),
    ({"radius_px": True}, "style radius_px has the wrong type: True"),
    ({"visible": 1}, "style visible has the wrong type: 1"),
    ({"colour": "yellow"}, "style colour 'yellow' is not of the form #rrggbb"),
    ({"colour": "#fff"}, "not of the form #rrggbb"),
    ({"shape": "star"}, "style shape 'star' is unknown: use one of ring, dot, cross, square"),
    ({"radius_px": 0}, "style radius_px must be between 0 and 200 pixels, got 0"),
    ({"width": 200.5}, "style width must be between 0 and 200 pixels, got 200.5"),
])
def test_bad_styles_are_refused(style: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_style(style)


def test_good_styles_pass_unchanged() -> None:
    style = {"colour": "#12abEF80", "radius_px": 200, "width": 0.5, "shape": "cross", "visible": False}
    assert validate_style(dict(style)) == style
    assert validate_style({}) == {}


def test_update_renames_and_merges_the_style(sessions: sessionmaker[Session], image_id: int) -> None:
    layer_id, _ = add_sources(sessions, image_id, [(1, 1)], name="sep")
    add_sources(sessions, image_id, [(1, 1)], name="legus", kind="reference")
    with session_scope(sessions) as session:
        layer = update_layer(session, layer_id, name=" sep ", style={"colour": "#ff0000"})
        assert layer.name == "sep"  # its own name is no clash
        assert layer.style == {**DEFAULT_STYLES["detections"], "colour": "#ff0000"}
        layer = update_layer(session, layer_id, name="detections", style={"visible": False})
        assert layer.name == "detections" and layer.style["colour"] == "#ff0000" and layer.style["visible"] is False
    with session_scope(sessions) as session:
        with pytest.raises(ConflictError, match="already has a layer named 'legus'"):
            update_layer(session, layer_id, name="legus")
        with pytest.raises(InputError):
            update_layer(session, layer_id, style={"shape": "blob"})
    with sessions() as session:
        layer = get_layer(session, layer_id)
        assert layer.name == "detections" and layer.style["shape"] == "ring"  # nothing of the refusals stuck


def counts(sessions: sessionmaker[Session]) -> tuple[int, int, int]:
    with sessions() as session:
        return (session.scalar(select(func.count(Layer.id))) or 0, session.scalar(select(func.count(Source.id))) or 0,
                session.scalar(select(func.count(Annotation.id))) or 0)


def test_delete_archives_a_layer_with_human_labels_even_forced(sessions: sessionmaker[Session],
                                                               image_id: int) -> None:
    """Issue 8 changed this (append-only means append-only): a labelled layer is archived, never deleted, and
    ``force`` no longer deletes people's labels."""
    keep, kept_ids = add_sources(sessions, image_id, [(5, 5)], name="keep")
    layer_id, ids = add_sources(sessions, image_id, [(1, 1), (2, 2), (3, 3)], name="sep")
    save_annotation(sessions, image_id, "alice", "1", source_id=ids[0])
    save_annotation(sessions, image_id, "alice", "2", source_id=ids[0])  # a second version of one label
    save_annotation(sessions, image_id, "bob", "1", source_id=ids[1])
    save_annotation(sessions, image_id, "bob", "3", source_id=kept_ids[0])
    with sessions() as session:
        assert human_label_count(session, layer_id) == 3 and human_label_count(session, keep) == 1
    for force in (False, True):
        with session_scope(sessions) as session:
            assert delete_layer(session, layer_id, force=force) == "archived"
        assert counts(sessions) == (2, 4, 4)  # nothing lost
    with sessions() as session:
        assert get_layer(session, layer_id).archived_at is not None
        assert [layer.id for layer in list_layers(session, image_id)] == [keep]
    with session_scope(sessions) as session:
        assert restore_layer(session, layer_id).archived_at is None


def test_a_layer_without_human_labels_deletes_without_force(sessions: sessionmaker[Session], image_id: int) -> None:
    from backend.catalogues import CatalogMeta, Label, SourceCatalog
    from backend.catalogues import Source as CatalogSource
    from backend.services.labelling.layer_import import import_catalog

    catalog = SourceCatalog([CatalogSource("1", 10.0, 10.0, labels=[Label("LEGUS", "1")])], CatalogMeta(format="t"))
    with session_scope(sessions) as session:
        layer_id = import_catalog(session, image_id, catalog, name="legus").layer.id
    with sessions() as session:
        assert human_label_count(session, layer_id) == 0  # a catalogue's classes are not people's labels
    with session_scope(sessions) as session:
        delete_layer(session, layer_id)
    assert counts(sessions) == (0, 0, 0)


def test_the_annotation_layer_is_made_once_per_image(sessions: sessionmaker[Session], image_id: int) -> None:
    other = add_image(sessions, name="other")
    with session_scope(sessions) as session:
        layer = annotation_layer(session, image_id)
        assert (layer.name, layer.kind, layer.n_sources) == ("annotations", "annotation", 0)
        assert layer.style == DEFAULT_STYLES["annotation"]
        assert annotation_layer(session, image_id).id == layer.id
        assert annotation_layer(session, other).id != layer.id
    with sessions() as session:
        assert session.scalar(select(func.count(Layer.id))) == 2
