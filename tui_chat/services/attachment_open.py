"""Opening attachments with the system viewer: each written to a private temporary folder first."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tui_chat.core.attachments import Attachment
from tui_chat.core.errors import TuiChatError


class NoViewer(TuiChatError):
    """No system viewer could be started."""

    kind = "no_viewer"
    title = "Cannot open the attachment"


def write_copies(attachments: Sequence[Attachment], folder: Path) -> list[Path]:
    """Write each attachment's bytes under `folder` by its content hash and name; the paths written."""
    paths = []
    for attachment in attachments:
        safe_name = Path(attachment.name).name or "attachment"
        if attachment.kind == "pdf":
            safe_name += ".txt"
        target = folder / attachment.sha256[:16] / safe_name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(attachment.data)
        paths.append(target)
    return paths


def open_with_system(attachments: Sequence[Attachment]) -> None:
    """Start the system viewer on each attachment (xdg-open, open, or the Windows association)."""
    folder = Path(tempfile.gettempdir()) / f"tui-chat-attachments-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(mode=0o700, exist_ok=True)
    paths = write_copies(attachments, folder)
    if sys.platform == "win32":  # pragma: no cover - not this machine
        for path in paths:
            os.startfile(path)  # type: ignore[attr-defined]
        return
    opener = shutil.which("open" if sys.platform == "darwin" else "xdg-open")
    if opener is None:
        raise NoViewer(
            "No system viewer was found (xdg-open).", hint=f"The files are in {folder}; open them from there."
        )
    for path in paths:
        subprocess.Popen(
            [opener, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
