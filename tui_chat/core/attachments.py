"""Attachments as a request carries them: images as `image_url` parts, text and PDFs as fenced blocks."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.core.image_tokens import Detail, data_url, image_tokens

Kind = Literal["image", "text", "pdf"]


@dataclass(frozen=True, slots=True)
class Attachment:
    """One file ready to send: the bytes sent (an image already downscaled, a PDF's extracted text)."""

    name: str
    kind: Kind
    mime: str
    data: bytes
    original_size: int
    """The size of the file on disk, in bytes."""
    width: int | None = None
    height: int | None = None
    pages: int | None = None
    detail: Detail = "high"
    sha256: str = field(default="")

    def __post_init__(self) -> None:
        if not self.sha256:
            object.__setattr__(self, "sha256", hashlib.sha256(self.data).hexdigest())

    @property
    def is_image(self) -> bool:
        """Whether it goes as an image part (only vision models take those)."""
        return self.kind == "image"

    @property
    def text(self) -> str:
        """The text of a text file or PDF ('' for an image)."""
        return "" if self.is_image else self.data.decode("utf-8")

    def image_tokens(self) -> int:
        """The prompt tokens of an image by the tile rule (0 for text, which the tokenizer counts)."""
        if not self.is_image or self.width is None or self.height is None:
            return 0
        return image_tokens(self.width, self.height, self.detail)


def fenced(name: str, text: str) -> str:
    """A file's text as a Markdown code block headed by its name, fenced longer than any run inside."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    language = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return f"{name}\n{fence}{language}\n{text.rstrip(chr(10))}\n{fence}"


def text_with_files(prompt: str, attachments: Sequence[Attachment]) -> str:
    """The prompt followed by each text file or PDF as a fenced block."""
    blocks = [fenced(attachment.name, attachment.text) for attachment in attachments if not attachment.is_image]
    return "\n\n".join([prompt, *blocks]) if blocks else prompt


def message_content(prompt: str, attachments: Sequence[Attachment]) -> str | list[dict[str, Any]]:
    """A user message's content: plain text without images, else a text part then one part per image."""
    text = text_with_files(prompt, attachments)
    images = [attachment for attachment in attachments if attachment.is_image]
    if not images:
        return text
    parts: list[dict[str, Any]] = [{"type": "text", "text": text}]
    for image in images:
        parts.append(
            {"type": "image_url", "image_url": {"url": data_url(image.mime, image.data), "detail": image.detail}}
        )
    return parts


def human_size(size: int) -> str:
    """A byte count as people read it: 812 B, 14.2 KB, 3.1 MB."""
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024 or unit == "MB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
