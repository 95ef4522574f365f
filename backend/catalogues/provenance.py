"""Who made an exported catalogue, from what, with which labelling scheme: written into every export
(table meta, FITS header cards, VOTable INFO elements, GeoJSON top level, DS9/CSV comment lines) so that a
published catalogue says where its classes came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata


def software_version() -> str:
    """``skylabel <version>`` of the installed distribution (``unknown`` when run from a bare checkout)."""
    try:
        return f"skylabel {metadata.version('skylabel')}"
    except metadata.PackageNotFoundError:
        return "skylabel unknown"


@dataclass(frozen=True)
class Provenance:
    """``classes`` lists the scheme's class names in order; ``exported_at`` defaults to now (UTC)."""

    scheme: str | None = None
    classes: tuple[str, ...] = ()
    exported_by: str | None = None
    exported_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    image: str | None = None
    software: str = field(default_factory=software_version)

    def items(self) -> dict[str, str]:
        """Flat string pairs (empty members left out), the form every writer stores."""
        pairs = {
            "scheme": self.scheme,
            "classes": ",".join(self.classes) if self.classes else None,
            "exported_by": self.exported_by,
            "exported_at": self.exported_at.isoformat(),
            "image": self.image,
            "software": self.software,
        }
        return {k: v for k, v in pairs.items() if v}

    @classmethod
    def from_items(cls, pairs: dict[str, object]) -> Provenance:
        """Inverse of :meth:`items` (unknown keys ignored), used when re-importing our own exports."""
        when = pairs.get("exported_at")
        try:
            exported_at = datetime.fromisoformat(str(when)) if when else datetime.now(UTC)
        except ValueError:
            exported_at = datetime.now(UTC)
        classes = str(pairs.get("classes") or "")
        return cls(
            scheme=_text(pairs.get("scheme")),
            classes=tuple(c for c in classes.split(",") if c),
            exported_by=_text(pairs.get("exported_by")),
            exported_at=exported_at,
            image=_text(pairs.get("image")),
            software=_text(pairs.get("software")) or software_version(),
        )


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)
