"""Theme TOML files -> textual.theme.Theme: the built-ins shipped in the package, then the user's own.

A theme file has `name`, `dark`, a `[colors]` table of Textual's base colours and an optional
`[variables]` table of tui-chat colours (APP_VARIABLES) or Textual variables. Validation is by hand,
not pydantic, so loading costs a few milliseconds and every error names the file and the key.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, TypedDict

from textual.color import Color, ColorParseError
from textual.css.constants import VALID_STYLE_FLAGS
from textual.design import ColorSystem
from textual.theme import BUILTIN_THEMES as TEXTUAL_THEMES
from textual.theme import Theme

from tui_chat.core.errors import ConfigError

DEFAULT_THEME = "tui-chat-dark"

APP_VARIABLES: dict[str, str] = {
    "user-message-text": "text of the user's messages",
    "user-message-background": "background of the user's messages",
    "user-message-border": "left bar of the user's messages",
    "assistant-message-text": "text of the model's replies",
    "assistant-message-background": "background of the model's replies",
    "assistant-message-border": "left bar of the model's replies",
    "message-header": "the line above each message naming who wrote it",
    "streaming-indicator": "header of the reply being streamed, and the prompt border meanwhile",
    "warning-text": "header of a cancelled, partial or truncated reply",
    "error-text": "header of a failed reply",
    "sidebar-background": "background of the usage sidebar",
    "sidebar-accent": "sidebar titles and the sidebar's edge",
    "cost-warning": "spending figures that need attention, and the demo-mode note",
}
"""The colours tui-chat adds to Textual's, each a theme variable usable as $name in app.tcss."""

BASE_COLORS = ("primary", "secondary", "accent", "warning", "error", "success")
SURFACE_COLORS = ("foreground", "background", "surface", "panel", "boost")
REQUIRED_COLORS = ("primary", "foreground", "background")
TOP_LEVEL_KEYS = ("name", "dark", "colors", "variables", "luminosity_spread", "text_alpha")
MAX_FILE_BYTES = 64 * 1024
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CSS_COLOR = re.compile(r"(?P<color>.+?)(?:\s+(?P<alpha>100|\d{1,2}(?:\.\d+)?)%)?")
_CSS_KEYWORDS = {"auto", "initial"}


class _ThemeOptions(TypedDict, total=False):
    """The optional top-level numbers of a theme file, as Theme's keyword arguments."""

    luminosity_spread: float
    text_alpha: float


class ThemeError(ConfigError):
    """A theme file that could not be used; the other themes still load."""

    kind = "theme"
    title = "Theme file problem"

    def __init__(
        self, source: str, problem: str, *, hint: str = "Fix or remove that file; the rest still work."
    ) -> None:
        super().__init__(f"{source}: {problem}", hint=hint)
        self.source = source
        self.problem = problem


