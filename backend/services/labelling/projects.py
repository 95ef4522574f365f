"""Projects and their label schemes: which classes an annotator may give on an image.

Every image belongs to a project; an image ingested without one belongs to the project ``"default"``, whose
scheme is LEGUS's four classes (Adamo et al. 2017; the paper's Section 3). A scheme is data (see
:mod:`backend.db.projects`): the annotation service checks each class against it.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.projects import DEFAULT_PROJECT, LEGUS_SCHEME, Project
from backend.db.tables import Image
from backend.db.upsert import insert_ignore
from backend.errors import ConflictError, InputError, NotFoundError

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_NAME = 200
MAX_CLASS_ID = 50


def default_project(session: Session) -> Project:
    """The ``"default"`` project (created with the LEGUS scheme if a database lacks it)."""
    project = session.scalars(select(Project).where(Project.name == DEFAULT_PROJECT)).first()
    if project is None:
        insert_ignore(session, Project, {"name": DEFAULT_PROJECT, "description": "created on first use",
                                         "scheme": copy.deepcopy(LEGUS_SCHEME)}, ["name"])
        project = session.scalars(select(Project).where(Project.name == DEFAULT_PROJECT)).one()
    return project


def list_projects(session: Session) -> list[Project]:
    return list(session.scalars(select(Project).order_by(Project.id)))


def get_project(session: Session, project_id: int) -> Project:
    project = session.get(Project, project_id)
    if project is None:
        raise NotFoundError(f"no project with id {project_id}; GET /api/projects lists them")
    return project


def create_project(session: Session, name: str, scheme: dict[str, Any] | None = None,
                   description: str = "") -> Project:
    """A new project; ``scheme`` defaults to a copy of LEGUS's. Raises 409 on a taken name."""
    name = name.strip()
    if not name:
        raise InputError("a project needs a non-empty name")
    if len(name) > MAX_NAME:  # the column's limit: PostgreSQL would refuse it with a server error
        raise InputError(f"project name is {len(name)} characters long: at most {MAX_NAME}")
    if session.scalars(select(Project).where(Project.name == name)).first() is not None:
        raise ConflictError(f"a project named {name!r} already exists; choose another name")
    project = Project(name=name, description=description,
                      scheme=validate_scheme(scheme) if scheme is not None else copy.deepcopy(LEGUS_SCHEME))
    session.add(project)
    session.flush()
    return project


def validate_scheme(scheme: dict[str, Any]) -> dict[str, Any]:
    """Check a scheme's shape: classes with unique non-empty string ids, optional colours and hotkeys."""
    classes = scheme.get("classes") if isinstance(scheme, dict) else None
    if not isinstance(classes, list) or not classes:
        raise InputError('a scheme needs a non-empty "classes" list, e.g. [{"id": "1", "name": "cluster"}]')
    seen: set[str] = set()
    hotkeys: set[str] = set()
    for index, item in enumerate(classes):
        if not isinstance(item, dict) or not str(item.get("id", "")).strip():
            raise InputError(f"scheme class {index} needs an \"id\" (a short string such as \"1\")")
        class_id = str(item["id"]).strip()
        if len(class_id) > MAX_CLASS_ID:  # the annotations' class column holds 50 characters
            raise InputError(f"scheme class id {class_id[:20]!r}... is {len(class_id)} characters long: at most "
                             f"{MAX_CLASS_ID}")
        if class_id in seen:
            raise InputError(f"scheme class id {class_id!r} appears twice: ids must be unique")
        seen.add(class_id)
        colour = item.get("colour")
        if colour is not None and not (isinstance(colour, str) and _COLOUR.match(colour)):
            raise InputError(f"scheme class {class_id!r}: colour {colour!r} is not of the form #rrggbb")
        hotkey = item.get("hotkey")
        if hotkey is not None:
            if str(hotkey) in hotkeys:
                raise InputError(f"scheme class {class_id!r}: hotkey {hotkey!r} is used by another class")
            hotkeys.add(str(hotkey))
        item["id"] = class_id
    scheme.setdefault("name", "custom")
    return scheme


def image_project(session: Session, image_id: int) -> Project:
    """The project of an image (the default project when the image has none)."""
    image = session.get(Image, image_id)
    if image is None:
        raise NotFoundError(f"no image with id {image_id}; GET /api/images lists the ingested images")
    if image.project_id is not None:
        project = session.get(Project, image.project_id)
        if project is not None:
            return project
    return default_project(session)


def binary_groups(scheme: dict[str, Any]) -> tuple[list[str], dict[str, int]]:
    """The scheme's binary question: its group names (``scheme["binary"]``, default cluster / non-cluster) and,
    per class id whose ``"binary"`` names one of them, that group's index (LEGUS: 1, 2 -> 0; 3, 4 -> 1)."""
    names = list(scheme.get("binary") or ["cluster", "non-cluster"])
    return names, {str(c["id"]): names.index(c["binary"]) for c in scheme.get("classes", [])
                   if c.get("binary") in names}


def class_ids(scheme: dict[str, Any]) -> list[str]:
    return [str(item["id"]) for item in scheme.get("classes", [])]


def check_class(scheme: dict[str, Any], class_: str) -> None:
    """Raise 422 unless ``class_`` is one of the scheme's class ids."""
    allowed = class_ids(scheme)
    if class_ not in allowed:
        raise InputError(f"class {class_!r} is not in the label scheme {scheme.get('name', '')!r}: "
                         f"use one of {', '.join(allowed)}")
