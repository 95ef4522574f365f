"""Who is calling: the annotator name a request acts as.

Until accounts exist the browser sends its annotator name with each label (``annotator`` in the body) and,
for reads that depend on who asks (a round's queue, blind views), as the ``annotator`` query parameter or the
``X-Skylabel-Annotator`` header. This is the one place that answers "who is it", so sessions replace it in
one edit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request

HEADER = "X-Skylabel-Annotator"


def caller_name(request: Request,
                annotator: Annotated[str | None, Query(description="who is asking (until accounts)")] = None,
                ) -> str | None:
    name = annotator or request.headers.get(HEADER)
    return name.strip() or None if name else None


CallerDep = Annotated[str | None, Depends(caller_name)]
