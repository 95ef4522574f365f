"""Read-side source queries (backend/services/labelling/source_queries.py): one source's detail, the triage
grid's filtered, sorted pages, and next / previous in (layer, id) order."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backend.db.sources import Source
from backend.errors import InputError, NotFoundError
from backend.services.labelling.annotations import save_annotation
from backend.services.labelling.source_queries import list_sources, next_source, source_detail
from tests.backend.labels_db import add_image
from tests.backend.services.conftest import add_sources


@pytest.fixture
def sessions(both_sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """SQLite, and PostgreSQL when SKYLABEL_TEST_POSTGRES_URL is set."""
    return both_sessions


MAGS: list[dict[str, Any]] = [{"mag": 21.0, "name": "b"}, {"mag": 9.5, "name": "a"}, {"name": "c"},
                              {"mag": 100.0, "name": "d"}]


@pytest.fixture
def layout(sessions: sessionmaker[Session], image_id: int) -> dict[str, list[int]]:
    """Layer "first" with 4 sources (magnitudes 21, 9.5, none, 100), layer "second" with 2; labels: first[0]
    class 1 (alice), first[3] class 4 (alice and bob), second[1] class 1 (bob)."""
    _, first = add_sources(sessions, image_id, [(10, 20), (30, 5), (50, 50), (70, 1)], name="first", columns=MAGS)
    _, second = add_sources(sessions, image_id, [(5, 5), (6, 6)], name="second")
    save_annotation(sessions, image_id, "alice", "1", source_id=first[0])
    save_annotation(sessions, image_id, "alice", "4", source_id=first[3])
    save_annotation(sessions, image_id, "bob", "4", source_id=first[3])
    save_annotation(sessions, image_id, "bob", "1", source_id=second[1])
    return {"first": first, "second": second}


def ids(page: dict) -> list[int]:
    return [item["id"] for item in page["items"]]


def test_detail_has_current_votes_and_the_full_history(sessions: sessionmaker[Session], image_id: int,
                                                       layout: dict[str, list[int]]) -> None:
    sid = layout["first"][3]
    save_annotation(sessions, image_id, "bob", "3", source_id=sid)  # bob changes his mind: 4 -> 3
    with sessions() as session:
        detail = source_detail(session, sid)
    assert detail["votes"] == {"alice": "4", "bob": "3"}
    assert [(h["annotator"], h["class"]) for h in detail["history"]] == [("alice", "4"), ("bob", "4"), ("bob", "3")]
    assert (detail["x"], detail["y"], detail["image_id"], detail["catalog_id"]) == (70.0, 1.0, image_id, "4")
    assert detail["columns"] == {"mag": 100.0, "name": "d"} and detail["n_votes"] == 2
    with sessions() as session:
        assert source_detail(session, layout["second"][0])["votes"] == {}
        with pytest.raises(NotFoundError, match="no source with id 999"):
            source_detail(session, 999)


def test_filters_by_state_class_and_layer(sessions: sessionmaker[Session], image_id: int,
                                          layout: dict[str, list[int]]) -> None:
    first, second = layout["first"], layout["second"]
    with sessions() as session:
        everything = list_sources(session, image_id)
        assert everything["count"] == 6 and ids(everything) == first + second
        assert ids(list_sources(session, image_id, state="labelled")) == [first[0], first[3], second[1]]
        assert ids(list_sources(session, image_id, state="unlabelled")) == [first[1], first[2], second[0]]
        assert ids(list_sources(session, image_id, classes=["4"])) == [first[3]]
        assert ids(list_sources(session, image_id, state="unlabelled", classes=["1"])) == []
        second_layer = session.get_one(Source, second[0]).layer_id
        assert ids(list_sources(session, image_id, layer_ids=[second_layer])) == second
        item = list_sources(session, image_id, classes=["4"])["items"][0]
        assert item["label_class"] == "4" and item["n_votes"] == 2 and item["catalog_id"] == "4"
        assert "columns" not in item
        with pytest.raises(InputError, match="state must be all, labelled, unlabelled or unvoted, got 'done'"):
            list_sources(session, image_id, state="done")  # type: ignore[arg-type]
        with pytest.raises(NotFoundError, match="no image with id 99"):
            list_sources(session, 99)
        other = add_image(sessions, name="other")
        with pytest.raises(NotFoundError, match=f"image {other} has no layer"):
            list_sources(session, other, layer_ids=[second_layer])


def test_pages_count_everything_matching(sessions: sessionmaker[Session], image_id: int,
                                         layout: dict[str, list[int]]) -> None:
    everything = layout["first"] + layout["second"]
    with sessions() as session:
        pages = [list_sources(session, image_id, offset=o, limit=4) for o in (0, 4, 8)]
    assert [p["count"] for p in pages] == [6, 6, 6]
    assert [ids(p) for p in pages] == [everything[:4], everything[4:], []]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"limit": 0}, "limit must be 1 to 5000 and offset >= 0, got limit 0, offset 0"),
    ({"limit": 5001}, "limit must be 1 to 5000"),
    ({"offset": -1}, "got limit 100, offset -1"),
    ({"order": "up"}, "order must be asc or desc, got 'up'"),
    ({"sort": "mag; DROP TABLE sources"}, "cannot sort by 'mag; DROP TABLE sources': use one of id, x, y"),
])
def test_bad_page_requests_are_refused(sessions: sessionmaker[Session], image_id: int, kwargs: dict,
                                       message: str) -> None:
    with sessions() as session, pytest.raises(InputError, match=message):
        list_sources(session, image_id, **kwargs)


def test_sorting_by_fields_and_catalogue_columns(sessions: sessionmaker[Session], image_id: int,
                                                 layout: dict[str, list[int]]) -> None:
    first, second = layout["first"], layout["second"]
    with sessions() as session:
        by_x = ids(list_sources(session, image_id, sort="x"))
        assert by_x == [second[0], second[1], first[0], first[1], first[2], first[3]]
        assert ids(list_sources(session, image_id, sort="y", order="desc"))[0] == first[2]
        # numbers sort as numbers (9.5 < 21 < 100), sources without the column come last either way
        assert ids(list_sources(session, image_id, sort="mag", layer_ids=None))[:3] == [first[1], first[0], first[3]]
        desc = ids(list_sources(session, image_id, sort="mag", order="desc"))
        assert desc[:3] == [first[3], first[0], first[1]]
        assert set(desc[3:]) == {first[2], *second}
        # equal keys (no label) keep id order, reversed with desc
        assert ids(list_sources(session, image_id, sort="label_class"))[3:] == [first[1], first[2], second[0]]
        assert ids(list_sources(session, image_id, sort="name", state="unlabelled")) == [first[1], first[2],
                                                                                        second[0]]
        page = list_sources(session, image_id, sort="id", columns=["mag", "missing"], limit=2)
        assert [i["columns"] for i in page["items"]] == [{"mag": 21.0, "missing": None},
                                                        {"mag": 9.5, "missing": None}]


def test_next_and_previous_walk_layer_then_id(sessions: sessionmaker[Session], image_id: int,
                                              layout: dict[str, list[int]]) -> None:
    first, second = layout["first"], layout["second"]
    with sessions() as session:
        assert next_source(session, image_id)["id"] == first[1]  # the first unlabelled one
        assert next_source(session, image_id, after=first[1])["id"] == first[2]
        assert next_source(session, image_id, after=first[2])["id"] == second[0]  # on into the next layer
        assert next_source(session, image_id, after=second[0], direction="prev")["id"] == first[2]
        assert next_source(session, image_id, direction="prev")["id"] == second[0]  # from the end
        assert next_source(session, image_id, after=first[0], state="all")["id"] == first[1]
        assert next_source(session, image_id, after=first[0], state="labelled")["id"] == first[3]
        assert next_source(session, image_id, state="labelled", classes=["1"], after=first[0])["id"] == second[1]
        with pytest.raises(NotFoundError, match="no more unlabelled sources after this one"):
            next_source(session, image_id, after=second[0])
        with pytest.raises(NotFoundError, match="no more sources before this one"):
            next_source(session, image_id, after=first[0], direction="prev", state="all")
        with pytest.raises(InputError, match="direction must be next or prev, got 'up'"):
            next_source(session, image_id, direction="up")
        with pytest.raises(NotFoundError, match=f"image {image_id} has no source with id 999"):
            next_source(session, image_id, after=999)


def test_next_refuses_a_source_of_another_image(sessions: sessionmaker[Session], image_id: int,
                                                layout: dict[str, list[int]]) -> None:
    other = add_image(sessions, name="other")
    _, theirs = add_sources(sessions, other, [(1, 1)], name="theirs")
    with sessions() as session, pytest.raises(NotFoundError, match=f"image {image_id} has no source with id"):
        next_source(session, image_id, after=theirs[0])


def working_set(sessions: sessionmaker[Session], image_id: int, **spec: Any) -> Any:
    from backend.services.selection.filters import SourceFilter, compile_filter

    with sessions() as session:
        return compile_filter(session, image_id, SourceFilter(**spec))


def test_pages_and_next_within_the_working_set(sessions: sessionmaker[Session], image_id: int,
                                               layout: dict[str, list[int]]) -> None:
    first, second = layout["first"], layout["second"]
    bright = working_set(sessions, image_id, cuts=[{"expr": "mag", "max": 50}])  # a missing mag fails the cut
    with sessions() as session:
        page = list_sources(session, image_id, flt=bright, sort="mag")
        assert page["count"] == 2 and ids(page) == [first[1], first[0]]
        assert ids(list_sources(session, image_id, flt=bright, offset=1, limit=1)) == [first[1]]
        assert next_source(session, image_id, flt=bright)["id"] == first[1]  # the unlabelled bright one
        with pytest.raises(NotFoundError, match="no more unlabelled sources after this one in the cuts and regions"):
            next_source(session, image_id, after=first[1], flt=bright)
    from backend.db.session import session_scope
    from backend.services.selection.regions import create_region

    with session_scope(sessions) as session:
        region = create_region(session, image_id, "circle", {"x": 5.0, "y": 5.0, "r": 2.0}).id
    corner = working_set(sessions, image_id, regions=[region])
    with sessions() as session:
        assert ids(list_sources(session, image_id, flt=corner)) == [second[0], second[1]]
        assert next_source(session, image_id, flt=corner, state="all", direction="prev")["id"] == second[1]


def test_next_near_a_point_walks_outwards_skipping_the_visited(sessions: sessionmaker[Session], image_id: int,
                                                               layout: dict[str, list[int]]) -> None:
    first, second = layout["first"], layout["second"]  # unlabelled: first[1] (30, 5), first[2] (50, 50), second[0]
    with sessions() as session:
        found = next_source(session, image_id, near=(31.0, 5.0))
        assert found["id"] == first[1] and found["distance_px"] == 1.0
        assert next_source(session, image_id, near=(31.0, 5.0), skip=[first[1]])["id"] == second[0]
        assert next_source(session, image_id, near=(31.0, 5.0), skip=[first[1], second[0]])["id"] == first[2]
        with pytest.raises(NotFoundError, match=r"no more unlabelled sources \(skipping the 3 already visited\)"):
            next_source(session, image_id, near=(31.0, 5.0), skip=[first[1], second[0], first[2]])
        assert next_source(session, image_id, near=(70.0, 1.0), state="all")["id"] == first[3]
        with pytest.raises(InputError, match="near nan,5.0 must be two finite pixel coordinates"):
            next_source(session, image_id, near=(float("nan"), 5.0))


def test_the_nearest_is_found_beyond_the_first_search_window(sessions: sessionmaker[Session], image_id: int) -> None:
    # around (100, 10): one source in the corner of the first 128 px window (170 px away), one just outside
    # it (130 px away): the window's best is the nearest only when it lies within the half-side
    _, (corner, outside) = add_sources(sessions, image_id, [(220.0, 130.0), (230.0, 10.0)], name="w")
    with sessions() as session:
        found = next_source(session, image_id, near=(100.0, 10.0), state="all")
        assert found["id"] == outside and found["distance_px"] == 130.0
        found = next_source(session, image_id, near=(100.0, 10.0), state="all", skip=[outside])
        assert found["id"] == corner and found["distance_px"] == 169.71
