"""The routes of the demo server: models and chat completions, behind an optional API key."""

from __future__ import annotations

import asyncio
import hmac
import math
import uuid
from typing import Any

from tui_chat.demo.content import count_prompt_tokens, last_user_text, reply_for_prompt
from tui_chat.demo.corpus import split_tokens
from tui_chat.demo.http import HttpRequest, send_json
from tui_chat.demo.images import image_problem
from tui_chat.demo.protocol import chat_request_problem, error_body, mask_key, parse_json
from tui_chat.demo.reasoning import THINKING_MODELS, carried_reasoning, thinking_tokens
from tui_chat.demo.stream import ReplyPlan, send_completion, stream_completion

MODEL_CREATED = 1_735_689_600
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
    """Answers requests for the served models, checking the required key when there is one."""

    def __init__(self, *, api_key: str | None, tokens_per_second: dict[str, float | None]) -> None:
        self._api_key = api_key
        self._tokens_per_second = tokens_per_second

    @property
    def models(self) -> list[str]:
        """The ids of the served models."""
        return list(self._tokens_per_second)

    async def dispatch(self, request: HttpRequest, writer: asyncio.StreamWriter) -> bool:
        """Answer one request; return False when the connection must be closed."""
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
                return await self.answer_chat(request, parse_json(request.body), writer)
            else:
                await self._send_invalid_url(writer, request)
        else:
            await self._send_invalid_url(writer, request)
        return True

    async def answer_chat(self, request: HttpRequest, payload: Any, writer: asyncio.StreamWriter) -> bool:
        """Answer a chat completion with the demo reply; return False when the connection must be closed."""
        if await self.rejected(request, payload, writer):
            return True
        from tui_chat.demo import tool_calls

        calls = tool_calls.demo_tool_calls(payload)
        text = tool_calls.tool_answer(payload["messages"]) or reply_for_prompt(last_user_text(payload["messages"]))
        plan = self.plan_reply(payload, "" if calls else text, self.pace(payload["model"]))
        if calls:
            plan = tool_calls.with_call_usage(plan, calls)
            stream = bool(payload.get("stream"))
            return await tool_calls.send_tool_calls(
                writer, plan, calls, request_id_header(), keep_alive=request.keep_alive, stream=stream
            )
        send = stream_completion if payload.get("stream") else send_completion
        return await send(writer, plan, request_id_header(), keep_alive=request.keep_alive)

    async def rejected(self, request: HttpRequest, payload: Any, writer: asyncio.StreamWriter) -> bool:
        """Send OpenAI's error for a malformed request or an unknown model, and say whether it did."""
        problem = chat_request_problem(payload) or carried_reasoning(payload["messages"])
        if problem is not None:
            await self._send(writer, request, 400, problem)
            return True
        if payload["model"] not in self._tokens_per_second:
            await self._send(writer, request, 404, model_not_found(payload["model"]))
            return True
        images = image_problem(payload["model"], payload["messages"])
        if images is not None:
            await self._send(writer, request, 400, images)
            return True
        return False

    def plan_reply(self, payload: dict[str, Any], text: str, tokens_per_second: float | None) -> ReplyPlan:
        """The plan of a reply with this text to a valid request."""
        plan = ReplyPlan.build(payload, split_tokens(text), count_prompt_tokens(payload["messages"]), tokens_per_second)
        model = payload["model"]
        if model in THINKING_MODELS:
            plan = plan.with_reasoning(
                thinking_tokens(model, last_user_text(payload["messages"])), THINKING_MODELS[model]
            )
        return plan

    def pace(self, model: str) -> float | None:
        """The model's tokens per second, or None when it is unthrottled."""
        return steady_rate(self._tokens_per_second[model])

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

    async def _send_invalid_url(self, writer: asyncio.StreamWriter, request: HttpRequest) -> None:
        body = error_body(f"Invalid URL ({request.method} {request.path})", "invalid_request_error")
        await self._send(writer, request, 404, body)


def steady_rate(tokens_per_second: float | None) -> float | None:
    """A pace in tokens per second, or None for unthrottled (None, 0 or infinity)."""
    return tokens_per_second if tokens_per_second is not None and 0 < tokens_per_second < math.inf else None
