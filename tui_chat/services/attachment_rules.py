"""Which models take images, and the refusal named before anything is sent to one that does not."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from tui_chat.core.attachments import Attachment
from tui_chat.services.attachment_files import AttachmentRefused

if TYPE_CHECKING:
    from tui_chat.config import Settings


def takes_images(settings: Settings, provider: str, model: str) -> bool:
    """Whether the provider's `vision_models` patterns name this model."""
    found = settings.all_providers().get(provider)
    patterns = found.vision_models if found is not None else ()
    return any(fnmatchcase(model.lower(), pattern.lower()) for pattern in patterns)


def vision_suggestion(settings: Settings, provider: str) -> str:
    """A model of the provider that takes images, for the refusal's hint ('' when none is known)."""
    found = settings.all_providers().get(provider)
    if found is None:
        return ""
    if found.default_model and takes_images(settings, provider, found.default_model):
        return found.default_model
    plain = [pattern for pattern in found.vision_models if not any(mark in pattern for mark in "*?[")]
    return plain[0] if plain else (found.vision_models[0] if found.vision_models else "")


def check_vision(settings: Settings, provider: str, model: str, attachments: Sequence[Attachment]) -> None:
    """Refuse images for a model that does not take them, naming one that does."""
    images = [attachment.name for attachment in attachments if attachment.is_image]
    if not images or takes_images(settings, provider, model):
        return
    suggestion = vision_suggestion(settings, provider)
    hint = (
        f"Pick a model that takes images (ctrl+l), e.g. {suggestion},"
        if suggestion
        else "Pick a model that takes images,"
    )
    raise AttachmentRefused(
        f"{model} does not take images ({', '.join(images)}).",
        title="Model does not take images",
        hint=f"{hint} or add its name to vision_models under [providers.{provider}] in config.toml.",
    )
