"""``GET /api/images/{id}/events``: the image's live events as server-sent events (``text/event-stream``).

Events: ``scores`` ``{model_version, version, changed: [source ids] | "all", n_changed}`` (fetch the new
predictions), ``task`` ``{id, name, status, progress, message}`` (``probe_accuracy`` done: the model's
accuracy is known), ``labels`` ``{source_id, label_class}`` (another annotator's label), ``resync`` (events
were dropped: refetch), and first ``hello`` ``{annotation_id}`` (the image's newest annotation: a map
whose stream was down catches up with ``GET .../annotations?after_id=``, see ``labels``' ``annotation_id``).
The stream is ``sse-starlette``'s: a comment every :data:`KEEPALIVE_S` seconds
keeps proxies from closing an idle stream, a client that goes away ends it, and so does a server shutdown.
The browser's ``EventSource`` reconnects by itself after a network failure.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sse_starlette import EventSourceResponse, ServerSentEvent

from backend.api.deps import EventsDep, LiveDep, SessionsDep
from backend.services.labelling.annotations import latest_annotation_id
from backend.services.labelling.layers import require_image

router = APIRouter(tags=["events"])
KEEPALIVE_S = 15.0
RETRY_MS = 2000


@router.get("/images/{image_id}/events", response_class=EventSourceResponse)
async def get_events(image_id: int, sessions: SessionsDep, hub: EventsDep, live: LiveDep) -> EventSourceResponse:
    """Stream the image's ``scores``, ``task`` and ``labels`` events until the client goes away."""
    def check() -> int:
        with sessions() as session:
            require_image(session, image_id)
            return latest_annotation_id(session, image_id)

    newest = await run_in_threadpool(check)
    subscription = hub.subscribe(image_id)
    live.map_opened(image_id)

    async def stream() -> AsyncIterator[ServerSentEvent]:
        try:
            yield ServerSentEvent(comment="connected", retry=RETRY_MS)
            yield ServerSentEvent(data=json.dumps({"annotation_id": newest}), event="hello")
            while True:
                event = await subscription.queue.get()
                yield ServerSentEvent(data=json.dumps(event.data, default=str), event=event.kind,
                                      id=str(event.seq))
        finally:
            hub.unsubscribe(subscription)

    return EventSourceResponse(stream(), ping=int(KEEPALIVE_S), headers={"Cache-Control": "no-cache",
                                                                          "X-Accel-Buffering": "no"})
