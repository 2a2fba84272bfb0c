"""Typed settings from config.toml (and the environment); keys are never part of them.

Validated with msgspec rather than pydantic: it gives the same strict, field-named errors and
imports in a few milliseconds, which keeps the first frame fast.
"""

from __future__ import annotations

import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, field

from tui_chat.core.errors import ConfigError


class _Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Strict settings: unknown fields and wrong types are errors."""


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
    headers: dict[str, str] = field(default_factory=dict)
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

PositiveFloat = Annotated[float, Meta(gt=0)]


class RetrySettings(_Model):
    """How failed requests are retried (only before the first token arrives)."""

    attempts: Annotated[int, Meta(ge=1, le=20)] = 4
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
    max_concurrent_per_provider: Annotated[int, Meta(ge=1, le=64)] = 4
    """Requests in flight at once to one provider."""


class PriceSettings(_Model):
    """A user's own price for a model, in dollars per million tokens."""

    input: Decimal
    """Price of a million input tokens."""
    output: Decimal
    """Price of a million output tokens."""
    cached_input: Decimal | None = None
    """Price of a million cached input tokens, if the provider discounts them."""


class BudgetSettings(_Model):
    """Optional spending limits, in dollars; the sidebar warns at 80 % of each."""

    daily: Decimal | None = None
    """The most to spend in one local day."""
    monthly: Decimal | None = None
    """The most to spend in one calendar month."""
    over_budget: Literal["confirm", "refuse"] = "confirm"
    """At 100 %: ask before sending ("confirm") or do not send ("refuse")."""

    def __post_init__(self) -> None:
        for name in ("daily", "monthly"):
            limit = getattr(self, name)
            if limit is not None and not limit > 0:
                raise ValueError(f"Expected `{name}` > 0")


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
    retry: RetrySettings = field(default_factory=RetrySettings)
    """Retry policy."""
    network: NetworkSettings = field(default_factory=NetworkSettings)
    """Timeouts and concurrency."""
    providers: dict[str, ProviderSettings] = field(default_factory=dict)
    """User-defined providers, or changes to the built-in ones."""
    prices: dict[str, PriceSettings] = field(default_factory=dict)
    """Per-model price overrides, keyed by model name."""
    budget: BudgetSettings = field(default_factory=BudgetSettings)
    """Daily and monthly spending limits."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Key remaps by binding id, e.g. "chat.search" = "ctrl+f,f3" (ids are listed on the F1 screen)."""
    presets: dict[str, str] = field(default_factory=dict)
    """Named system prompts offered when starting or editing a conversation."""
    show_conversations: bool = True
    """Whether the conversation list is shown beside the chat."""

    def all_providers(self) -> dict[str, ProviderSettings]:
        """The built-in providers with the user's additions and replacements."""
        return {**BUILTIN_PROVIDERS, **self.providers}


def _line_of(text: str, location: tuple[str | int, ...]) -> int | None:  # noqa: C901
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
    errors = [_problem(path, text, location, message) for location, message in _validate(data)]
    if errors:
        return Settings(), errors
    return msgspec.convert(data, Settings, strict=True), []


KEYED_TABLES = {"providers": ProviderSettings, "prices": PriceSettings}


def _validate(data: dict) -> list[tuple[tuple[str | int, ...], str]]:
    """Every problem in the data, with its field path; keyed tables are checked entry by entry."""
    problems = []
    top = {key: value for key, value in data.items() if key not in KEYED_TABLES}
    try:
        msgspec.convert(top, Settings, strict=True)
    except msgspec.ValidationError as exc:
        problem, location = _split_problem(str(exc))
        problems.append((location, problem))
    for table, entry_type in KEYED_TABLES.items():
        entries = data.get(table, {})
        if not isinstance(entries, dict):
            problems.append(((table,), "Expected a table"))
            continue
        for name, entry in entries.items():
            try:
                msgspec.convert(entry, entry_type, strict=True)
            except msgspec.ValidationError as exc:
                problem, location = _split_problem(str(exc))
                problems.append(((table, name, *location), problem))
    return problems


def _problem(path: Path, text: str, location: tuple[str | int, ...], problem: str) -> ConfigError:
    """A ConfigError naming the file, the line (when it can be found) and the field."""
    line = _line_of(text, location)
    where = f"{path}, line {line}" if line else str(path)
    name = ".".join(str(part) for part in location) or "(top level)"
    return ConfigError(f"{where}: field '{name}': {problem}.", hint="Fix the file; using defaults for now.")


def _split_problem(message: str) -> tuple[str, tuple[str | int, ...]]:
    """The problem and the field path from msgspec's "Problem - at `$.a.b[0]`" message."""
    problem, _, where = message.partition(" - at `$")
    location: list[str | int] = []
    for part in re.findall(r"\.([^.\[`]+)|\[(\d+)\]", where):
        location.append(part[0] if part[0] else int(part[1]))
    unknown = re.match(r"Object contains unknown field `([^`]+)`", problem)
    if unknown:
        location.append(unknown.group(1))
        problem = "unknown field"
    return problem, tuple(location)


def env_flag(name: str) -> bool:
    """Whether an environment variable is set to a true-ish value."""
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def remember_setting(path: Path, key: str, value: str) -> None:
    """Set a top-level string setting in config.toml, keeping every other line, written atomically."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key):
        raise ConfigError(f"'{key}' is not a setting name.")
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc}); not changed.", hint="Fix the file first.") from None
    rendered = f"{key} = {json_string(value)}"
    lines = text.splitlines()
    first_table = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for index in range(first_table):
        if pattern.match(lines[index]):
            lines[index] = rendered
            break
    else:
        lines.insert(0, rendered)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.replace(temporary, path)


def json_string(value: str) -> str:
    """A TOML basic string for `value` (TOML's escapes are JSON's)."""
    import json

    return json.dumps(value, ensure_ascii=False)
