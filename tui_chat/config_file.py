"""Reading and writing config.toml as text: size and encoding checks, TOML parsing, one-setting edits."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from tui_chat.core.errors import ConfigError

MAX_CONFIG_BYTES = 1024 * 1024
"""The largest config file read; a real one is a few kilobytes."""
MAX_VALUE_LINES = 200
"""The most lines one setting's value may span and still be replaced."""


def read_config_text(path: Path) -> str:
    """The text of a config file without a byte order mark; ConfigError if unreadable, huge or not UTF-8."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc}).", hint="Using defaults.") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: cannot read (larger than {MAX_CONFIG_BYTES // 1024} KiB).", hint="Using defaults.")
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: cannot read (not UTF-8 text: {exc.reason} at byte {exc.start}).", hint="Using defaults."
        ) from None


def parse_config(path: Path, text: str) -> dict:
    """The TOML data of a config file; ConfigError naming the file for invalid or too deeply nested TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}.", hint="Fix the file; using defaults for now.") from None
    except RecursionError:
        raise ConfigError(
            f"{path}: invalid TOML: values nested too deeply.", hint="Fix the file; using defaults for now."
        ) from None


def remember_setting(path: Path, key: str, value: str) -> None:
    """Set a top-level string setting in config.toml, keeping every other line, written atomically."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
        raise ConfigError(f"'{key}' is not a setting name.")
    rendered = f"{key} = {json_string(value)}"
    try:
        text = read_config_text(path) if path.exists() else ""
        data = parse_config(path, text)
    except ConfigError as exc:
        raise ConfigError(f"{exc.detail.rstrip('.')}; not changed.", hint="Fix the file first.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror or exc}); not changed.") from None
    updated = _with_setting(text, data, key, rendered, value)
    if updated is None:
        problem = f"{path}: '{key}' is written in a form that cannot be changed safely; not changed."
        raise ConfigError(problem, hint=f"Set it by hand: {rendered}")
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(updated)
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write ({exc.strerror or exc}); not changed.") from None


def _with_setting(text: str, data: dict, key: str, rendered: str, value: str) -> str | None:
    """`text` with `rendered` replacing the top-level lines of `key` (or first); None if no edit checks out.

    Each candidate edit (the fewest lines from one that starts like the setting) is parsed again and
    kept only if it changes that one value, so a line that merely looks like the setting (inside a
    multi-line string, or under a table) is never rewritten, and a multi-line value is replaced whole.
    """
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    spans: Iterator[tuple[int, int]]
    if key in data:
        expected = repr({**data, key: value})
        starts = [index for index, line in enumerate(lines) if pattern.match(line)]
        spans = (
            (start, end) for start in starts for end in range(start + 1, min(len(lines), start + MAX_VALUE_LINES) + 1)
        )
    else:
        expected = repr({key: value, **data})
        spans = iter([(0, 0)])
    for start, end in spans:
        updated = "\n".join([*lines[:start], rendered, *lines[end:]]) + "\n"
        try:
            if repr(tomllib.loads(updated)) == expected:
                return updated
        except (tomllib.TOMLDecodeError, RecursionError):
            continue
    return None


def json_string(value: str) -> str:
    """A TOML basic string for `value`: JSON's escapes, plus DEL, which TOML also requires escaped."""
    import json

    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ConfigError("The value is not valid text (it holds a lone surrogate).") from None
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
