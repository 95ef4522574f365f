"""Projects, their label schemes, and annotators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from backend.api.deps import CallerDep, SessionDep
from backend.api.schemas_labels import AnnotatorCreate, AnnotatorPublic, ProjectCreate, ProjectPublic
from backend.auth.accounts import set_role
from backend.services.labelling.annotators import get_or_create_annotator, list_annotators
from backend.services.labelling.projects import create_project, get_project, image_project, list_projects

router = APIRouter(tags=["projects"])


@router.get("/projects", response_model=list[ProjectPublic])
def get_projects(session: SessionDep, caller: CallerDep) -> list[Any]:
    """The projects the caller is a member of (every project in local mode)."""
    visible = caller.projects()
    return [p for p in list_projects(session) if visible is None or p.id in visible]


@router.post("/projects", response_model=ProjectPublic, status_code=status.HTTP_201_CREATED)
def post_project(body: ProjectCreate, session: SessionDep, caller: CallerDep) -> Any:
    """A project with its own label scheme (default: LEGUS's four classes); its creator is its owner."""
    project = create_project(session, body.name, body.scheme, body.description)
    if caller.user_id is not None:
        set_role(session, caller.user_id, project.id, "owner")
    session.commit()
    return project


@router.get("/projects/{project_id}", response_model=ProjectPublic)
def get_one_project(project_id: int, session: SessionDep) -> Any:
    return get_project(session, project_id)


@router.get("/images/{image_id}/scheme")
def get_image_scheme(image_id: int, session: SessionDep) -> dict[str, Any]:
    """The label scheme of the image's project (the default project's LEGUS scheme when it has none)."""
    project = image_project(session, image_id)
    session.commit()  # the default project may just have been created
    return {**project.scheme, "project_id": project.id, "project": project.name}


@router.get("/annotators", response_model=list[AnnotatorPublic])
def get_annotators(session: SessionDep) -> list[Any]:
    return list_annotators(session)


@router.post("/annotators", response_model=AnnotatorPublic)
def post_annotator(body: AnnotatorCreate, session: SessionDep) -> Any:
    """Idempotent: returns the existing annotator of that name, or creates it (kind human)."""
    annotator = get_or_create_annotator(session, body.name, "human")
    session.commit()
    return annotator
