"""TOML text for nested test data: tables as [sections] or inline, so fuzz tests can write any structure."""

from __future__ import annotations

import json
import math
from datetime import date, time


def toml_key(name: str) -> str:
    """A quoted TOML key; a JSON string is a TOML basic string once DEL is escaped too."""
    return json.dumps(name, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_value(item: object) -> str:
    """One TOML value: booleans, numbers (nan and inf too), dates and times, strings, arrays, inline tables."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float):
        if math.isnan(item):
            return "nan"
        return ("inf" if item > 0 else "-inf") if math.isinf(item) else repr(item)
    if isinstance(item, (date, time)):
        return item.isoformat()
    if isinstance(item, dict):
        return "{" + ", ".join(f"{toml_key(name)} = {toml_value(part)}" for name, part in item.items()) + "}"
    if isinstance(item, list):
        return "[" + ", ".join(toml_value(part) for part in item) + "]"
    return toml_key(item) if isinstance(item, str) else str(item)


def to_toml(data: dict, *, sections: bool) -> str:
    """A TOML document for `data`; with `sections`, every nested table gets its own [a."b"] header."""

    def table(items: dict, path: list[str]) -> list[str]:
        lines = [
            f"{toml_key(name)} = {toml_value(item)}"
            for name, item in items.items()
            if not (sections and isinstance(item, dict))
        ]
        for name, item in items.items():
            if sections and isinstance(item, dict):
                lines += ["[" + ".".join(toml_key(part) for part in [*path, name]) + "]", *table(item, [*path, name])]
        return lines

    return "\n".join(table(data, [])) + "\n"
