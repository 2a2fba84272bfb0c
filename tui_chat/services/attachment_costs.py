"""What an attachment adds to the next request for a model: its tokens and their input cost."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from tui_chat.core import pricing, tokens
from tui_chat.core.attachments import Attachment, fenced
from tui_chat.core.image_tokens import Detail, image_tokens, sent_size
from tui_chat.core.models import Usage
from tui_chat.services.attachment_rules import takes_images
from tui_chat.services.providers import ProviderRegistry


@dataclass(frozen=True, slots=True)
class AttachmentCost:
    """The prompt tokens an attachment adds and what they cost (None when the model has no known price)."""

    tokens: tokens.TokenCount
    cost: Decimal | None
    refused: bool = False
    """Whether the model cannot take it (an image for a model without vision)."""


@dataclass(frozen=True, slots=True)
class ImageProbe:
    """An image's size read from its header alone: enough to count its tokens before it is decoded."""

    width: int
    height: int
    sent_width: int
    sent_height: int


def probe_image(path: Path, detail: Detail = "high") -> ImageProbe | None:
    """The size of the image in a file from its header, or None when the file holds no image."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            width, height = image.size
    except Exception:  # not an image, or a damaged one: the full read says which
        return None
    return ImageProbe(width, height, *sent_size(width, height, detail))


def attachment_tokens(model: str, attachment: Attachment | ImageProbe, detail: Detail = "high") -> tokens.TokenCount:
    """The prompt tokens an attachment adds for a model (exact only for an OpenAI model's text)."""
    published = tokens.encoding_name_for(model) is not None  # an OpenAI model: the tile rule is its own
    if isinstance(attachment, ImageProbe):
        return tokens.TokenCount(image_tokens(attachment.width, attachment.height, detail), published)
    if attachment.is_image:
        return tokens.TokenCount(attachment.image_tokens(), published)
    block = "\n\n" + fenced(attachment.name, attachment.text)
    return tokens.count_text(model, block)


def attachment_cost(
    registry: ProviderRegistry, provider: str, model: str, attachment: Attachment | ImageProbe, detail: Detail = "high"
) -> AttachmentCost:
    """The tokens and input cost an attachment adds to the next request to this model."""
    count = attachment_tokens(model, attachment, detail)
    is_image = isinstance(attachment, ImageProbe) or attachment.is_image
    refused = is_image and not takes_images(registry.settings, provider, model)
    usage = Usage(input_tokens=count.tokens, estimated=True)
    price = pricing.price_usage(registry.ref(provider), model, usage, registry.price_overrides)
    return AttachmentCost(count, price.cost, refused)
