"""Who is calling: the annotator name a request acts as.

With accounts the caller is who the session or token says (:class:`backend.auth.caller.Caller`, set by
:mod:`backend.api.guard`): the ``annotator`` query parameter and the ``X-Skylabel-Annotator`` header are ignored,
so nobody can read a blind round as someone else. In local mode (one trusted desk) they still name the annotator
for reads that depend on who asks (a round's queue, blind views).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

HEADER = "X-Skylabel-Annotator"


def caller_name(request: Request,
                annotator: Annotated[str | None, Query(description="who is asking (until accounts)")] = None,
                ) -> str | None:
    caller = getattr(request.state, "caller", None)
    if caller is not None and not caller.local:
        return caller.username  # type: ignore[no-any-return]
    name = annotator or request.headers.get(HEADER)
    return name.strip() or None if name else None


CallerDep = Annotated[str | None, Depends(caller_name)]
