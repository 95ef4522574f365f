"""Images: ingest (atomic: files and database row appear together or not at all), lookup, listing, deletion."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from backend.db.session import session_scope
from backend.db.tables import Band, Image, Rendition, utcnow
from backend.errors import ConflictError, InputError, NotFoundError
from backend.services.labelling.projects import default_project
from backend.settings import Settings
from tiles.ingest import BandInput, build_image
from tiles.rendition import parse_recipe

Progress = Callable[[str, float], None]
MAX_NAME = 200
MAX_BAND_NAME = 100


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-")[:60] or "image"


def load_image(session: Session, image_id: int) -> Image:
    image = session.scalars(
        select(Image)
        .where(Image.id == image_id)
        .options(selectinload(Image.bands), selectinload(Image.renditions))
    ).first()
    if image is None:
        raise NotFoundError(f"no image with id {image_id}; GET /api/images lists the ingested images")
    return image


def list_images(session: Session, archived: bool = False) -> list[Image]:
    """The ingested images; archived ones (deleted while labelled) only with ``archived``."""
    query = select(Image).order_by(Image.id).options(selectinload(Image.bands), selectinload(Image.renditions))
    if not archived:
        query = query.where(Image.archived_at.is_(None))
    return list(session.scalars(query))


def find_image_by_name(session: Session, name: str) -> Image | None:
    return session.scalars(select(Image).where(Image.name == name)).first()


def ingest_image(
    settings: Settings,
    sessions: sessionmaker[Session],
    name: str,
    bands: Sequence[BandInput],
    recipes: Sequence[str] = (),
    reproject: bool = False,
    reference_band: str | None = None,
    progress: Progress | None = None,
) -> int:
    """Ingest FITS bands as image ``name``; returns the new image id.

    The COGs are built in a temporary folder by :func:`tiles.ingest.build_image` and moved into place; the
    database row is written only after that, and the folder is removed again if the row cannot be written.
    """
    name = name.strip()
    if not name:
        raise ConflictError("an image needs a non-empty name (--name)")
    if len(name) > MAX_NAME:  # the column's limit: checked before any COG is built
        raise InputError(f"image name is {len(name)} characters long: at most {MAX_NAME}")
    long_bands = [band.name for band in bands if len(band.name) > MAX_BAND_NAME]
    if long_bands:  # a band's name also names its grey rendition (same column limit)
        raise InputError(f"band name {long_bands[0][:20]!r}... is {len(long_bands[0])} characters long: at most "
                         f"{MAX_BAND_NAME}")
    with session_scope(sessions) as session:
        existing = find_image_by_name(session, name)
        if existing is not None:
            raise ConflictError(
                f"an image named {name!r} already exists (id {existing.id}); choose another name or delete it"
            )
    parsed = [parse_recipe(spec) for spec in recipes]
    settings.ensure_dirs()
    folder = settings.images_dir / f"{_slug(name)}-{uuid.uuid4().hex[:8]}"
    manifest = build_image(
        list(bands), folder, recipes=parsed or None, reproject=reproject,
        reference_band=reference_band, progress=progress,
    )
    try:
        with session_scope(sessions) as session:
            image = _image_from_manifest(name, folder.relative_to(settings.data_dir), manifest)
            image.project_id = default_project(session).id  # its label scheme until moved to another project
            session.add(image)
            session.flush()
            return image.id
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _image_from_manifest(name: str, folder: Path, manifest: dict) -> Image:
    renditions = manifest["renditions"]
    ny, nx = manifest["shape"]
    image = Image(
        name=name, width=int(nx), height=int(ny), folder=str(folder),
        wcs_header=manifest.get("wcs_header"), default_rendition=manifest["default_rendition"],
        warnings=list(manifest.get("warnings", [])),
    )
    for i, b in enumerate(manifest["bands"]):
        image.bands.append(Band(
            position=i, name=b["name"], cog=b["cog"], filter=b.get("filter"), bunit=b.get("bunit"),
            photflam=b.get("photflam"), photplam=b.get("photplam"), exptime=b.get("exptime"),
            calibrated=bool(b.get("calibrated")), source_file=b.get("source_file"), stats=b["stats"],
        ))
    for i, r in enumerate(renditions):
        image.renditions.append(Rendition(
            position=i, name=r["name"], title=r.get("title") or r["name"], kind=r["kind"],
            channels=r["channels"], calibrated=bool(r.get("calibrated")), cog=r["cog"], stats=r["stats"],
        ))
    return image


def delete_image(settings: Settings, sessions: sessionmaker[Session], image_id: int) -> str:
    """Delete an image with its files; one that people labelled is archived instead (hidden, files and labels
    kept, still exportable, restorable). Returns ``"deleted"`` or ``"archived"``."""
    with session_scope(sessions) as session:
        image = load_image(session, image_id)
        if _human_labels(session, image_id):
            if image.archived_at is None:
                image.archived_at = utcnow()
            return "archived"
        folder = settings.data_dir / image.folder
        session.delete(image)
    shutil.rmtree(folder, ignore_errors=True)
    return "deleted"


def restore_image(session: Session, image_id: int) -> Image:
    image = load_image(session, image_id)
    if image.archived_at is None:
        raise ConflictError(f"image {image_id} ({image.name}) is not archived")
    image.archived_at = None
    session.flush()
    return image


def _human_labels(session: Session, image_id: int) -> bool:
    from backend.db.annotations import Annotation, Annotator

    return session.execute(
        select(Annotation.id).join(Annotator, Annotator.id == Annotation.annotator_id)
        .where(Annotation.image_id == image_id, Annotator.kind == "human").limit(1)
    ).first() is not None
