"""An offline OpenAI-compatible HTTP server on 127.0.0.1: the built-in demo provider's models."""

from __future__ import annotations

import asyncio
import logging
import threading
from contextlib import suppress
from typing import Any

from tui_chat.demo.http import BadRequest, read_request, send_json
from tui_chat.demo.protocol import error_body
from tui_chat.demo.routes import DemoRouter

HOST = "127.0.0.1"
DEFAULT_TOKENS_PER_SECOND: dict[str, float | None] = {
    "demo": 60.0,
    "demo-fast": None,
    "demo-think": 60.0,
    "demo-think-inline": 60.0,
}
THREAD_TIMEOUT = 10.0
CLOSE_TIMEOUT = 1.0
logger = logging.getLogger(__name__)


class DemoServer:
    """Serves the demo models over HTTP/1.1 on 127.0.0.1, from a background thread or the caller's loop."""

    router_class: type[DemoRouter] = DemoRouter
    """What answers each request; a subclass may answer some requests its own way."""

    def __init__(
        self,
        host: str = HOST,
        port: int = 0,
        *,
        api_key: str | None = None,
        tokens_per_second: dict[str, float | None] | None = None,
    ) -> None:
        if host not in (HOST, "localhost"):
            raise ValueError("the demo server only binds 127.0.0.1")
        self._requested_port = port
        # Paces per model id (None is unthrottled), merged into the defaults; new ids become extra models.
        self._router = self.router_class(
            api_key=api_key, tokens_per_second={**DEFAULT_TOKENS_PER_SECOND, **(tokens_per_second or {})}
        )
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self._server: asyncio.Server | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_requested: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._port is None:
            raise RuntimeError("the demo server has not been started")
        return self._port

    @property
    def base_url(self) -> str:
        """The base URL to give an OpenAI client."""
        return f"http://{HOST}:{self.port}/v1"

    @property
    def models(self) -> list[str]:
        """The ids of the models this server answers for."""
        return self._router.models

    def start(self) -> str:
        """Serve from a daemon thread with its own event loop and return the base URL once listening."""
        if self._thread is not None:
            raise RuntimeError("the demo server is already running")
        ready = threading.Event()
        failures: list[BaseException] = []
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._serve_in_thread(ready, failures)), name="demo-server", daemon=True
        )
        self._thread.start()
        if not ready.wait(THREAD_TIMEOUT) or failures:
            self.stop()
            raise failures[0] if failures else RuntimeError("the demo server did not start in time")
        return self.base_url

    def stop(self) -> None:
        """Close the server and every open connection, and wait for the thread to end."""
        thread, loop, stop_requested = self._thread, self._loop, self._stop_requested
        if thread is None:
            return
        if loop is not None and stop_requested is not None:
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(stop_requested.set)
        thread.join(THREAD_TIMEOUT)
        self._thread = None

    async def start_async(self) -> str:
        """Serve in the running event loop and return the base URL."""
        if self._server is not None:
            raise RuntimeError("the demo server is already running")
        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        self._server = await asyncio.start_server(self._handle_connection, HOST, self._requested_port)
        self._port = self._server.sockets[0].getsockname()[1]
        return self.base_url

    async def stop_async(self) -> None:
        """Close the server and every open connection."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        for task, writer in list(self._connections.items()):
            writer.transport.abort()
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(server.wait_closed(), CLOSE_TIMEOUT)

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def _serve_in_thread(self, ready: threading.Event, failures: list[BaseException]) -> None:
        try:
            await self.start_async()
        except BaseException as error:
            failures.append(error)
            return
        finally:
            ready.set()
        assert self._stop_requested is not None
        await self._stop_requested.wait()
        await self.stop_async()

    async def _handle_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self._server is None:
            writer.transport.abort()
            return
        self._connections[task] = writer
        try:
            keep_alive = True
            while keep_alive:
                try:
                    request = await read_request(reader, writer)
                except BadRequest as error:
                    await send_json(writer, 400, error_body(str(error), "invalid_request_error"), keep_alive=False)
                    break
                if request is None:
                    break
                keep_alive = await self._router.dispatch(request, writer) and request.keep_alive
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception:
            logger.exception("demo server connection failed")
        finally:
            self._connections.pop(task, None)
            writer.close()
