"""Domain exceptions of source detection (:mod:`tiles.detect.pipeline`).

They derive from :class:`tiles.errors.TilesError`, so the web layer maps them like every other imaging error;
``str(error)`` says what is wrong and what to change.
"""

from __future__ import annotations

from tiles.errors import TilesError


class DetectionError(TilesError):
    """Detection cannot run on these inputs: unknown or mismatched bands, bad parameters, unreadable COG."""


class DetectionBufferError(DetectionError):
    """``sep`` ran out of its pixel buffer or deblending sub-objects even at the largest allowed size."""
