"""The routes of the demo server: models, chat completions, auth, scripts, the request log and control."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import hmac
import math
import threading
import time
import uuid
from typing import Any

from tui_chat.services.demo_content import count_prompt_tokens, last_user_text, reply_for_prompt
from tui_chat.services.demo_corpus import split_tokens
from tui_chat.services.demo_http import HttpRequest, send_body, send_json
from tui_chat.services.demo_protocol import (
    LoggedRequest,
    Script,
    chat_request_problem,
    default_error_body,
    error_body,
    mask_key,
    parse_json,
)
from tui_chat.services.demo_stream import ReplyPlan, send_completion, stream_completion

MODEL_CREATED = 1_735_689_600
CONTROL_ROUTES = {("POST", "/_demo/script"), ("GET", "/_demo/requests"), ("POST", "/_demo/reset")}
MISSING_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)


def request_id_header() -> dict[str, str]:
    """A fresh `x-request-id` header like OpenAI's."""
    return {"x-request-id": f"req_{uuid.uuid4().hex}"}


def model_not_found(model: str) -> dict[str, Any]:
    """OpenAI's error body for a model that does not exist."""
    message = f"The model `{model}` does not exist or you do not have access to it."
    return error_body(message, "invalid_request_error", "model_not_found")


class DemoRouter:
    """Answers requests from the served models, the required key, the queued scripts and the log."""

    def __init__(self, *, api_key: str | None, tokens_per_second: dict[str, float | None], control: bool) -> None:
        self._api_key = api_key
        self._tokens_per_second = tokens_per_second
        self._control_enabled = control
        self._lock = threading.Lock()
        self._scripts: collections.deque[Script] = collections.deque()
        self._requests: list[LoggedRequest] = []

    @property
    def models(self) -> list[str]:
        """The ids of the served models."""
        return list(self._tokens_per_second)

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

    async def dispatch(self, request: HttpRequest, writer: asyncio.StreamWriter, connection_id: int) -> bool:
        """Answer one request; return False when the connection must be closed."""
        if request.path.startswith("/_demo/"):
            await self._control(request, writer)
            return True
        payload = parse_json(request.body)
        logged = LoggedRequest(
            request.method, request.path, dict(request.headers), payload, time.time(), connection_id
        )
        with self._lock:
            self._requests.append(logged)
        if request.path == "/v1" or request.path.startswith("/v1/"):
            auth_error = self._auth_error(request.headers.get("authorization", ""))
            if auth_error is not None:
                await self._send(writer, request, 401, auth_error)
            elif request.method == "GET" and request.path == "/v1/models":
                models = [self._model_object(model) for model in self._tokens_per_second]
                await self._send(writer, request, 200, {"object": "list", "data": models})
            elif request.method == "GET" and request.path.startswith("/v1/models/"):
                model = request.path.removeprefix("/v1/models/")
                found = model in self._tokens_per_second
                body = self._model_object(model) if found else model_not_found(model)
                await self._send(writer, request, 200 if found else 404, body)
            elif request.method == "POST" and request.path == "/v1/chat/completions":
                keep_alive = await self._chat(request, payload, writer)
                self._mark_finished(logged)
                return keep_alive
            else:
                await self._send_invalid_url(writer, request)
        else:
            await self._send_invalid_url(writer, request)
        return True

    async def _chat(self, request: HttpRequest, payload: Any, writer: asyncio.StreamWriter) -> bool:
        with self._lock:
            script = self._scripts.popleft() if self._scripts else Script()
        if script.first_byte_delay > 0:
            await asyncio.sleep(script.first_byte_delay)
        if script.replaces_response:
            await self._send_scripted(writer, request, script)
            return True
        problem = chat_request_problem(payload)
        if problem is not None:
            await self._send(writer, request, 400, problem)
            return True
        model = payload["model"]
        if model not in self._tokens_per_second:
            await self._send(writer, request, 404, model_not_found(model))
            return True
        messages = payload["messages"]
        text = script.text if script.text is not None else reply_for_prompt(last_user_text(messages))
        tokens = split_tokens(text)
        plan = ReplyPlan.build(payload, tokens, count_prompt_tokens(messages), script, self._pace(model, script))
        headers = {**request_id_header(), **script.headers}
        if payload.get("stream"):
            return await stream_completion(writer, plan, script, headers, keep_alive=request.keep_alive)
        return await send_completion(writer, plan, script, headers, keep_alive=request.keep_alive)

    def _mark_finished(self, logged: LoggedRequest) -> None:
        with self._lock:
            for index, entry in enumerate(self._requests):
                if entry is logged:
                    self._requests[index] = dataclasses.replace(logged, finished_at=time.time())
                    break

    def _pace(self, model: str, script: Script) -> float | None:
        rate = script.tokens_per_second if script.tokens_per_second is not None else self._tokens_per_second[model]
        return rate if rate is not None and 0 < rate < math.inf else None

    def _auth_error(self, authorization: str) -> dict[str, Any] | None:
        if self._api_key is None:
            return None
        scheme, _, key = authorization.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            return error_body(MISSING_KEY_MESSAGE, "invalid_request_error")
        if hmac.compare_digest(key.encode(), self._api_key.encode()):
            return None
        message = f"Incorrect API key provided: {mask_key(key)}. Set a valid key with `tui-chat keys set openai`."
        return error_body(message, "invalid_request_error", "invalid_api_key")

    def _model_object(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": MODEL_CREATED, "owned_by": "tui-chat"}

    async def _send(self, writer: asyncio.StreamWriter, request: HttpRequest, status: int, body: Any) -> None:
        await send_json(writer, status, body, keep_alive=request.keep_alive, headers=request_id_header())

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

    async def _send_invalid_url(self, writer: asyncio.StreamWriter, request: HttpRequest) -> None:
        body = error_body(f"Invalid URL ({request.method} {request.path})", "invalid_request_error")
        await self._send(writer, request, 404, body)

    async def _control(self, request: HttpRequest, writer: asyncio.StreamWriter) -> None:
        route = (request.method, request.path)
        if not self._control_enabled or route not in CONTROL_ROUTES:
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
