"""Running ``sep.extract`` (SExtractor's thresholding, deblending and cleaning) with its buffers sized for
crowded fields.

sep keeps two global limits: the pixel stack (pixels of all objects above threshold being assembled at once,
300,000 by default as in SExtractor's ``MEMORY_PIXSTACK``) and the number of sub-objects while deblending (1024).
A 4096 x 4096 galaxy image with a bright disc can exceed both. :func:`extract` starts from a stack scaled with
the image (1/16 of its pixels), multiplies a limit by 4 each time sep reports it full, up to a ceiling, and
raises :class:`DetectionBufferError` with what to change if it is still exceeded. The limits are global state of
the sep module, so they are restored afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import sep

from tiles.detect.errors import DetectionBufferError, DetectionError

DEFAULT_KERNEL = np.array([[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]], dtype=np.float32)
"""SExtractor's ``default.conv``: a 3x3 pyramidal approximation of a Gaussian of FWHM 2 px."""

MAX_PIXSTACK = 20_000_000
"""Largest pixel stack tried (sep allocates it up front, about 40 bytes a pixel: 800 MB)."""
MAX_SUB_OBJECTS = 65_536
"""Largest number of deblending sub-objects tried."""
GROWTH = 4

_PIXSTACK_FULL = "pixel buffer full"
_DEBLEND_FULL = "deblending overflow"


def resolve_kernel(filter_kernel: str | np.ndarray | None) -> np.ndarray | None:
    """``"default"`` -> :data:`DEFAULT_KERNEL`, None -> no filtering, an array -> that kernel (float32)."""
    if filter_kernel is None:
        return None
    if isinstance(filter_kernel, str):
        if filter_kernel != "default":
            raise DetectionError(f"unknown filter_kernel {filter_kernel!r}: use 'default' (SExtractor's "
                                 "default.conv), None for no filtering, or a 2-D array")
        return DEFAULT_KERNEL
    kernel = np.ascontiguousarray(filter_kernel, dtype=np.float32)
    if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise DetectionError(f"filter_kernel has shape {kernel.shape}: it must be a 2-D array with odd sides")
    return kernel


@contextmanager
def _limits(pixstack: int, sub_objects: int) -> Iterator[None]:
    old_pixstack, old_sub = sep.get_extract_pixstack(), sep.get_sub_object_limit()
    sep.set_extract_pixstack(int(pixstack))
    sep.set_sub_object_limit(int(sub_objects))
    try:
        yield
    finally:
        sep.set_extract_pixstack(old_pixstack)
        sep.set_sub_object_limit(old_sub)


def extract(data: np.ndarray, err: np.ndarray | float, mask: np.ndarray, threshold: float, minarea: int,
            deblend_nthresh: int, deblend_cont: float, kernel: np.ndarray | None,
            max_pixstack: int = MAX_PIXSTACK, max_sub_objects: int = MAX_SUB_OBJECTS) -> np.ndarray:
    """sep's object table of ``data`` (0-based x, y), threshold in units of ``err``, NaN-masked pixels ignored.

    The convolution is SExtractor's (``filter_type="conv"``), not sep's matched filter, so the result is what
    SExtractor would give with the same settings.
    """
    pixstack = min(max(sep.get_extract_pixstack(), data.size // 16), max_pixstack)
    sub_objects = min(max(sep.get_sub_object_limit(), 1024), max_sub_objects)
    while True:
        try:
            with _limits(pixstack, sub_objects):
                return sep.extract(data, threshold, err=err, mask=mask, minarea=minarea, filter_kernel=kernel,
                                   filter_type="conv", deblend_nthresh=deblend_nthresh,
                                   deblend_cont=deblend_cont)
        except Exception as error:  # sep raises plain Exception with a message
            message = str(error)
            if _PIXSTACK_FULL in message and pixstack < max_pixstack:
                pixstack = min(pixstack * GROWTH, max_pixstack)
            elif _DEBLEND_FULL in message and sub_objects < max_sub_objects:
                sub_objects = min(sub_objects * GROWTH, max_sub_objects)
            elif _PIXSTACK_FULL in message:
                raise DetectionBufferError(
                    f"more than {pixstack:,} pixels lie above the detection threshold at once (sep's pixel "
                    f"buffer is full): raise threshold (now {threshold:g} sigma) or minarea (now {minarea}), "
                    "check that the image is background-subtracted, or detect on a smaller region") from error
            elif _DEBLEND_FULL in message:
                raise DetectionBufferError(
                    f"deblending needs more than {sub_objects:,} sub-objects: lower deblend_nthresh "
                    f"(now {deblend_nthresh}), raise deblend_cont (now {deblend_cont:g}) or the threshold "
                    f"(now {threshold:g} sigma)") from error
            else:
                raise DetectionError(f"source extraction failed: {message}") from error
