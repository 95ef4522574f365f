"""Live events of an image (``scores``, ``task``, ``labels``) for every open map, over server-sent events.

- :class:`EventHub` is the in-process pub/sub of the embedded default: one bounded asyncio queue per
  subscriber (an open ``GET /api/images/{id}/events``); :meth:`EventHub.publish` may be called from any
  thread (worker threads, request threads) and hands the event to each subscriber's loop thread-safely.
- :class:`RedisEvents` is used when ``SKYLABEL_BROKER_URL`` is set: publishers (the API and the Celery
  workers) send to the Redis channel ``skylabel:events:<image_id>``, and each API process runs one bridge
  thread that receives every image's channel and feeds its own hub, so a map connected to any API process
  sees events from every worker.

Event payloads are JSON-able dicts; a subscriber too slow to keep 1000 events queued loses the oldest and
gets a ``resync`` event telling it to refetch.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("skylabel.events")
CHANNEL_PREFIX = "skylabel:events:"
QUEUE_SIZE = 1000


@dataclass(frozen=True)
class Event:
    image_id: int
    kind: str
    data: dict[str, Any]
    seq: int = 0

    def sse(self) -> str:
        """The event as one server-sent-events message (``event:``, ``id:``, one ``data:`` line)."""
        return f"event: {self.kind}\nid: {self.seq}\ndata: {json.dumps(self.data, default=str)}\n\n"


class Publisher(Protocol):
    def publish(self, image_id: int, kind: str, data: dict[str, Any]) -> None: ...


@dataclass(eq=False)
class Subscription:
    image_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Event] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))

    def _offer(self, event: Event) -> None:  # runs on the subscriber's loop
        if self.queue.full():
            self.queue.get_nowait()
            event = Event(event.image_id, "resync", {"reason": "too many events queued: refetch"}, event.seq)
        self.queue.put_nowait(event)


class EventHub:
    """In-process fan-out of an image's events to its subscribers (thread-safe publish)."""

    def __init__(self) -> None:
        self._subs: dict[int, set[Subscription]] = {}
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def subscribe(self, image_id: int) -> Subscription:
        """Called on the event loop that will read the subscription's queue."""
        sub = Subscription(image_id, asyncio.get_running_loop())
        with self._lock:
            self._subs.setdefault(image_id, set()).add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.image_id)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.image_id]

    def subscribers(self, image_id: int) -> int:
        with self._lock:
            return len(self._subs.get(image_id, ()))

    def publish(self, image_id: int, kind: str, data: dict[str, Any]) -> None:
        event = Event(image_id, kind, data, next(self._seq))
        with self._lock:
            targets = list(self._subs.get(image_id, ()))
        for sub in targets:
            try:
                sub.loop.call_soon_threadsafe(sub._offer, event)
            except RuntimeError:  # its loop is closed: the connection is gone
                self.unsubscribe(sub)


class NullPublisher:
    """For synchronous CLI runs without a broker: nobody is listening."""

    def publish(self, image_id: int, kind: str, data: dict[str, Any]) -> None:
        return None


class RedisEvents:
    """Publish to Redis; optionally bridge every image's channel into a local :class:`EventHub`."""

    def __init__(self, url: str) -> None:
        import redis

        self.url = url
        self._redis = redis.Redis.from_url(url)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def publish(self, image_id: int, kind: str, data: dict[str, Any]) -> None:
        message = json.dumps({"kind": kind, "data": data}, default=str)
        try:
            self._redis.publish(f"{CHANNEL_PREFIX}{image_id}", message)
        except Exception as error:  # a lost event must never fail the task or the label that caused it
            log.warning("could not publish %s event of image %s to %s: %s", kind, image_id, self.url, error)

    def bridge(self, hub: EventHub) -> None:
        """Start the thread feeding ``hub`` from Redis (idempotent)."""
        if self._thread is not None:
            return
        ready = threading.Event()
        self._thread = threading.Thread(target=self._listen, args=(hub, ready), name="skylabel-events",
                                        daemon=True)
        self._thread.start()
        ready.wait(5)

    def _listen(self, hub: EventHub, ready: threading.Event) -> None:
        while not self._stop.is_set():
            try:
                pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
                pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                ready.set()
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=0.5)
                    if message is not None:
                        self._forward(hub, message)
                pubsub.close()
            except Exception as error:  # Redis went away: retry, the maps get events again when it is back
                log.warning("event bridge lost %s (%s); reconnecting", self.url, error)
                ready.set()
                self._stop.wait(1.0)

    @staticmethod
    def _forward(hub: EventHub, message: dict[str, Any]) -> None:
        channel = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
        try:
            image_id = int(channel.removeprefix(CHANNEL_PREFIX))
            body = json.loads(message["data"])
            hub.publish(image_id, str(body["kind"]), dict(body["data"]))
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignored malformed event on %s: %s", channel, error)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._thread = None
        self._redis.close()
