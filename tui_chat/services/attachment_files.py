"""Files turned into attachments: images decoded and downscaled (Pillow), PDFs read (pypdf), text checked.

Everything here reads the disk and decodes, so callers run it off the event loop.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.core.attachments import Attachment, human_size
from tui_chat.core.errors import TuiChatError
from tui_chat.core.image_tokens import Detail, sent_size

if TYPE_CHECKING:
    from PIL.Image import Image

IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif"}
SNIFF_BYTES = 8192


class AttachmentRefused(TuiChatError):
    """A file that cannot be attached, with why."""

    kind = "attachment"
    title = "Cannot attach the file"


class AttachmentTooLarge(AttachmentRefused):
    """A file over the size that asks first; attaching it anyway is the user's call."""

    kind = "attachment_large"
    title = "Large file"

    def __init__(self, path: Path, size: int, limit: int) -> None:
        super().__init__(
            f"{path.name} is {human_size(size)}, over the {human_size(limit)} that asks first.",
            hint="Attach it anyway, or raise attachments.ask_above_mb in config.toml.",
        )
        self.size = size


def load_attachment(path: Path, *, ask_above: int, confirmed: bool = False, detail: Detail = "high") -> Attachment:
    """The attachment a file makes; AttachmentRefused when it cannot be one, AttachmentTooLarge to ask first."""
    name = path.name
    try:
        if path.is_dir():
            raise AttachmentRefused(f"{name} is a folder; attach the files in it one by one.")
        size = path.stat().st_size
        if size > ask_above and not confirmed:
            raise AttachmentTooLarge(path, size, ask_above)
        data = path.read_bytes()
    except OSError as exc:
        raise AttachmentRefused(f"{name} cannot be read: {exc.strerror or exc}.") from None
    if data.startswith(b"%PDF-"):
        return _pdf(name, data)
    image = _open_image(name, data, path.suffix.lower() in IMAGE_SUFFIXES)
    if image is not None:
        return _image(name, data, image, detail)
    return _text(name, data)


def _open_image(name: str, data: bytes, looks_like_image: bool) -> Image | None:
    """The decoded image when the bytes hold one; refused when they should but do not decode."""
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data), formats=tuple(IMAGE_FORMATS))
    except UnidentifiedImageError:
        if looks_like_image:
            raise AttachmentRefused(f"{name} is not a readable PNG, JPEG, WebP or GIF image.") from None
        return None
    except Image.DecompressionBombError:
        raise AttachmentRefused(f"{name} has too many pixels to decode safely.") from None
    except Exception:  # Pillow raises many kinds of error on hostile bytes, all meaning "damaged"
        raise AttachmentRefused(f"{name} is a damaged image that cannot be decoded.") from None
    return image


def _image(name: str, data: bytes, image: Image, detail: Detail) -> Attachment:
    """An image downscaled to what the model sees (never enlarged), re-encoded only when it changed."""
    from PIL import Image as PILImage

    fmt = image.format or "PNG"
    width, height = image.size
    target = sent_size(width, height, detail)
    try:
        if target == (width, height) and fmt != "GIF":
            image.load()  # a truncated or corrupt file fails here, not at the model
            return Attachment(name, "image", IMAGE_FORMATS[fmt], data, len(data), width, height, detail=detail)
        if fmt == "JPEG":
            image.draft("RGB", target)  # decode at a reduced scale: much faster for big photos
        image.load()
        converted = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
        resized = converted.resize(target, PILImage.Resampling.LANCZOS) if converted.size != target else converted
    except Exception:  # Pillow raises many kinds of error on hostile bytes, all meaning "damaged"
        raise AttachmentRefused(f"{name} is a damaged image that cannot be decoded.") from None
    out = io.BytesIO()
    if fmt == "JPEG" and resized.mode == "RGB":
        resized.save(out, "JPEG", quality=90)
        mime = "image/jpeg"
    else:
        resized.save(out, "PNG", optimize=False)
        mime = "image/png"
    encoded = out.getvalue()
    return Attachment(name, "image", mime, encoded, len(data), resized.width, resized.height, detail=detail)


def _pdf(name: str, data: bytes) -> Attachment:
    """A PDF's extracted text with its page count; refused when it has no text to extract."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = len(reader.pages)
        text = "\n\n".join((page.extract_text() or "").strip() for page in reader.pages).strip()
    except (PdfReadError, OSError, ValueError, KeyError, TypeError):
        raise AttachmentRefused(f"{name} is a damaged PDF that cannot be read.") from None
    if not text:
        raise AttachmentRefused(
            f"{name} ({pages} page{'s' if pages != 1 else ''}) has no extractable text.",
            hint="It is probably scanned images; export its pages as images and attach those to a vision model.",
        )
    return Attachment(name, "pdf", "text/plain", text.encode("utf-8"), len(data), pages=pages)


def _text(name: str, data: bytes) -> Attachment:
    """A text or code file; a binary one is refused."""
    if b"\x00" in data[:SNIFF_BYTES]:
        raise AttachmentRefused(f"{name} is a binary file; only text, code, PDFs and images can be attached.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AttachmentRefused(
            f"{name} is not UTF-8 text; only text, code, PDFs and images can be attached."
        ) from None
    return Attachment(name, "text", "text/plain", text.encode("utf-8"), len(data))
