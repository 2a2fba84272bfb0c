"""Typed settings from config.toml (and the environment); keys are never part of them."""

from __future__ import annotations

import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from tui_chat.core.errors import ConfigError


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)


class ProviderSettings(_Model):
    """One OpenAI-compatible endpoint."""

    base_url: str | None = None
    """The API root, e.g. https://api.openai.com/v1; None only for the built-in demo server."""
    needs_key: bool = True
    """Whether requests need an API key."""
    key_env: str | None = None
    """The environment variable that may carry the key; it wins over the keyring."""
    default_model: str = ""
    """The model used when none is chosen."""
    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers sent with every request (for example OpenRouter's X-Title)."""
    local: bool = False
    """Whether the endpoint runs on this machine, so its replies cost nothing."""


BUILTIN_PROVIDERS: dict[str, ProviderSettings] = {
    "demo": ProviderSettings(needs_key=False, default_model="demo", local=True),
    "openai": ProviderSettings(
        base_url="https://api.openai.com/v1", key_env="OPENAI_API_KEY", default_model="gpt-4o-mini"
    ),
    "openrouter": ProviderSettings(
        base_url="https://openrouter.ai/api/v1",
        key_env="OPENROUTER_API_KEY",
        default_model="openai/gpt-4o-mini",
    ),
    "ollama": ProviderSettings(
        base_url="http://localhost:11434/v1", needs_key=False, default_model="llama3.2", local=True
    ),
    "lmstudio": ProviderSettings(
        base_url="http://localhost:1234/v1", needs_key=False, default_model="local-model", local=True
    ),
    "groq": ProviderSettings(
        base_url="https://api.groq.com/openai/v1",
        key_env="GROQ_API_KEY",
        default_model="llama-3.3-70b-versatile",
    ),
    "deepseek": ProviderSettings(
        base_url="https://api.deepseek.com/v1", key_env="DEEPSEEK_API_KEY", default_model="deepseek-chat"
    ),
    "mistral": ProviderSettings(
        base_url="https://api.mistral.ai/v1", key_env="MISTRAL_API_KEY", default_model="mistral-small-latest"
    ),
}

PositiveFloat = Annotated[float, Field(gt=0)]


class RetrySettings(_Model):
    """How failed requests are retried (only before the first token arrives)."""

    attempts: Annotated[int, Field(ge=1, le=20)] = 4
    """Attempts in all, the first one included."""
    base_delay: PositiveFloat = 1.0
    """Seconds before the first retry; doubled each time, with jitter."""
    max_delay: PositiveFloat = 60.0
    """The longest wait between attempts, Retry-After included."""


class NetworkSettings(_Model):
    """Timeouts and limits for talking to providers."""

    connect_timeout: PositiveFloat = 10.0
    """Seconds to wait for a connection."""
    stall_timeout: PositiveFloat = 60.0
    """Seconds a stream may go without a byte before it counts as stalled."""
    max_concurrent_per_provider: Annotated[int, Field(ge=1, le=64)] = 4
    """Requests in flight at once to one provider."""


class PriceSettings(_Model):
    """A user's own price for a model, in dollars per million tokens."""

    input: Decimal
    """Price of a million input tokens."""
    output: Decimal
    """Price of a million output tokens."""
    cached_input: Decimal | None = None
    """Price of a million cached input tokens, if the provider discounts them."""


class Settings(_Model):
    """Everything a user can set in config.toml."""

    default_provider: str = "demo"
    """The provider used when none is given on the command line."""
    default_model: str | None = None
    """The model used when none is given; the provider's default when unset."""
    theme: str = "tui-chat-dark"
    """The colour theme, by name."""
    show_sidebar: bool = True
    """Whether the usage sidebar is shown beside the chat."""
    retry: RetrySettings = Field(default_factory=RetrySettings)
    """Retry policy."""
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    """Timeouts and concurrency."""
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)
    """User-defined providers, or changes to the built-in ones."""
    prices: dict[str, PriceSettings] = Field(default_factory=dict)
    """Per-model price overrides, keyed by model name."""

    def all_providers(self) -> dict[str, ProviderSettings]:
        """The built-in providers with the user's additions and replacements."""
        return {**BUILTIN_PROVIDERS, **self.providers}


def _line_of(text: str, location: tuple[str | int, ...]) -> int | None:
    """The 1-based line where the last key of `location` is set, searched within its table."""
    keys = [str(part) for part in location if isinstance(part, str)]
    if not keys:
        return None
    table = ".".join(keys[:-1])
    in_table = table == ""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        header = re.match(r"^\[+\s*([^\]]+?)\s*\]+", stripped)
        if header:
            in_table = header.group(1).replace('"', "") == table
            if f"{table}.{keys[-1]}".strip(".") == header.group(1).replace('"', ""):
                return number
            continue
        if in_table and re.match(rf'^"?{re.escape(keys[-1])}"?\s*=', stripped):
            return number
    return None


def load_settings(path: Path) -> tuple[Settings, list[ConfigError]]:
    """Read settings from `path`; on any problem, defaults plus errors naming file, line and field."""
    if not path.exists():
        return Settings(), []
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return Settings(), [ConfigError(f"{path}: cannot read ({exc}).", hint="Using defaults.")]
    except tomllib.TOMLDecodeError as exc:
        return Settings(), [
            ConfigError(f"{path}: invalid TOML: {exc}.", hint="Fix the file; using defaults for now.")
        ]
    try:
        return Settings.model_validate(data), []
    except ValidationError as exc:
        errors = []
        for problem in exc.errors():
            field = ".".join(str(part) for part in problem["loc"])
            line = _line_of(text, problem["loc"])
            where = f"{path}, line {line}" if line else str(path)
            errors.append(
                ConfigError(
                    f"{where}: field '{field}': {problem['msg']}.",
                    hint="Fix the file; using defaults for now.",
                )
            )
        return Settings(), errors


def env_flag(name: str) -> bool:
    """Whether an environment variable is set to a true-ish value."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}
