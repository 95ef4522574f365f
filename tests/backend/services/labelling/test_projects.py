"""Projects and label schemes (backend/services/labelling/projects.py): the default LEGUS project, scheme
validation with messages naming the bad class, an image's project, class checks."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from backend.db.projects import DEFAULT_PROJECT, LEGUS_SCHEME, Project
from backend.db.session import session_scope
from backend.db.tables import Image
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.projects import (
    check_class,
    class_ids,
    create_project,
    default_project,
    get_project,
    image_project,
    list_projects,
    validate_scheme,
)

GALAXY = {"name": "galaxies", "classes": [{"id": "E", "hotkey": "e", "colour": "#ff0000"}, {"id": "S"}]}


def test_the_default_project_has_legus_classes_and_is_created_when_missing(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        project = default_project(session)
        assert project.name == DEFAULT_PROJECT and class_ids(project.scheme) == ["1", "2", "3", "4"]
        assert default_project(session).id == project.id
        session.execute(delete(Project))
    with session_scope(sessions) as session:
        recreated = default_project(session)
        assert recreated.scheme == LEGUS_SCHEME and recreated.description == "created on first use"
        assert [p.name for p in list_projects(session)] == [DEFAULT_PROJECT]


def test_create_project(sessions: sessionmaker[Session]) -> None:
    with session_scope(sessions) as session:
        legus_copy = create_project(session, " survey ")
        galaxies = create_project(session, "galaxies", copy.deepcopy(GALAXY), description="morphology")
        assert legus_copy.name == "survey" and legus_copy.scheme == LEGUS_SCHEME
        legus_copy.scheme["classes"].pop()
        assert len(LEGUS_SCHEME["classes"]) == 4  # a copy: editing a project never edits the default scheme
        assert class_ids(galaxies.scheme) == ["E", "S"]
        assert get_project(session, galaxies.id).description == "morphology"
        with pytest.raises(ConflictError, match="a project named 'galaxies' already exists"):
            create_project(session, "galaxies")
        with pytest.raises(InputError, match="non-empty name"):
            create_project(session, "  ")
        with pytest.raises(NotFoundError, match="no project with id 99; GET /api/projects"):
            get_project(session, 99)


def test_a_name_longer_than_the_column_is_refused_on_every_database(both_sessions: sessionmaker[Session]) -> None:
    with session_scope(both_sessions) as session:
        assert create_project(session, "p" * 200).name == "p" * 200
        with pytest.raises(InputError, match="project name is 201 characters long: at most 200"):
            create_project(session, "q" * 201)  # PostgreSQL answered this with a server error
    with both_sessions() as session:
        assert [p.name for p in list_projects(session)] == [DEFAULT_PROJECT, "p" * 200]


@pytest.mark.parametrize(("scheme", "message"), [
    ({}, 'a scheme needs a non-empty "classes" list'),
    ({"classes": []}, 'non-empty "classes" list'),
    ({"classes": "1,2"}, 'non-empty "classes" list'),
    ([1, 2], 'non-empty "classes" list'),
    ({"classes": [{"id": "1"}, {"name": "no id"}]}, 'scheme class 1 needs an "id"'),
    ({"classes": [{"id": "  "}]}, 'scheme class 0 needs an "id"'),
    ({"classes": ["1"]}, 'scheme class 0 needs an "id"'),
    ({"classes": [{"id": "1"}, {"id": " 1 "}]}, "scheme class id '1' appears twice"),
    ({"classes": [{"id": "c" * 51}]}, "scheme class id 'cccccccccccccccccccc'... is 51 characters long: at most 50"),
    ({"classes": [{"id": "a", "colour": "red"}]}, "scheme class 'a': colour 'red' is not of the form #rrggbb"),
    ({"classes": [{"id": "a", "colour": "#12345"}]}, "not of the form #rrggbb"),
    ({"classes": [{"id": "a", "hotkey": "1"}, {"id": "b", "hotkey": 1}]},
     "scheme class 'b': hotkey 1 is used by another class"),
])
def test_bad_schemes_name_what_is_wrong(scheme: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_scheme(scheme)


def test_a_valid_scheme_is_normalised() -> None:
    assert class_ids(validate_scheme({"classes": [{"id": "c" * 50}]})) == ["c" * 50]  # the limit itself
    scheme = validate_scheme({"classes": [{"id": 1}, {"id": " b ", "colour": "#A0b1C2", "hotkey": "b"}]})
    assert class_ids(scheme) == ["1", "b"] and scheme["name"] == "custom"
    assert validate_scheme(copy.deepcopy(GALAXY))["name"] == "galaxies"


def test_an_image_s_project(sessions: sessionmaker[Session], image_id: int) -> None:
    with session_scope(sessions) as session:
        assert image_project(session, image_id).name == DEFAULT_PROJECT
        galaxies = create_project(session, "galaxies", copy.deepcopy(GALAXY))
        session.get(Image, image_id).project_id = galaxies.id  # type: ignore[union-attr]
    with session_scope(sessions) as session:
        assert image_project(session, image_id).id == galaxies.id
        session.get(Image, image_id).project_id = None  # type: ignore[union-attr]
    with session_scope(sessions) as session:
        assert image_project(session, image_id).name == DEFAULT_PROJECT
        with pytest.raises(NotFoundError, match="no image with id 77"):
            image_project(session, 77)


def test_check_class_lists_the_allowed_ids() -> None:
    check_class(LEGUS_SCHEME, "3")
    with pytest.raises(InputError, match=r"class '5' is not in the label scheme 'LEGUS': use one of 1, 2, 3, 4"):
        check_class(LEGUS_SCHEME, "5")
    with pytest.raises(InputError):
        check_class(LEGUS_SCHEME, "1 ")  # ids are exact
    assert class_ids({}) == []
