"""Typed settings from config.toml (and the environment); keys are never part of them.

Validated with msgspec rather than pydantic: it gives the same strict, field-named errors and
imports in a few milliseconds, which keeps the first frame fast.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, field

from tui_chat.config_checks import (
    MAX_BUDGET,
    MAX_PRICE_PER_MTOK,
    check_amount,
    check_base_url,
    check_env_name,
    check_headers,
    check_keymap,
)
from tui_chat.config_file import json_string, parse_config, read_config_text, remember_setting  # noqa: F401 (public here)
from tui_chat.config_tools import McpServerSettings, ToolSettings
from tui_chat.core.errors import ConfigError


class _Model(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Strict settings: unknown fields and wrong types are errors."""


# Each subclass says frozen=True again: msgspec inherits it, but type checkers (PEP 681) do not.


class ProviderSettings(_Model, frozen=True):
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
    reasoning_style: Literal["openai", "openrouter", "none"] | None = None
    """How a reasoning effort is sent: `reasoning_effort` (openai), `reasoning: {effort}` (openrouter), or never
    (none); unset, openrouter.ai URLs take the OpenRouter style and all others the OpenAI one."""
    vision_models: tuple[str, ...] = ()
    """Glob patterns (e.g. "gpt-4o*") of the models that take images; images to others are refused before sending."""
    reports_cost: bool = False
    """Whether to ask for the charged cost in the usage object (OpenRouter's `usage: {include: true}`)."""

    def __post_init__(self) -> None:
        if self.base_url is not None:
            check_base_url(self.base_url)
        check_env_name(self.key_env)
        check_headers(self.headers)


