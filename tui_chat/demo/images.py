"""Images in requests to the demo server: counted by the published tile rule, refused by models without vision."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tui_chat.core.image_tokens import image_part_tokens
from tui_chat.demo.protocol import error_body

VISION_MODELS = frozenset({"demo"})
"""The demo models that take images; `demo-fast` does not, as many real models do not."""


def image_parts(messages: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Every `image_url` content part of the messages."""
    return [
        part
        for message in messages
        if isinstance(message.get("content"), list)
        for part in message["content"]
        if isinstance(part, Mapping) and part.get("type") == "image_url"
    ]


def image_prompt_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """The prompt tokens of all images of a request, as OpenAI counts them."""
    return sum(image_part_tokens(part) for part in image_parts(messages))


def image_problem(model: str, messages: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """OpenAI's 400 error body for images sent to a model without vision, or None."""
    if model in VISION_MODELS or not image_parts(messages):
        return None
    message = "Invalid content type. image_url is only supported by certain models."
    return error_body(message, "invalid_request_error", "invalid_value", "messages")