def parse_theme(text: str, source: str = "<theme>") -> Theme:
    """One theme from TOML text; raises ThemeError (naming `source` and the key) on any problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(source, f"not valid TOML ({exc})") from None
    except RecursionError:
        raise ThemeError(source, "not valid TOML (values nested too deeply)") from None
    _check_keys(source, data, TOP_LEVEL_KEYS, "")
    name = _required(source, data, "name", "")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ThemeError(source, "'name' must be 1-64 letters, digits, '.', '-' or '_', not starting with a symbol")
    dark = _required(source, data, "dark", "")
    if not isinstance(dark, bool):
        raise ThemeError(source, "'dark' must be true or false")
    colors = _table(source, data, "colors", required=True)
    _check_keys(source, colors, BASE_COLORS + SURFACE_COLORS, "colors.")
    for key in REQUIRED_COLORS:
        _required(source, colors, key, "colors.")
    for key, value in colors.items():
        _check_color(source, f"colors.{key}", value)
    variables = _table(source, data, "variables", required=False)
    for key, value in variables.items():
        _check_variable(source, key, value)
    options: _ThemeOptions = {}
    if "luminosity_spread" in data:
        options["luminosity_spread"] = _fraction(source, data, "luminosity_spread")
    if "text_alpha" in data:
        options["text_alpha"] = _fraction(source, data, "text_alpha")
    theme = Theme(name=name, dark=dark, variables=dict(variables), **colors, **options)
    try:
        theme.to_color_system().generate()
    except Exception as exc:  # Textual's own colour maths must never fail at start-up on user data
        raise ThemeError(source, f"Textual could not build the colours ({exc})") from None
    return theme


def load_themes(user_dir: Path | None) -> tuple[list[Theme], list[ConfigError]]:
    """The built-in themes, then the valid user themes in `user_dir`; every broken file becomes an error.

    A user theme may not take the name of a built-in (tui-chat's or Textual's) nor of an earlier
    user file: it is reported and skipped, so a typo never silently changes a theme someone relies on.
    """
    themes: list[Theme] = []
    problems: list[ConfigError] = []
    for entry in _builtin_files():
        try:
            themes.append(parse_theme(entry.read_text(encoding="utf-8"), f"built-in theme {entry.name}"))
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(ThemeError(f"built-in theme {entry.name}", f"cannot be read ({exc})"))
        except ThemeError as exc:
            problems.append(exc)
    if not themes:
        problems.append(ThemeError("tui_chat/themes", "no built-in themes found", hint="Reinstall tui-chat."))
    reserved = {theme.name: "a built-in theme" for theme in themes}
    reserved.update({name: "a Textual built-in theme" for name in TEXTUAL_THEMES if name not in reserved})
    for path in _user_files(user_dir, problems):
        try:
            theme = parse_theme(_read_user_file(path), str(path))
        except ThemeError as exc:
            problems.append(exc)
            continue
        if theme.name in reserved:
            taken_by = reserved[theme.name]
            problems.append(ThemeError(str(path), f"the name '{theme.name}' is taken by {taken_by}; choose another"))
            continue
        reserved[theme.name] = f"the theme in {path.name}"
        themes.append(theme)
    return themes, problems


def theme_variable_defaults(theme: Theme | None = None) -> dict[str, str]:
    """Values for the APP_VARIABLES a theme leaves unset, derived from its Textual colours.

    ChatApp.get_theme_variable_defaults returns this for the current theme, so Textual's own themes
    (nord, gruvbox...) get matching message and sidebar colours too.
    """
    colors = (theme or TEXTUAL_THEMES["textual-dark"]).to_color_system().generate()
    return {
        "user-message-text": colors["foreground"],
        "user-message-background": colors["surface"],
        "user-message-border": colors["secondary"],
        "assistant-message-text": colors["foreground"],
        "assistant-message-background": colors["background"],
        "assistant-message-border": colors["primary"],
        "message-header": colors["text-muted"],
        "streaming-indicator": colors["accent"],
        "warning-text": colors["warning"],
        "error-text": colors["error"],
        "sidebar-background": colors["panel"],
        "sidebar-accent": colors["primary"],
        "cost-warning": colors["warning"],
    }


def _builtin_files() -> list[Traversable]:
    """The built-in theme files: installed `tui_chat.themes` data, else `themes/` of a source checkout."""
    entries: list[Traversable] = []
    try:
        folder = resources.files("tui_chat.themes")
        entries = [entry for entry in folder.iterdir() if entry.name.endswith(".toml")]
    except (ModuleNotFoundError, TypeError, OSError):
        pass
    if not entries:
        root = Path(__file__).resolve().parent.parent
        if (root / "pyproject.toml").is_file() and (root / "themes").is_dir():
            entries = list((root / "themes").glob("*.toml"))
    return sorted(entries, key=lambda entry: (entry.name != f"{DEFAULT_THEME}.toml", entry.name))


def _user_files(user_dir: Path | None, problems: list[ConfigError]) -> list[Path]:
    """The `*.toml` files in the user's theme folder, in name order; hidden files are skipped."""
    if user_dir is None or not user_dir.is_dir():
        return []
    try:
        return sorted(path for path in user_dir.glob("*.toml") if not path.name.startswith("."))
    except OSError as exc:
        problems.append(ThemeError(str(user_dir), f"cannot be listed ({exc})"))
        return []


