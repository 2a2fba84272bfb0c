"""The demo server as every network test's loopback endpoint: scripts, a request log and /_demo/ control routes."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import itertools
import threading
import time
import weakref
from typing import Any

from tests.loopback import faults
from tests.loopback.billing import Billing
from tests.loopback.script import LoggedRequest, Script, default_error_body
from tui_chat.demo import tool_calls
from tui_chat.demo.http import HttpRequest, send_body, send_json
from tui_chat.demo.protocol import error_body, parse_json
from tui_chat.demo.routes import DemoRouter, request_id_header, steady_rate
from tui_chat.demo.server import DemoServer

CONTROL_ROUTES = {("POST", "/_demo/script"), ("GET", "/_demo/requests"), ("POST", "/_demo/reset")}


class LoopbackRouter(DemoRouter):
    """The demo routes, plus queued scripts for chat requests, a request log and (when enabled) control routes."""

    def __init__(self, *, api_key: str | None, tokens_per_second: dict[str, float | None]) -> None:
        super().__init__(api_key=api_key, tokens_per_second=tokens_per_second)
        self.control_enabled = False
        self._lock = threading.Lock()
        self._scripts: collections.deque[Script] = collections.deque()
        self._requests: list[LoggedRequest] = []
        self._next_connection_id = itertools.count(1)
        self._connection_ids: weakref.WeakKeyDictionary[asyncio.StreamWriter, int] = weakref.WeakKeyDictionary()
        self.billing = Billing()

    @property
    def requests(self) -> list[LoggedRequest]:
        """A snapshot of the logged requests, oldest first."""
        with self._lock:
            return list(self._requests)

    def clear_log(self) -> None:
        """Forget the logged requests."""
        with self._lock:
            self._requests.clear()

    def enqueue(self, script: Script) -> int:
        """Queue a script for a coming chat request and return how many are queued."""
        with self._lock:
            self._scripts.append(script)
            return len(self._scripts)

    def reset(self) -> None:
        """Forget the logged requests and the queued scripts."""
        with self._lock:
            self._requests.clear()
            self._scripts.clear()
        self.billing.reset()

    async def dispatch(self, request: HttpRequest, writer: asyncio.StreamWriter) -> bool:
        """Answer a control route, or log the request and answer it as the demo server (or a script) does."""
        if request.path.startswith("/_demo/"):
            if self.control_enabled:
                await self._control(request, writer)
                return True
            return await super().dispatch(request, writer)
        if writer not in self._connection_ids:
            self._connection_ids[writer] = next(self._next_connection_id)
        logged = LoggedRequest(
            request.method,
            request.path,
            dict(request.headers),
            parse_json(request.body),
            time.time(),
            self._connection_ids[writer],
        )
        with self._lock:
            self._requests.append(logged)
        if self.billing.handles(request.method, request.path):
            status, body = self.billing.answer(request.target, request.headers)
            await send_json(writer, status, body, keep_alive=request.keep_alive)
            return request.keep_alive
        keep_alive = await super().dispatch(request, writer)
        if request.method == "POST" and request.path == "/v1/chat/completions":
            self._mark_finished(logged)
        return keep_alive

    async def answer_chat(self, request: HttpRequest, payload: Any, writer: asyncio.StreamWriter) -> bool:
        """Answer a chat request as the next queued script says, or as the demo model does."""
        with self._lock:
            script = self._scripts.popleft() if self._scripts else Script()
        if script.first_byte_delay > 0:
            await asyncio.sleep(script.first_byte_delay)
        if script.replaces_response:
            await self._send_scripted(writer, request, script)
            return True
        if script == Script():
            return await super().answer_chat(request, payload, writer)
        if await self.rejected(request, payload, writer):
            return True
        from tui_chat.demo.content import last_user_text, reply_for_prompt

        text = script.text if script.text is not None else reply_for_prompt(last_user_text(payload["messages"]))
        text = "" if script.tool_calls is not None and script.text is None else text
        pace = (
            self.pace(payload["model"]) if script.tokens_per_second is None else steady_rate(script.tokens_per_second)
        )
        plan = faults.scripted_plan(self.plan_reply(payload, text, pace), script)
        headers = {**request_id_header(), **script.headers}
        if script.tool_calls is not None:
            plan = faults.scripted_plan(tool_calls.with_call_usage(plan, script.tool_calls), script)
            return await tool_calls.send_tool_calls(
                writer,
                plan,
                script.tool_calls,
                headers,
                keep_alive=request.keep_alive,
                stream=bool(payload.get("stream")),
                chunk=script.argument_chunk,
            )
        send = faults.stream_completion if payload.get("stream") else faults.send_completion
        return await send(writer, plan, script, headers, keep_alive=request.keep_alive)

    def _mark_finished(self, logged: LoggedRequest) -> None:
        with self._lock:
            for index, entry in enumerate(self._requests):
                if entry is logged:
                    self._requests[index] = dataclasses.replace(logged, finished_at=time.time())
                    break

    async def _send_scripted(self, writer: asyncio.StreamWriter, request: HttpRequest, script: Script) -> None:
        status = script.status if script.status is not None else 200
        body = script.body if script.body is not None else (default_error_body(status) if status >= 400 else {})
        headers = {**request_id_header(), **script.headers}
        if isinstance(body, str):
            await send_body(
                writer,
                status,
                body.encode(),
                content_type="text/plain; charset=utf-8",
                keep_alive=request.keep_alive,
                headers=headers,
            )
        else:
            await send_json(writer, status, body, keep_alive=request.keep_alive, headers=headers)

    async def _control(self, request: HttpRequest, writer: asyncio.StreamWriter) -> None:
        route = (request.method, request.path)
        if route not in CONTROL_ROUTES:
            await self._send_invalid_url(writer, request)
        elif route == ("POST", "/_demo/script"):
            try:
                script = Script.from_dict(parse_json(request.body))
            except (TypeError, ValueError) as error:
                await self._send(writer, request, 400, error_body(str(error), "invalid_request_error"))
                return
            await self._send(writer, request, 200, {"queued": self.enqueue(script)})
        elif route == ("GET", "/_demo/requests"):
            await self._send(writer, request, 200, {"requests": [logged.to_dict() for logged in self.requests]})
        else:
            self.reset()
            await self._send(writer, request, 200, {"ok": True})


class LoopbackServer(DemoServer):
    """The demo server with scripts, a request log and optional /_demo/ control routes."""

    router_class = LoopbackRouter
    _router: LoopbackRouter

    def __init__(self, *args: Any, control: bool = False, **options: Any) -> None:
        super().__init__(*args, **options)
        self._router.control_enabled = control

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

    @property
    def billing(self) -> Billing:
        """What the provider billed, served at /v1/organization/costs."""
        return self._router.billing

    def reset(self) -> None:
        """Forget the request log and every queued script."""
        self._router.reset()
