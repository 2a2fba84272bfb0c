"""The one validator of a conversation's settings, shared by the F2 dialog and `tui-chat ask`."""

from __future__ import annotations

from dataclasses import dataclass

MAX_TEMPERATURE = 2.0


def parse_temperature(text: str) -> float | None:
    """The temperature typed, None when empty; ValueError with a readable message otherwise."""
    if not text.strip():
        return None
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"Temperature must be a number from 0 to 2, not '{text.strip()}'.") from None
    if not 0 <= value <= MAX_TEMPERATURE:  # NaN fails this too
        raise ValueError(f"Temperature must be from 0 to 2; {value:g} is out of range.")
    return value


def parse_max_tokens(text: str, limit: int | None) -> int | None:
    """The reply length limit typed, None when empty; ValueError with a readable message otherwise."""
    if not text.strip():
        return None
    try:
        value = int(text.strip().replace("_", "").replace(",", ""))
    except ValueError:
        raise ValueError(f"Max tokens must be a whole number, not '{text.strip()}'.") from None
    if value < 1:
        raise ValueError("Max tokens must be at least 1.")
    if limit is not None and value > limit:
        raise ValueError(f"Max tokens must be at most {limit:,}, the model's limit.")
    return value


@dataclass(frozen=True, slots=True)
class SettingsOverride:
    """Settings given for one request (on the command line); None keeps the conversation's own."""

    system_prompt: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None

    def __bool__(self) -> bool:
        return any(value is not None for value in (self.system_prompt, self.temperature, self.max_tokens))
