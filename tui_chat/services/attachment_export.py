"""Attachments in exports: embedded as base64 in JSON, linked from Markdown to files written beside it."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tui_chat.core.attachments import Attachment

Files = Mapping[int, Sequence[Attachment]]


def file_name(attachment: Attachment) -> str:
    """The name an attachment is written under: its hash (so names never collide) and its own name."""
    name = Path(attachment.name).name.replace("\\", "_") or "attachment"
    return f"{attachment.sha256[:12]}-{name}" + (".txt" if attachment.kind == "pdf" else "")


def exported_bytes(attachment: Attachment) -> bytes:
    """What an export holds of an attachment: an image as it is, text with every known key masked."""
    if attachment.is_image:
        return attachment.data
    from tui_chat.core.redaction import redact

    return redact(attachment.text).encode("utf-8")


def json_entry(attachment: Attachment) -> dict[str, Any]:
    """One attachment as the JSON export carries it, its bytes in base64."""
    return {
        "name": attachment.name,
        "kind": attachment.kind,
        "mime": attachment.mime,
        "sha256": attachment.sha256,
        "size": len(attachment.data),
        "original_size": attachment.original_size,
        "width": attachment.width,
        "height": attachment.height,
        "pages": attachment.pages,
        "detail": attachment.detail,
        "data_base64": base64.b64encode(exported_bytes(attachment)).decode("ascii"),
    }


def add_to_messages(messages: list[dict[str, Any]], files: Files) -> None:
    """Give each exported message with attachments an `attachments` list."""
    for message in messages:
        found = files.get(message["id"])
        if found:
            message["attachments"] = [json_entry(attachment) for attachment in found]


def markdown_lines(attachments: Sequence[Attachment], folder: str) -> list[str]:
    """The Markdown links to a message's attachments in `folder` (images as images)."""
    from tui_chat.services.conversation_export import inline_text

    lines = []
    for attachment in attachments:
        link = f"{folder}/{file_name(attachment)}".replace(" ", "%20")
        label = inline_text(attachment.name).strip() or "attachment"
        if attachment.is_image:
            lines.append(f"![{label}]({link}) ({attachment.width}×{attachment.height})")
        else:
            pages = f", {attachment.pages} pages" if attachment.pages else ""
            lines.append(f"📎 [{label}]({link}){pages}")
    return ["", *lines] if lines else []


def folder_for(export_path: Path | None, conversation_id: int) -> str:
    """The folder beside the export that its attachments go to, as the links name it."""
    stem = export_path.stem if export_path is not None else f"conversation-{conversation_id}"
    return f"{stem}-files"


def write_files(files: Files, folder: Path) -> int:
    """Write every attachment into `folder` (private files); how many were written."""
    written = 0
    for attachments in files.values():
        for attachment in attachments:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            target = folder / file_name(attachment)
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(descriptor, "wb") as out:
                out.write(exported_bytes(attachment))
            written += 1
    return written
