"""Domain errors of the web application; :mod:`backend.api.errors` maps every one to an HTTP status.

``str(error)`` is the message shown to the user: it says what is wrong and what to do.
"""

from __future__ import annotations


class SkylabelError(Exception):
    """Base of the application's own errors."""


class NotFoundError(SkylabelError):
    """An id names nothing (404)."""


class ForbiddenError(SkylabelError):
    """The caller may not do this, e.g. vote on a source a round did not assign them (403)."""


class ConflictError(SkylabelError):
    """The request clashes with existing state, e.g. a duplicate image name (409)."""


class InputError(SkylabelError):
    """The request is well-formed but its content is unusable (422)."""


class UploadTooLargeError(SkylabelError):
    """An upload exceeds ``SKYLABEL_MAX_UPLOAD_MB`` (413)."""


class AuthenticationError(SkylabelError):
    """No valid session or token, or a wrong password (401)."""


class PermissionDeniedError(SkylabelError):
    """The caller's role does not allow this (403)."""


class StartupRefusedError(SkylabelError):
    """The server cannot start as configured (e.g. accounts mode without an owner)."""
