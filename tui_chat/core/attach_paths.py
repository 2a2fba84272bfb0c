"""Paths typed or pasted into the prompt: `@` tokens to complete, and a pasted (dropped) file path to offer."""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

MAX_PASTED = 4096


@dataclass(frozen=True, slots=True)
class AtToken:
    """An `@path` being typed: where it starts in its line and the path after the `@`."""

    start: int
    path: str


def at_token(line: str, column: int) -> AtToken | None:
    """The `@path` that ends at `column` of the line (an `@` at the start or after a space), or None."""
    before = line[:column]
    at = before.rfind("@")
    if at < 0 or (at > 0 and not before[at - 1].isspace()):
        return None
    path = before[at + 1 :]
    if any(character.isspace() for character in path):
        return None
    return AtToken(at, path)


def complete(partial: str, cwd: Path) -> tuple[str, list[Path]]:
    """The longest completion of a partial path (relative to `cwd`, `~` expanded) and the entries it matches."""
    expanded = os.path.expanduser(partial)
    folder, _, stem = expanded.rpartition("/")
    base = Path(folder or ".") if folder or not partial.startswith("/") else Path("/")
    if not base.is_absolute():
        base = cwd / base
    hidden_ok = stem.startswith(".")
    try:
        names = sorted(
            entry.name
            for entry in base.iterdir()
            if entry.name.startswith(stem) and (hidden_ok or not entry.name.startswith("."))
        )
    except OSError:
        return partial, []
    if not names:
        return partial, []
    common = os.path.commonprefix(names)
    prefix = partial[: len(partial) - len(stem)] if stem else partial
    matches = [base / name for name in names]
    completed = prefix + common
    if len(matches) == 1 and matches[0].is_dir():
        completed += "/"
    return completed, matches


def pasted_paths(text: str) -> list[Path]:
    """The files a paste names when it is nothing but paths (as terminals paste a dropped file), else []."""
    text = text.strip()
    if not text or len(text) > MAX_PASTED or "\n" in text or text[0] not in "/~'\"f":
        return []
    try:
        words = shlex.split(text)
    except ValueError:
        return []
    paths = []
    for word in words:
        if word.startswith("file://"):
            word = unquote(urlparse(word).path)
        path = Path(os.path.expanduser(word))
        if not path.is_absolute() or not path.is_file():
            return []
        paths.append(path)
    return paths
