"""Domain exceptions of the learning library.

Every error raised by ``models`` derives from :class:`ModelsError`, so a caller (the web app, a notebook)
can catch one class; messages say what was wrong and what to do about it.
"""

from __future__ import annotations


class ModelsError(Exception):
    """Base class of every error raised by the ``models`` package."""


class CutoutError(ModelsError):
    """Bands or source positions cannot be cut (shapes disagree, not 2-D, no sources)."""


class ConfigError(ModelsError):
    """A configuration value is out of range or names something that does not exist."""


class LabelError(ModelsError):
    """Labels are inconsistent with the sources or the classes (unknown class, index out of range)."""


class CheckpointError(ModelsError):
    """A checkpoint or saved session is missing, of the wrong format, or does not match the data."""


class AcquisitionError(ModelsError):
    """An acquisition request cannot be met (unknown strategy, more picks than unlabelled sources)."""