BUILTIN_PROVIDERS: dict[str, ProviderSettings] = {
    "demo": ProviderSettings(needs_key=False, default_model="demo", local=True, vision_models=("demo",)),
    "openai": ProviderSettings(
        base_url="https://api.openai.com/v1",
        key_env="OPENAI_API_KEY",
        default_model="gpt-4o-mini",
        vision_models=("gpt-4o*", "chatgpt-4o*", "gpt-4.1*", "gpt-4.5*", "gpt-5*", "gpt-4-turbo*", "o1", "o3*", "o4*"),
    ),
    "openrouter": ProviderSettings(
        base_url="https://openrouter.ai/api/v1",
        key_env="OPENROUTER_API_KEY",
        default_model="openai/gpt-4o-mini",
        vision_models=("openai/gpt-4o*", "openai/gpt-4.1*", "openai/gpt-5*", "anthropic/claude-*", "google/gemini-*"),
        reports_cost=True,
    ),
    "ollama": ProviderSettings(
        base_url="http://localhost:11434/v1",
        needs_key=False,
        default_model="llama3.2",
        local=True,
        vision_models=("llava*", "llama3.2-vision*", "gemma3*", "qwen2.5vl*"),
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

PositiveFloat = Annotated[float, Meta(gt=0, le=86_400)]
"""Seconds: above zero and at most a day, so NaN, infinity and absurd waits are refused."""


class RetrySettings(_Model, frozen=True):
    """How failed requests are retried (only before the first token arrives)."""

    attempts: Annotated[int, Meta(ge=1, le=20)] = 4
    """Attempts in all, the first one included."""
    base_delay: PositiveFloat = 1.0
    """Seconds before the first retry; doubled each time, with jitter."""
    max_delay: PositiveFloat = 60.0
    """The longest backoff between attempts when the server names no wait."""
    max_retry_after: PositiveFloat = 300.0
    """The longest Retry-After waited out in full; a server asking for more ends the request, saying when to try again."""


class NetworkSettings(_Model, frozen=True):
    """Timeouts and limits for talking to providers."""

    connect_timeout: PositiveFloat = 10.0
    """Seconds to wait for a connection."""
    stall_timeout: PositiveFloat = 60.0
    """Seconds a stream may go without a byte before it counts as stalled."""
    max_concurrent_per_provider: Annotated[int, Meta(ge=1, le=64)] = 4
    """Requests in flight at once to one provider."""


class PriceSettings(_Model, frozen=True):
    """A user's own price for a model, in dollars per million tokens."""

    input: Decimal
    """Price of a million input tokens."""
    output: Decimal
    """Price of a million output tokens."""
    cached_input: Decimal | None = None
    """Price of a million cached input tokens, if the provider discounts them."""

    def __post_init__(self) -> None:
        for name in ("input", "output", "cached_input"):
            check_amount(name, getattr(self, name), at_most=MAX_PRICE_PER_MTOK)


class BudgetSettings(_Model, frozen=True):
    """Optional spending limits, in dollars; the sidebar warns at 80 % of each."""

    daily: Decimal | None = None
    """The most to spend in one local day."""
    monthly: Decimal | None = None
    """The most to spend in one calendar month."""
    over_budget: Literal["confirm", "refuse"] = "confirm"
    """At 100 %: ask before sending ("confirm") or do not send ("refuse")."""

    def __post_init__(self) -> None:
        for name in ("daily", "monthly"):
            check_amount(name, getattr(self, name), at_most=MAX_BUDGET, positive=True)


class AttachmentSettings(_Model, frozen=True):
    """Files attached to a message."""

    ask_above_mb: Annotated[float, Meta(gt=0, le=4096)] = 25.0
    """Files larger than this many megabytes are attached only after asking."""
    thumbnails: Literal["auto", "on", "off"] = "auto"
    """Image thumbnails in the chat: "auto" asks terminals known for graphics (Kitty, WezTerm, foot...), "on" any terminal."""


class Settings(_Model, frozen=True):
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
    debug: bool = False
    """Write a debug log (requests, retries, failures; keys redacted) to the state directory, like --debug."""
    thinking_while_streaming: bool = True
    """Whether a reasoning model's thinking streams open above its answer (it folds once the answer starts)."""
    tools: ToolSettings = field(default_factory=ToolSettings)
    """Built-in tools and the tool loop's limits."""
    mcp: dict[str, McpServerSettings] = field(default_factory=dict)
    """MCP servers by name, whose tools are offered to the model."""
    attachments: AttachmentSettings = field(default_factory=AttachmentSettings)
    """Limits on attached files."""

    def __post_init__(self) -> None:
        check_keymap(self.keymap)

    def all_providers(self) -> dict[str, ProviderSettings]:
        """The built-in providers with the user's additions and changes (a built-in's unset fields keep its values)."""
        return {**BUILTIN_PROVIDERS, **self.providers}


def _line_of(text: str, location: tuple[str | int, ...]) -> int | None:  # noqa: C901
    """The 1-based line where the last key of `location` is set, searched within its table."""
    keys = [str(part) for part in location if isinstance(part, str)]
    if not keys:
        return None
    table = ".".join(keys[:-1])
    in_table = table == ""
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        header = re.match(r"^\[+\s*([^\]]+?)\s*\]+", stripped)
        if header:
            name = re.sub(r"\s*\.\s*", ".", header.group(1)).replace('"', "").replace("'", "")
            in_table = name == table
            if f"{table}.{keys[-1]}".strip(".") == name:
                return number
            continue
        if in_table and re.match(rf"^[\"']?{re.escape(keys[-1])}[\"']?\s*=", stripped):
            return number
    return None


class ConfigFieldError(ConfigError):
    """One setting of config.toml that was ignored; `location` is its field path, e.g. ("providers", "mine")."""

    def __init__(self, detail: str, *, hint: str, location: tuple[str | int, ...]) -> None:
        super().__init__(detail, hint=hint)
        self.location = location


def load_settings(path: Path) -> tuple[Settings, list[ConfigError]]:
    """Read settings from `path`, keeping every valid setting; each one ignored is an error naming file, line and field.

    A file that cannot be read or is not TOML gives the defaults and one error.
    """
    try:
        if not path.exists():
            return Settings(), []
        text = read_config_text(path)
        data = parse_config(path, text)
    except ConfigError as exc:
        return Settings(), [exc]
    except OSError as exc:
        return Settings(), [ConfigError(f"{path}: cannot read ({exc.strerror or exc}).", hint="Using defaults.")]
    kept, problems = _valid_parts(data)
    try:
        settings = msgspec.convert(kept, Settings, strict=True)
    except (msgspec.ValidationError, RecursionError) as exc:  # parts valid alone but not together
        settings, problems = Settings(), [*problems, ((), f"{exc}; using defaults for everything")]
    return settings, [_problem(path, text, location, message) for location, message in problems]


KEYED_TABLES = {"providers": ProviderSettings, "prices": PriceSettings, "mcp": McpServerSettings}
TEXT_TABLES = ("keymap", "presets")
"""Tables of plain text values, each entry checked (and ignored) on its own."""
MAX_DROPS = 64
"""The most fields dropped from one setting before the whole setting is ignored."""

Problems = list[tuple[tuple[str | int, ...], str]]


def _valid_parts(data: dict) -> tuple[dict, Problems]:
    """The settings data without what is invalid, and a problem (field path, message) for each part left out.

    Keyed tables ([providers.x], [prices.x], [keymap], [presets]) keep their valid entries; other
    tables keep their valid fields; a dotted keymap id written as a nested table is joined back.
    """
    kept: dict = {}
    problems: Problems = []
    for key, value in data.items():
        if key == "keymap" and isinstance(value, dict):
            value = _dotted_ids(value)
        if key in KEYED_TABLES or key in TEXT_TABLES:
            if not isinstance(value, dict):
                problems.append(((key,), "Expected a table"))
                continue
            kept[key] = {}
            for name, entry in value.items():
                if key == "providers" and name in BUILTIN_PROVIDERS and isinstance(entry, dict):
                    entry = {**msgspec.to_builtins(BUILTIN_PROVIDERS[name]), **entry}  # a change, not a replacement
                problem = _entry_problem(key, name, entry)
                if problem is None:
                    kept[key][name] = entry
                else:
                    problems.append(((key, name, *problem[0]), problem[1]))
        else:
            value, found = _valid_setting(key, value)
            problems += found
            if found == [] or isinstance(value, dict):
                kept[key] = value
    return kept, problems


def _dotted_ids(keymap: dict, prefix: str = "") -> dict:
    """A keymap with nested tables ({"chat": {"new": "ctrl+t"}}, from chat.new = ...) as dotted ids."""
    flat: dict = {}
    for name, value in keymap.items():
        if isinstance(value, dict) and value:
            flat.update(_dotted_ids(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _entry_problem(table: str, name: str, entry: object) -> tuple[tuple[str | int, ...], str] | None:
    """What is wrong with one entry of a keyed table (its field path within the entry, the message), or None."""
    try:
        if table in KEYED_TABLES:
            msgspec.convert(entry, KEYED_TABLES[table], strict=True)
        else:
            msgspec.convert({table: {name: entry}}, Settings, strict=True)
    except msgspec.ValidationError as exc:
        problem, location = _split_problem(str(exc))
        return (location if table in KEYED_TABLES else ()), problem
    except RecursionError:
        return (), "values nested too deeply"
    return None


def _valid_setting(key: str, value: object) -> tuple[object, Problems]:
    """A top-level setting with its invalid fields dropped (a table keeps the rest), and the problems found."""
    problems: Problems = []
    for _ in range(MAX_DROPS):
        try:
            msgspec.convert({key: value}, Settings, strict=True)
            return value, problems
        except msgspec.ValidationError as exc:
            problem, location = _split_problem(str(exc))
        except RecursionError:
            problem, location = "values nested too deeply", (key,)
        field_name = location[1] if len(location) == 2 and location[0] == key else None
        if not isinstance(value, dict) or field_name not in value:
            problems.append(((key,) if not location or location[0] != key else location, problem))
            return None, problems
        problems.append((location, problem))
        value = {name: part for name, part in value.items() if name != field_name}
    problems.append(((key,), "too many problems"))
    return None, problems


def _problem(path: Path, text: str, location: tuple[str | int, ...], problem: str) -> ConfigError:
    """A ConfigFieldError naming the file, the line (when it can be found), the field and what was ignored."""
    line = _line_of(text, location)
    where = f"{path}, line {line}" if line else str(path)
    name = ".".join(str(part) for part in location) or "(top level)"
    if location[:1] in (("providers",), ("prices",)) and len(location) >= 2:
        entry = str(location[1])
        ignored = f"[{location[0]}.{entry if re.fullmatch(r'[A-Za-z0-9_-]+', entry) else json_string(entry)}]"
    else:
        ignored = f"'{name}'"
    hint = f"Ignoring {ignored} until the file is fixed; the rest of it is used." if location else "Using defaults."
    return ConfigFieldError(f"{where}: field '{name}': {problem}.", hint=hint, location=location)


def _split_problem(message: str) -> tuple[str, tuple[str | int, ...]]:
    """The problem and the field path from msgspec's "Problem - at `$.a.b[0]`" message.

    msgspec writes a dict key as `[...]`; the path stops there, at the table that holds it. A check
    in a `__post_init__` names its field as "`field` must ...", which extends the path.
    """
    problem, _, where = message.rpartition(" - at `$")
    if not problem:
        problem, where = message, ""
    location: list[str | int] = []
    for part in re.finditer(r"\.(?P<field>[^.\[`]+)|\[(?P<index>\d+)\]|(?P<key>\[\.\.\.\])", where):
        if part["key"]:
            break
        location.append(part["field"] if part["field"] else int(part["index"]))
    whole_path = len(location) == len(re.findall(r"\.[^.\[`]+|\[\d+\]", where))
    unknown = re.fullmatch(r"Object contains unknown field `(.*)`", problem, flags=re.DOTALL)
    checked = re.match(r"`(\w+)` must ", problem)
    if unknown and whole_path:
        location.append(unknown.group(1))
        problem = "unknown field"
    elif checked and whole_path:
        location.append(checked.group(1))
    return problem, tuple(location)
