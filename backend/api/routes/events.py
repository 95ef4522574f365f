"""``GET /api/images/{id}/events``: the image's live events as server-sent events (``text/event-stream``).

Events: ``scores`` ``{model_version, version, changed: [source ids] | "all", n_changed}`` (fetch the new
predictions), ``task`` ``{id, name, status, progress, message}``, ``labels`` ``{source_id, label_class}``
(another annotator's label), ``resync`` (events were dropped: refetch). A comment line every
:data:`KEEPALIVE_S` seconds keeps proxies from closing an idle stream. The browser's ``EventSource``
reconnects by itself after a network failure.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from backend.services.labelling.layers import require_image
from backend.worker.events import EventHub

router = APIRouter(tags=["events"])
KEEPALIVE_S = 15.0


def _check_image(request: Request, image_id: int) -> None:
    with request.app.state.sessions() as session:
        require_image(session, image_id)


@router.get("/images/{image_id}/events", response_class=StreamingResponse)
async def get_events(image_id: int, request: Request) -> StreamingResponse:
    """Stream the image's ``scores``, ``task`` and ``labels`` events until the client goes away."""
    await run_in_threadpool(_check_image, request, image_id)
    hub: EventHub = request.app.state.events_hub
    subscription = hub.subscribe(image_id)
    request.app.state.live.map_opened(image_id)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n: connected\n\n"
            while True:
                try:
                    event = await asyncio.wait_for(subscription.queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield ": keep-alive\n\n"
                    continue
                yield event.sse()
        finally:
            hub.unsubscribe(subscription)

    return StreamingResponse(stream(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
