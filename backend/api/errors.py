"""One map from exception class to HTTP status (titiler's habit), instead of try/except in every endpoint."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from backend.auth.throttle import TooManyLoginsError
from backend.errors import (
    AuthenticationError,
    ConflictError,
    ForbiddenError,
    InputError,
    NotFoundError,
    PermissionDeniedError,
    SkylabelError,
    UploadTooLargeError,
)
from tiles.errors import (
    FitsReadError,
    GridMismatchError,
    NoCelestialWcsError,
    RecipeError,
    StretchParameterError,
    TileOutsideError,
    TilesError,
)

log = logging.getLogger("skylabel.api")

STATUS_BY_ERROR: dict[type[Exception], int] = {
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ForbiddenError: 403,
    TileOutsideError: 404,
    ConflictError: 409,
    NoCelestialWcsError: 409,
    UploadTooLargeError: 413,
    TooManyLoginsError: 429,
    InputError: 422,
    StretchParameterError: 422,
    RecipeError: 422,
    FitsReadError: 422,
    GridMismatchError: 422,
}


def status_for(error: Exception) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 422 if isinstance(error, TilesError | SkylabelError) else 500


def _describe_validation(error: RequestValidationError) -> str:
    parts = []
    for item in error.errors():
        where = " ".join(str(p) for p in item.get("loc", ()) if p not in ("body",))
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(_: Request, exc: Exception) -> JSONResponse:
        status = status_for(exc)
        if status >= 500:
            log.exception("unexpected domain error", exc_info=exc)
        retry = getattr(exc, "retry_after", None)
        return JSONResponse({"detail": str(exc)}, status_code=status,
                            headers={"Retry-After": str(retry)} if isinstance(retry, int) else None)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse({"detail": _describe_validation(exc)}, status_code=422)

    app.add_exception_handler(TilesError, domain_error)
    app.add_exception_handler(SkylabelError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
