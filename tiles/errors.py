"""Domain exceptions of the imaging package.

Every exception derives from :class:`TilesError`; its ``str()`` is the message shown to the user, so it must
say what is wrong and what to do about it. The web layer maps these classes to HTTP statuses in one place.
"""

from __future__ import annotations


class TilesError(Exception):
    """Base class: ``str(error)`` is a user-facing message."""


class FitsReadError(TilesError):
    """A FITS file is malformed or unreadable, has no 2-D image HDU, or the named HDU is missing."""


class GridMismatchError(TilesError):
    """Bands do not share one pixel grid (shape or WCS differ) and resampling was not requested."""


class RecipeError(TilesError):
    """A rendition recipe is malformed or names a band that is not in the image."""


class NoCelestialWcsError(TilesError):
    """The image has no celestial WCS, so pixel <-> sky conversions are impossible."""


class StretchParameterError(TilesError):
    """Stretch query parameters are invalid (unknown stretch, percentiles out of range, ...)."""


class TileOutsideError(TilesError):
    """A requested tile lies outside the image."""


class ImageTooLargeError(TilesError):
    """The image exceeds a configured size limit."""


class BandNameError(TilesError):
    """A band name is empty, repeated, unsafe as a file name, or not one of the image's bands."""
