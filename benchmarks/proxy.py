"""A loopback TCP proxy that delays each request's arrival by a random time (jitter).

Used by the saturation benchmark (measure 1, under jitter): a request leaves the client
on time but reaches the server ``uniform(low, high)`` seconds later, as over a real
network whose latency varies. Responses pass through undelayed.

Bytes from the client are forwarded in order, each chunk no earlier than its own delay
after it was read. An HTTP/1.1 client sends its next request on a connection only after
the previous response, and a GET request is one small write, so each chunk is one
request and each request gets its own delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Coroutine
from types import TracebackType
from typing import Any

__all__ = ["JitterProxy"]


class JitterProxy:
    """``async with JitterProxy(upstream_port, (0.0, 0.030), seed=1) as p:`` then send
    to ``p.url`` (127.0.0.1 only)."""

    def __init__(self, upstream_port: int, delay: tuple[float, float], *, seed: int = 0) -> None:
        self._upstream = upstream_port
        self._low, self._high = delay
        self._rng = random.Random(seed)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.url = ""
        #: The delays drawn, in order (one per forwarded chunk).
        self.delays: list[float] = []

    async def __aenter__(self) -> JitterProxy:
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _connection(
        self, c_reader: asyncio.StreamReader, c_writer: asyncio.StreamWriter
    ) -> None:
        try:
            s_reader, s_writer = await asyncio.open_connection("127.0.0.1", self._upstream)
        except OSError:
            c_writer.close()
            return
        queue: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        self._spawn(self._read_requests(c_reader, queue))
        self._spawn(self._forward_requests(queue, s_writer))
        self._spawn(self._pipe(s_reader, c_writer))

    async def _read_requests(
        self, reader: asyncio.StreamReader, queue: asyncio.Queue[tuple[float, bytes] | None]
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            while chunk := await reader.read(65536):
                delay = self._rng.uniform(self._low, self._high)
                self.delays.append(delay)
                queue.put_nowait((loop.time() + delay, chunk))
        except ConnectionError:
            pass
        finally:
            queue.put_nowait(None)

    @staticmethod
    async def _forward_requests(
        queue: asyncio.Queue[tuple[float, bytes] | None], writer: asyncio.StreamWriter
    ) -> None:
        loop = asyncio.get_running_loop()
        try:
            while (item := await queue.get()) is not None:
                due, chunk = item
                if (wait := due - loop.time()) > 0:
                    await asyncio.sleep(wait)
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
