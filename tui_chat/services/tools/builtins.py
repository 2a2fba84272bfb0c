"""The built-in tools: the current date and time, and reading files and folders under one chosen directory."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

from pydantic import Field

from tui_chat.services.tools.registry import Tool, ToolError, function_tool

MAX_FILE_CHARACTERS = 100_000
"""The most text read_file returns; the rest is cut, and the result says so."""
MAX_ENTRIES = 500
"""The most entries list_directory returns."""


def current_time(
    timezone: Annotated[
        str | None, Field(description="An IANA time zone such as Europe/Paris; UTC when omitted")
    ] = None,
) -> str:
    """The current date and time in ISO 8601, in the given time zone."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        zone = ZoneInfo(timezone) if timezone else dt.UTC
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(f"unknown time zone {timezone!r}") from None
    return dt.datetime.now(zone).isoformat(timespec="seconds")


def inside(root: Path, path: str) -> Path:
    """`path` taken relative to `root`, refused when it (or a link on the way) leads outside it."""
    if "\x00" in path:
        raise ToolError("the path holds a NUL character")
    target = (root / path).resolve()
    if target != root and not target.is_relative_to(root):
        raise ToolError(f"{path!r} is outside the directory the tools may read")
    return target


def file_tools(root: Path) -> list[Tool]:
    """read_file and list_directory, confined to `root`."""
    root = root.expanduser().resolve()

    def read_file(path: Annotated[str, Field(description="The file's path, relative to the allowed directory")]) -> str:
        """The text of a file under the allowed directory (UTF-8; long files are cut)."""
        target = inside(root, path)
        try:
            with target.open(encoding="utf-8") as handle:
                text = handle.read(MAX_FILE_CHARACTERS + 1)
        except UnicodeDecodeError:
            raise ToolError(f"{path!r} is not UTF-8 text") from None
        except OSError as error:
            raise ToolError(f"cannot read {path!r}: {error.strerror or error}") from None
        if len(text) > MAX_FILE_CHARACTERS:
            return text[:MAX_FILE_CHARACTERS] + f"\n[cut at {MAX_FILE_CHARACTERS:,} characters]"
        return text

    def list_directory(
        path: Annotated[str, Field(description="The folder's path, relative to the allowed directory")] = ".",
    ) -> str:
        """The entries of a folder under the allowed directory, one a line, folders ending in /."""
        target = inside(root, path)
        try:
            entries = sorted(os.scandir(target), key=lambda entry: entry.name)
        except OSError as error:
            raise ToolError(f"cannot list {path!r}: {error.strerror or error}") from None
        names = [entry.name + ("/" if entry.is_dir() else "") for entry in entries[:MAX_ENTRIES]]
        if len(entries) > MAX_ENTRIES:
            names.append(f"[{len(entries) - MAX_ENTRIES} more entries not listed]")
        return "\n".join(names) if names else "(empty)"

    return [function_tool(read_file, read_only=True), function_tool(list_directory, read_only=True)]


def built_in_tools(enabled: list[str], root: str | None) -> list[Tool]:
    """The built-in tools switched on in config, in a fixed order."""
    tools = [function_tool(current_time, read_only=True)]
    tools += file_tools(Path(root) if root else Path.cwd())
    return [tool for tool in tools if tool.name in enabled]
