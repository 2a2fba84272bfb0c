"""Image thumbnails in the transcript, where the terminal speaks a graphics protocol (textual-image: Kitty, Sixel).

textual-image asks the terminal what it supports when it is imported, which works only before the app
takes the terminal over, so `prepare` runs then; elsewhere sent images show as a chip with their size.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from typing import Any

from textual.widget import Widget

GRAPHICS_TERMINALS = ("kitty", "wezterm", "ghostty", "iterm", "foot", "mlterm", "contour", "konsole")
"""Terminals (by TERM or TERM_PROGRAM) with a graphics protocol, asked in the "auto" mode."""

_widget: Any = None
"""The textual-image widget class for this terminal, once `prepare` found a graphics protocol."""


def worth_asking(mode: str, environ: Mapping[str, str], is_tty: bool) -> bool:
    """Whether to ask the terminal about graphics: always for "on", never for "off", for known terminals on "auto"."""
    if mode == "off" or not is_tty:
        return False
    if mode == "on":
        return True
    names = f"{environ.get('TERM', '')} {environ.get('TERM_PROGRAM', '')}".lower()
    return "KITTY_WINDOW_ID" in environ or any(name in names for name in GRAPHICS_TERMINALS)


def prepare(mode: str) -> None:
    """Find the terminal's graphics protocol before the app starts (a no-op where not worth asking)."""
    global _widget
    import sys

    if not worth_asking(mode, os.environ, bool(sys.__stdout__ and sys.__stdout__.isatty())):
        return
    try:
        from textual_image import renderable, widget
    except Exception:  # a terminal that answers oddly must not stop the app
        return
    if renderable.Image in (renderable.SixelImage, renderable.TGPImage):
        _widget = widget.Image


def thumbnail(data: bytes) -> Widget | None:
    """A thumbnail widget of an image's bytes, or None where the terminal shows no graphics."""
    if _widget is None:
        return None
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except Exception:  # stored bytes were checked when attached; a thumbnail is never worth a crash
        return None
    shown: Widget = _widget(image, classes="attachment-thumbnail")
    shown.styles.height = 8
    shown.styles.width = "auto"
    return shown
