"""A minimal keep-alive HTTP/1.1 client (GET, and POST of a JSON body) on asyncio streams.

The benchmark client shares 2 cores with the server it measures, so it must cost as little CPU as possible:
no HTTP library, just a request line, header parsing and a body read by Content-Length.
"""

from __future__ import annotations

import asyncio
import time


class HttpClient:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> None:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)

    async def get(self, path: str) -> tuple[int, bytes, float]:
        """GET ``path``; returns (status, body, seconds)."""
        return await self.request("GET", path)

    async def post_json(self, path: str, body: bytes) -> tuple[int, bytes, float]:
        """POST ``body`` (JSON) to ``path``; returns (status, body, seconds)."""
        return await self.request("POST", path, body)

    async def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        if self._writer is None:
            await self._connect()
        assert self._reader is not None and self._writer is not None
        start = time.perf_counter()
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self._writer.write(head.encode() + b"\r\n" + (body or b""))
        await self._writer.drain()
        status_line = await self._reader.readline()
        status = int(status_line.split()[1])
        length = 0
        chunked = False
        while True:
            line = await self._reader.readline()
            if line in (b"\r\n", b""):
                break
            key, _, value = line.decode("latin-1").partition(":")
            key = key.strip().lower()
            if key == "content-length":
                length = int(value)
            elif key == "transfer-encoding" and "chunked" in value:
                chunked = True
        answer = await self._read_chunked() if chunked else await self._reader.readexactly(length)
        return status, answer, time.perf_counter() - start

    async def _read_chunked(self) -> bytes:
        assert self._reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self._reader.readline()).strip(), 16)
            if size == 0:
                await self._reader.readline()
                return b"".join(parts)
            parts.append(await self._reader.readexactly(size))
            await self._reader.readline()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
            self._writer = None
