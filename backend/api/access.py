"""Who may do what: one rule per API operation, the minimum role on the project its ids belong to.

The project of a request comes from its path ids (an image, a layer, a source, a round, a task, a project):
:func:`project_of`. Routes that name no resource either need only a signed-in caller (their answers are
filtered to the caller's projects) or a role on the default project (``DEFAULT``). ``PUBLIC`` routes need no
login. :class:`backend.api.guard.AccessGuard` enforces the table on every request, and
``tests/backend/test_access_rules.py`` walks every operation of the OpenAPI schema against it: a route without
a rule is refused at run time and fails that test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.db.annotations import Round
from backend.db.learning import TaskRun
from backend.db.projects import Project
from backend.db.regions import Region
from backend.db.sources import Layer, Source
from backend.db.tables import Image
from backend.errors import NotFoundError
from backend.services.labelling.projects import default_project

PUBLIC = "public"
SIGNED_IN = "signed-in"


@dataclass(frozen=True)
class Rule:
    """``role``: the minimum project role (viewer < annotator < reviewer < owner), or PUBLIC / SIGNED_IN.
    ``default``: the role is checked on the default project (routes that name no resource)."""

    role: str
    default: bool = False


def _r(role: str) -> Rule:
    return Rule(role)


def _d(role: str) -> Rule:
    return Rule(role, default=True)


VIEWER, ANNOTATOR, REVIEWER, OWNER = _r("viewer"), _r("annotator"), _r("reviewer"), _r("owner")

RULES: dict[tuple[str, str], Rule] = {
    # meta and identity
    ("GET", "/api/health"): Rule(PUBLIC),
    ("GET", "/api/auth/config"): Rule(PUBLIC),
    ("POST", "/api/auth/login"): Rule(PUBLIC),
    ("POST", "/api/auth/setup"): Rule(PUBLIC),
    ("GET", "/api/auth/oidc/login"): Rule(PUBLIC),
    ("GET", "/api/auth/oidc/callback"): Rule(PUBLIC),
    ("POST", "/api/auth/logout"): Rule(SIGNED_IN),
    ("GET", "/api/auth/me"): Rule(SIGNED_IN),
    # images
    ("GET", "/api/images"): Rule(SIGNED_IN),
    ("POST", "/api/images"): _d("owner"),
    ("GET", "/api/uploads/{upload_key}"): _d("owner"),
    ("GET", "/api/images/{image_id}"): VIEWER,
    ("DELETE", "/api/images/{image_id}"): OWNER,
    ("POST", "/api/images/{image_id}/restore"): OWNER,
    ("GET", "/api/images/{image_id}/tiles/{rendition}/{z}/{x}/{y}.{fmt}"): VIEWER,
    ("GET", "/api/images/{image_id}/tilejson.json"): VIEWER,
    ("GET", "/api/images/{image_id}/pix2world"): VIEWER,
    ("POST", "/api/images/{image_id}/pix2world"): VIEWER,
    ("GET", "/api/images/{image_id}/world2pix"): VIEWER,
    ("POST", "/api/images/{image_id}/world2pix"): VIEWER,
    ("GET", "/api/images/{image_id}/values"): VIEWER,
    ("GET", "/api/images/{image_id}/cutout.png"): VIEWER,
    ("GET", "/api/images/{image_id}/photometry"): VIEWER,
    # regions of the sky (working sets, masks)
    ("GET", "/api/images/{image_id}/regions"): VIEWER,
    ("GET", "/api/images/{image_id}/regions.reg"): VIEWER,
    ("POST", "/api/images/{image_id}/regions"): ANNOTATOR,
    ("POST", "/api/images/{image_id}/regions/import"): ANNOTATOR,
    ("DELETE", "/api/regions/{region_id}"): ANNOTATOR,
    # projects, members, annotators
    ("GET", "/api/projects"): Rule(SIGNED_IN),
    ("POST", "/api/projects"): _d("owner"),
    ("GET", "/api/projects/{project_id}"): VIEWER,
    ("GET", "/api/projects/{project_id}/members"): VIEWER,
    ("PUT", "/api/projects/{project_id}/members/{username}"): OWNER,
    ("DELETE", "/api/projects/{project_id}/members/{username}"): OWNER,
    ("GET", "/api/images/{image_id}/scheme"): VIEWER,
    ("GET", "/api/annotators"): Rule(SIGNED_IN),
    ("POST", "/api/annotators"): _d("owner"),
    # layers and sources
    ("GET", "/api/images/{image_id}/layers"): VIEWER,
    ("POST", "/api/images/{image_id}/layers/import"): REVIEWER,
    ("PATCH", "/api/layers/{layer_id}"): REVIEWER,
    ("DELETE", "/api/layers/{layer_id}"): OWNER,
    ("POST", "/api/layers/{layer_id}/restore"): OWNER,
    ("GET", "/api/images/{image_id}/sources"): VIEWER,
    ("GET", "/api/images/{image_id}/sources/list"): VIEWER,
    ("GET", "/api/images/{image_id}/sources/next"): VIEWER,
    ("GET", "/api/sources/{source_id}"): VIEWER,
    ("GET", "/api/sources/{source_id}/annotations"): VIEWER,
    # labelling
    ("POST", "/api/images/{image_id}/annotations"): ANNOTATOR,
    ("GET", "/api/images/{image_id}/annotations"): VIEWER,
    ("GET", "/api/images/{image_id}/rounds"): VIEWER,
    ("POST", "/api/images/{image_id}/rounds"): REVIEWER,
    ("POST", "/api/rounds/{round_id}/close"): REVIEWER,
    ("POST", "/api/rounds/{round_id}/open"): REVIEWER,
    ("POST", "/api/images/{image_id}/rounds/from-working-set"): REVIEWER,
    ("GET", "/api/rounds/{round_id}"): VIEWER,
    ("GET", "/api/rounds/{round_id}/queue"): ANNOTATOR,
    ("GET", "/api/rounds/{round_id}/report"): REVIEWER,
    ("POST", "/api/rounds/{round_id}/adjudicate"): REVIEWER,
    ("GET", "/api/images/{image_id}/compare"): VIEWER,  # consensus vs a reference layer; blind views inside
    ("GET", "/api/images/{image_id}/skill"): VIEWER,  # the annotator-skill sidecar; blind views inside
    ("GET", "/api/images/{image_id}/progress"): VIEWER,
    ("GET", "/api/images/{image_id}/export"): REVIEWER,
    ("POST", "/api/images/{image_id}/detect"): REVIEWER,
    # the AI loop
    ("POST", "/api/images/{image_id}/learning/pretrain"): ANNOTATOR,
    ("POST", "/api/images/{image_id}/learning/retrain"): ANNOTATOR,
    ("GET", "/api/tasks/{task_id}"): VIEWER,
    ("GET", "/api/images/{image_id}/tasks"): VIEWER,
    ("GET", "/api/images/{image_id}/learning"): VIEWER,
    ("GET", "/api/images/{image_id}/predictions"): VIEWER,
    ("GET", "/api/images/{image_id}/learning/next"): VIEWER,
    ("POST", "/api/images/{image_id}/learning/next"): ANNOTATOR,
    ("GET", "/api/images/{image_id}/embedding"): VIEWER,
    ("GET", "/api/sources/{source_id}/similar"): VIEWER,
    ("GET", "/api/images/{image_id}/events"): VIEWER,
}

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite takes more, but ids never get there


def _image_project(session: Session, image_id: int) -> int:
    row = session.execute(select(Image.project_id).where(Image.id == image_id)).first()
    if row is None:
        raise NotFoundError(f"no image with id {image_id}; GET /api/images lists the ingested images")
    return int(row[0]) if row[0] is not None else default_project(session).id


def _via_image(model: Any, what: str) -> Any:
    def resolve(session: Session, ident: int) -> int:
        image_id = session.scalar(select(model.image_id).where(model.id == ident))
        if image_id is None:
            raise NotFoundError(f"no {what} with id {ident}")
        return _image_project(session, int(image_id))
    return resolve


def _project(session: Session, project_id: int) -> int:
    if session.get(Project, project_id) is None:
        raise NotFoundError(f"no project with id {project_id}; GET /api/projects lists them")
    return project_id


RESOLVERS = {
    "project_id": _project,
    "image_id": _image_project,
    "layer_id": _via_image(Layer, "layer"),
    "source_id": _via_image(Source, "source"),
    "round_id": _via_image(Round, "round"),
    "task_id": _via_image(TaskRun, "task"),
    "region_id": _via_image(Region, "region"),
}


def resource_id(name: str, raw: Any) -> int:
    """A path id as an int in the database's range; anything else names nothing (404)."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise NotFoundError(f"{name} {str(raw)[:40]!r} is not an id") from None
    if not 1 <= value <= MAX_ID:
        raise NotFoundError(f"no {name.removesuffix('_id')} with id {value}")
    return value


def project_of(session: Session, rule: Rule, path_params: dict[str, Any]) -> int | None:
    """The project whose role the rule checks (None: the rule needs no project)."""
    if rule.default:
        return default_project(session).id
    for name, resolve in RESOLVERS.items():
        if name in path_params:
            return int(resolve(session, resource_id(name, path_params[name])))
    return None
