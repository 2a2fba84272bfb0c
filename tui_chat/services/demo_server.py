"""An offline OpenAI-compatible HTTP server: the built-in demo model and the loopback server of tests."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import signal
import threading
from contextlib import suppress
from typing import Any

from tui_chat.services.demo_corpus import markdown_corpus, split_tokens
from tui_chat.services.demo_http import BadRequest, read_request, send_json
from tui_chat.services.demo_protocol import LoggedRequest, Script, error_body
from tui_chat.services.demo_routes import DemoRouter

__all__ = ["DemoServer", "LoggedRequest", "Script", "main", "markdown_corpus", "split_tokens"]

HOST = "127.0.0.1"
DEFAULT_TOKENS_PER_SECOND: dict[str, float | None] = {"demo": 60.0, "demo-fast": None}
THREAD_TIMEOUT = 10.0
CLOSE_TIMEOUT = 1.0
logger = logging.getLogger(__name__)


class DemoServer:
    """Serves the demo models over HTTP/1.1 on 127.0.0.1, from a background thread or the caller's loop."""

    def __init__(
        self,
        host: str = HOST,
        port: int = 0,
        *,
        api_key: str | None = None,
        tokens_per_second: dict[str, float | None] | None = None,
        control: bool = False,
    ) -> None:
        if host not in (HOST, "localhost"):
            raise ValueError("the demo server only binds 127.0.0.1")
        self._requested_port = port
        # Paces per model id (None is unthrottled), merged into the defaults; new ids become extra models.
        self._router = DemoRouter(
            api_key=api_key,
            tokens_per_second={**DEFAULT_TOKENS_PER_SECOND, **(tokens_per_second or {})},
            control=control,
        )
        self._connection_ids = itertools.count(1)
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

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the requests received so far, oldest first; /_demo/ routes are not logged."""
        return self._router.requests

    def clear_log(self) -> None:
        """Forget the requests received so far."""
        self._router.clear_log()

    def enqueue(self, script: Script) -> None:
        """Make a coming /chat/completions request (first in, first out) behave as the script says."""
        self._router.enqueue(script)

    def reset(self) -> None:
        """Forget the request log and every queued script."""
        self._router.reset()

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
        connection_id = next(self._connection_ids)
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
                keep_alive = await self._router.dispatch(request, writer, connection_id) and request.keep_alive
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        except Exception:
            logger.exception("demo server connection failed")
        finally:
            self._connections.pop(task, None)
            writer.close()


async def _serve_until_signalled(server: DemoServer) -> None:
    print(await server.start_async(), flush=True)
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal_number, stop_requested.set)
    try:
        await stop_requested.wait()
    finally:
        await server.stop_async()


def main(argv: list[str] | None = None) -> int:
    """Serve the demo models in the foreground, printing the base URL as the first line of output."""
    parser = argparse.ArgumentParser(prog="python -m tui_chat.services.demo_server", description=main.__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--control", action="store_true", help="enable the /_demo/ script and log routes")
    parser.add_argument("--api-key", default=None, help="require this Bearer key on /v1 routes")
    args = parser.parse_args(argv)
    server = DemoServer(port=args.port, api_key=args.api_key, control=args.control)
    with suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_signalled(server))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
