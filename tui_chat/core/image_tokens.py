"""What an image costs in prompt tokens, by OpenAI's published tile rule, and the size it is sent at.

At high detail an image is first scaled to fit within 2048 x 2048, then scaled so its shortest
side is 768 pixels (neither step enlarges it); it then costs 85 tokens plus 170 for every
512-pixel tile needed to cover it.  At low detail it costs 85 tokens whatever its size.  The
demo server counts images with these same functions, so its reported usage checks the estimate.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from typing import Any, Literal

Detail = Literal["high", "low"]

BASE_TOKENS = 85
TILE_TOKENS = 170
TILE_SIDE = 512
MAX_SIDE = 2048
SHORT_SIDE = 768
LOW_SIDE = 512


def sent_size(width: int, height: int, detail: Detail = "high") -> tuple[int, int]:
    """The size an image is sent at: scaled down to what the model sees at this detail, never up."""
    if width <= 0 or height <= 0:
        return max(width, 0), max(height, 0)
    limit = LOW_SIDE if detail == "low" else MAX_SIDE
    scale = min(1.0, limit / max(width, height))
    if detail == "high":
        scale = min(scale, max(SHORT_SIDE / min(width, height), 0.0), 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def image_tokens(width: int, height: int, detail: Detail = "high") -> int:
    """The prompt tokens of one image of this size at this detail."""
    if detail == "low":
        return BASE_TOKENS
    sent_width, sent_height = sent_size(width, height, "high")
    tiles = math.ceil(sent_width / TILE_SIDE) * math.ceil(sent_height / TILE_SIDE)
    return BASE_TOKENS + TILE_TOKENS * tiles


def data_url(mime: str, data: bytes) -> str:
    """A base64 data URL of these bytes."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def data_url_size(url: str) -> tuple[int, int] | None:
    """The pixel size of the image in a base64 data URL, or None when it holds no readable image."""
    header, _, payload = url.partition(",")
    if not header.startswith("data:image/") or not header.endswith(";base64"):
        return None
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(base64.b64decode(payload, validate=True))) as image:
            return image.size
    except (ValueError, OSError, UnidentifiedImageError, Image.DecompressionBombError):
        return None


def image_part_tokens(part: Mapping[str, Any]) -> int:
    """The prompt tokens of one `image_url` content part (0 when its image cannot be read)."""
    image_url = part.get("image_url")
    if not isinstance(image_url, Mapping) or not isinstance(image_url.get("url"), str):
        return 0
    detail: Detail = "low" if image_url.get("detail") == "low" else "high"
    if detail == "low":
        return BASE_TOKENS
    size = data_url_size(image_url["url"])
    return image_tokens(*size, "high") if size else 0