def _read_user_file(path: Path) -> str:
    """The text of one user theme file, refusing unreadable, non-UTF-8 or oversized files."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ThemeError(str(path), f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ThemeError(str(path), f"is larger than {MAX_FILE_BYTES // 1024} KiB; a theme is a few lines")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ThemeError(str(path), "is not UTF-8 text") from None


def _check_keys(source: str, table: dict[str, Any], allowed: tuple[str, ...], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise ThemeError(source, f"unknown key '{prefix}{key}' (allowed: {', '.join(allowed)})")


def _required(source: str, table: dict[str, Any], key: str, prefix: str) -> Any:
    if key not in table:
        raise ThemeError(source, f"missing required key '{prefix}{key}'")
    return table[key]


def _table(source: str, data: dict[str, Any], key: str, *, required: bool) -> dict[str, Any]:
    if key not in data and not required:
        return {}
    value = _required(source, data, key, "")
    if not isinstance(value, dict):
        raise ThemeError(source, f"'{key}' must be a table, written [{key}]")
    return value


def _fraction(source: str, data: dict[str, Any], key: str) -> float:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ThemeError(source, f"'{key}' must be a number from 0 to 1")
    return float(value)


def _check_color(source: str, key: str, value: Any, *, css: bool = False, keyword: str = "") -> None:
    """What Color.parse accepts, minus ANSI names; a CSS value may add an alpha ("#fff 50%") or be `keyword`."""
    match = _CSS_COLOR.fullmatch(value.strip()) if css and isinstance(value, str) else None
    text = match["color"] if match else value
    if keyword and text == keyword:
        return
    problem = f'\'{key}\' must be a colour such as "#1e90ff" or "rgb(30,144,255)", not {value!r}'
    if not isinstance(text, str) or text.startswith("ansi_"):
        raise ThemeError(source, problem)
    try:
        Color.parse(text)
    except (ColorParseError, ValueError, ArithmeticError):
        raise ThemeError(source, problem) from None


def _check_variable(source: str, key: str, value: Any) -> None:
    """A variable must be a tui-chat colour or a Textual variable, with a value of the right kind."""
    if key not in APP_VARIABLES and key not in _textual_variables():
        hint = " (set it under [colors])" if key in BASE_COLORS + SURFACE_COLORS else ""
        ours = ", ".join(APP_VARIABLES)
        raise ThemeError(source, f"unknown variable 'variables.{key}'{hint}; tui-chat's are: {ours}")
    if _is_style_variable(key):
        words = value.split() if isinstance(value, str) else None
        if not words or any(word not in VALID_STYLE_FLAGS for word in words) or not _is_rich_style(" ".join(words)):
            raise ThemeError(
                source, f'\'variables.{key}\' must be style words like "bold" or "not underline", not {value!r}'
            )
        return
    keyword = _textual_variables().get(key, "").partition(" ")[0]
    _check_color(source, f"variables.{key}", value, css=True, keyword=keyword if keyword in _CSS_KEYWORDS else "")


def _is_style_variable(key: str) -> bool:
    """Whether a Textual variable holds style words (its default does, as "bold not underline"), not a colour."""
    default = _textual_variables().get(key)
    return default is not None and all(word in VALID_STYLE_FLAGS for word in default.split())


def _is_rich_style(words: str) -> bool:
    """Whether Rich, which applies a text-style, can parse the words ("not" needs an attribute after it)."""
    from rich.errors import StyleSyntaxError
    from rich.style import Style

    try:
        Style.parse(words)
    except StyleSyntaxError:
        return False
    return True


@lru_cache(maxsize=1)
def _textual_variables() -> dict[str, str]:
    """Textual's own variables (other than the base colours) and their defaults; `auto` fits only some."""
    defaults = ColorSystem("#000000").generate()
    return {name: value for name, value in defaults.items() if name not in BASE_COLORS + SURFACE_COLORS}
