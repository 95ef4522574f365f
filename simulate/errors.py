"""Domain exceptions of the galaxy simulator; ``str(error)`` is the message shown to the user."""

from __future__ import annotations

from tiles.errors import TilesError


class SimulationError(TilesError):
    """A simulation cannot run as asked (size too small, output folder not usable, bad parameter)."""


class PriorsError(TilesError):
    """The LEGUS priors file or the LEGUS catalogues it is derived from are missing or malformed."""
