"""Themes as data: the built-ins load, read well (WCAG contrast), and broken user files are reported, not fatal."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.css.stylesheet import Stylesheet
from textual.theme import Theme
from textual.widgets import Static

from tui_chat import theming
from tui_chat.config import Settings
from tui_chat.theming import (
    APP_VARIABLES,
    DEFAULT_THEME,
    ThemeError,
    load_themes,
    parse_theme,
    theme_variable_defaults,
)

BUILTIN_FILES = sorted((Path(__file__).resolve().parents[2] / "themes").glob("*.toml"))
BUILTINS, BUILTIN_PROBLEMS = load_themes(None)
BY_NAME = {theme.name: theme for theme in BUILTINS}
HIGH_CONTRAST = "tui-chat-high-contrast"

GOOD_THEME = """
name = "{name}"
dark = true
[colors]
primary = "#88c0d0"
foreground = "#eceff4"
background = "#2e3440"
[variables]
user-message-text = "#ffffff"
"""

# (text, background) pairs a reader sees; every text must reach 4.5:1 (WCAG AA), or 7:1 for high contrast.
MESSAGE_BACKGROUNDS = ("user-message-background", "assistant-message-background")
READ_PAIRS = [
    ("foreground", "background"),
    ("foreground", "surface"),
    ("foreground", "panel"),
    ("user-message-text", "user-message-background"),
    ("assistant-message-text", "assistant-message-background"),
    *[
        (text, bg)
        for text in ("message-header", "streaming-indicator", "warning-text", "error-text")
        for bg in MESSAGE_BACKGROUNDS
    ],
    *[(text, "sidebar-background") for text in ("foreground", "sidebar-accent", "cost-warning")],
]


def hex_rgb(value: str) -> tuple[int, int, int]:
    """The 0-255 channels of a #rrggbb colour."""
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", value), f"built-in colours are written #rrggbb, got {value!r}"
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def relative_luminance(value: str) -> float:
    """WCAG 2.x relative luminance: linearised sRGB channels weighted 0.2126, 0.7152, 0.0722."""

    def linear(channel: int) -> float:
        srgb = channel / 255
        return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in hex_rgb(value))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio (L1 + 0.05) / (L2 + 0.05), lighter over darker: 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def colour(theme: Theme, key: str) -> str:
    """A base colour or a tui-chat variable of a built-in theme, as written in its file."""
    value = theme.variables.get(key) or getattr(theme, key.replace("-", "_"), None)
    assert value, f"{theme.name} does not set {key}"
    return value


def test_the_formula_matches_known_wcag_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


def test_every_builtin_loads_and_validates() -> None:
    assert BUILTIN_PROBLEMS == []
    assert len(BUILTIN_FILES) >= 4
    assert [theme.name for theme in BUILTINS][0] == DEFAULT_THEME == Settings().theme
    assert sorted(f"{theme.name}.toml" for theme in BUILTINS) == [path.name for path in BUILTIN_FILES]
    assert {"tui-chat-dark", "tui-chat-light", HIGH_CONTRAST} <= set(BY_NAME)
    assert BY_NAME["tui-chat-dark"].dark and not BY_NAME["tui-chat-light"].dark


@pytest.mark.parametrize("theme", BUILTINS, ids=lambda theme: theme.name)
def test_builtins_set_every_colour_explicitly(theme: Theme) -> None:
    assert set(theme.variables) >= set(APP_VARIABLES)
    for key in (
        "primary",
        "secondary",
        "accent",
        "warning",
        "error",
        "success",
        "foreground",
        "background",
        "surface",
        "panel",
    ):
        hex_rgb(colour(theme, key))
    for key in APP_VARIABLES:
        hex_rgb(colour(theme, key))


@pytest.mark.parametrize("theme", BUILTINS, ids=lambda theme: theme.name)
def test_builtin_text_meets_wcag_contrast(theme: Theme) -> None:
    minimum = 7.0 if theme.name == HIGH_CONTRAST else 4.5
    ratios = {f"{text} on {bg}": contrast_ratio(colour(theme, text), colour(theme, bg)) for text, bg in READ_PAIRS}
    failing = {pair: round(ratio, 2) for pair, ratio in ratios.items() if ratio < minimum}
    assert not failing, f"{theme.name} below {minimum}:1: {failing}"


@pytest.mark.parametrize("theme", BUILTINS, ids=lambda theme: theme.name)
def test_code_highlighting_colours_are_readable(theme: Theme) -> None:
    """Textual highlights code fences with $text-primary, $text-accent...; those derive from the theme's colours."""
    minimum = 7.0 if theme.name == HIGH_CONTRAST else 4.5
    generated = theme.to_color_system().generate()
    background = colour(theme, "assistant-message-background")
    for name in ("text-primary", "text-secondary", "text-accent", "text-warning", "text-error", "text-success"):
        assert contrast_ratio(generated[name][:7], background) >= minimum, f"{theme.name}: ${name}"


def test_variable_defaults_cover_every_app_variable_for_any_theme() -> None:
    assert set(theme_variable_defaults()) == set(APP_VARIABLES)
    for theme in (*BUILTINS, Theme(name="bare", primary="#ff0000", dark=False)):
        assert set(theme_variable_defaults(theme)) == set(APP_VARIABLES)


class VariablesApp(App[None]):
    """Uses every tui-chat variable in CSS, as app.tcss does, so a bad value fails the stylesheet."""

    CSS = "Static {" + " ".join(f"color: ${name};" for name in APP_VARIABLES) + "}"

    def __init__(self, themes: list[Theme]) -> None:
        super().__init__()
        for theme in themes:
            self.register_theme(theme)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return theme_variable_defaults(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Static("x")


async def test_every_theme_resolves_the_app_variables_in_css(tmp_path: Path) -> None:
    (tmp_path / "partial.toml").write_text(GOOD_THEME.format(name="partial"), encoding="utf-8")
    themes, problems = load_themes(tmp_path)
    assert problems == []
    app = VariablesApp(themes)
    async with app.run_test() as pilot:
        for name in [theme.name for theme in themes] + ["textual-light", "nord"]:
            app.theme = name
            await pilot.pause()
            assert app.current_theme.name == name
            assert app.stylesheet.rules  # parsed: every $variable had a usable value


def test_a_broken_user_theme_is_reported_and_the_good_one_still_loads(tmp_path: Path) -> None:
    (tmp_path / "good.toml").write_text(GOOD_THEME.format(name="my-nord"), encoding="utf-8")
    (tmp_path / "broken.toml").write_text('name = "oops"\ndark = true\n[colors\n', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a theme", encoding="utf-8")
    themes, problems = load_themes(tmp_path)
    assert [theme.name for theme in themes] == [theme.name for theme in BUILTINS] + ["my-nord"]
    assert len(problems) == 1
    problem = problems[0]
    assert isinstance(problem, ThemeError) and problem.title == "Theme file problem"
    assert str(tmp_path / "broken.toml") in problem.message and "not valid TOML" in problem.message
    assert "my-nord" in [theme.name for theme in load_themes(tmp_path)[0]]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            'name = "x"\ndark = true\nshiny = 1\n[colors]\nprimary = "#fff"\nforeground = "#fff"\nbackground = "#000"',
            "unknown key 'shiny'",
        ),
        (
            'name = "x"\ndark = true\n[colors]\nprimray = "#fff"\nforeground = "#fff"\nbackground = "#000"',
            "unknown key 'colors.primray'",
        ),
        (GOOD_THEME.format(name="x") + 'user-mesage-text = "#fff"\n', "unknown variable 'variables.user-mesage-text'"),
        (GOOD_THEME.format(name="x") + 'primary = "#fff"\n', "set it under [colors]"),
        (
            'name = "x"\ndark = true\n[colors]\nprimary = "#fff"\nforeground = "#fff"',
            "missing required key 'colors.background'",
        ),
        (
            'dark = true\n[colors]\nprimary = "#fff"\nforeground = "#fff"\nbackground = "#000"',
            "missing required key 'name'",
        ),
        (
            'name = "x"\n[colors]\nprimary = "#fff"\nforeground = "#fff"\nbackground = "#000"',
            "missing required key 'dark'",
        ),
        (
            'name = "x"\ndark = "yes"\n[colors]\nprimary = "#fff"\nforeground = "#fff"\nbackground = "#000"',
            "'dark' must be true or false",
        ),
        ('name = "x"\ndark = true\ncolors = "red"', "'colors' must be a table"),
        (
            'name = "x y"\ndark = true\n[colors]\nprimary = "#fff"\nforeground = "#fff"\nbackground = "#000"',
            "'name' must be",
        ),
        (
            'name = "x"\ndark = true\ntext_alpha = 2\n[colors]\nprimary = "#fff"\nforeground = "#fff"\nbackground = "#000"',
            "'text_alpha' must be",
        ),
    ],
)
def test_structural_problems_are_named(body: str, expected: str) -> None:
    with pytest.raises(ThemeError) as caught:
        parse_theme(body, "mine.toml")
    assert caught.value.message.startswith("mine.toml: ")
    assert expected in caught.value.message


@pytest.mark.parametrize("value", ["#ggg", "#12345", "blurple", "rgb(1,2)", "", "ansi_red", "#fff 50%", "12"])
def test_bad_base_colours_are_rejected(value: str) -> None:
    text = (
        f'name = "x"\ndark = true\n[colors]\nprimary = {json.dumps(value)}\nforeground = "#fff"\nbackground = "#000"\n'
    )
    with pytest.raises(ThemeError, match=r"'colors.primary' must be a colour"):
        parse_theme(text, "mine.toml")


@pytest.mark.parametrize("value", ["#ggg", "nope 50%", "#fff 50", "#fff 150%", "auto 60%", 3, "ansi_blue"])
def test_bad_variable_colours_are_rejected(value: object) -> None:
    with pytest.raises(ThemeError, match=r"'variables.error-text' must be a colour"):
        parse_theme(GOOD_THEME.format(name="x") + f"error-text = {json.dumps(value)}\n", "mine.toml")


def test_css_colour_forms_and_textual_variables_are_accepted() -> None:
    extra = 'error-text = "#ff0000 80%"\ntext-muted = "auto 60%"\nfooter-key-foreground = "rgb(1, 2, 3)"\n'
    theme = parse_theme(GOOD_THEME.format(name="x") + extra + 'block-cursor-text-style = "bold reverse"\n')
    assert theme.variables["footer-key-foreground"] == "rgb(1, 2, 3)"
    with pytest.raises(ThemeError, match="style words"):
        parse_theme(GOOD_THEME.format(name="x") + 'block-cursor-text-style = "sparkly"\n')


def test_a_user_theme_may_not_replace_a_builtin_or_an_earlier_user_theme(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(GOOD_THEME.format(name=DEFAULT_THEME), encoding="utf-8")
    (tmp_path / "b.toml").write_text(GOOD_THEME.format(name="nord"), encoding="utf-8")
    (tmp_path / "c.toml").write_text(GOOD_THEME.format(name="mine"), encoding="utf-8")
    (tmp_path / "d.toml").write_text(GOOD_THEME.format(name="mine"), encoding="utf-8")
    themes, problems = load_themes(tmp_path)
    assert BY_NAME[DEFAULT_THEME] in themes and [theme.name for theme in themes].count("mine") == 1
    messages = [problem.message for problem in problems]
    assert len(messages) == 3
    assert "a.toml" in messages[0] and "taken by a built-in theme" in messages[0]
    assert "b.toml" in messages[1] and "Textual built-in theme" in messages[1]
    assert "d.toml" in messages[2] and "c.toml" in messages[2]


def test_unreadable_oversized_and_missing_inputs_are_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes(b'name = "caf\xe9"\n')
    (tmp_path / "huge.toml").write_text("# " + "x" * 70_000, encoding="utf-8")
    themes, problems = load_themes(tmp_path)
    assert len(themes) == len(BUILTINS)
    assert sorted(Path(problem.source).name for problem in problems) == ["huge.toml", "latin1.toml"]
    assert load_themes(tmp_path / "does-not-exist") == (BUILTINS, [])


def test_installed_theme_data_comes_first_and_a_checkout_is_the_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "packaged.toml").write_text(GOOD_THEME.format(name="packaged"), encoding="utf-8")
    monkeypatch.setattr(theming.resources, "files", lambda package: tmp_path)
    assert [theme.name for theme in load_themes(None)[0]] == ["packaged"]

    def not_installed(package: str) -> None:
        raise ModuleNotFoundError(package)

    monkeypatch.setattr(theming.resources, "files", not_installed)
    assert [theme.name for theme in load_themes(None)[0]] == [theme.name for theme in BUILTINS]


TOML_KEYS = st.sampled_from(
    ["name", "dark", "colors", "variables", "text_alpha", "primary", "background", "foreground", "error-text", "x"]
)
COLOURISH = st.one_of(
    st.text(max_size=12),
    st.from_regex(r"#[0-9a-fA-Fg]{0,9}( [0-9]{1,3}%)?", fullmatch=True),
    st.from_regex(r"(rgb|hsl)a?\([0-9., %-]{0,16}\)", fullmatch=True),
    st.sampled_from(["auto 87%", "auto", "initial", "red", "transparent", "ansi_red", "#fff 50%", "#fff 150%"]),
)
USES = ["user-message-background", "user-message-border", "error-text", "footer-background", "text"]
GOOD_COLOUR = st.sampled_from(["#112233", "#abc", "red", "rgb(10, 20, 30)", "hsl(200,50%,40%)"])
SCALARS = st.one_of(COLOURISH, st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True))
TOML_DATA = st.dictionaries(
    TOML_KEYS | st.text(min_size=1, max_size=8),
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TOML_KEYS, inner, max_size=4),
        max_leaves=12,
    ),
    max_size=6,
)
NEAR_VALID = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["mine", "mine", "mine", "x y", "", 5]),
        "dark": st.booleans(),
        "colors": st.fixed_dictionaries(
            {key: GOOD_COLOUR | COLOURISH for key in ("primary", "foreground", "background")},
            optional={key: GOOD_COLOUR | COLOURISH for key in ("panel", "boost", "blue")},
        ),
    },
    optional={
        "variables": st.dictionaries(
            st.sampled_from([*APP_VARIABLES, "text", "link-style", "footer-background", "nope"]),
            GOOD_COLOUR | COLOURISH,
        ),
        "text_alpha": SCALARS,
    },
)


def to_toml(data: dict) -> str:
    """Inline TOML for any nested dict of scalars and lists (json strings are valid TOML strings)."""

    def value(item: object) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, float):
            return (
                "nan" if item != item else ("inf" if item > 0 else "-inf") if abs(item) == float("inf") else repr(item)
            )
        if isinstance(item, dict):
            return (
                "{"
                + ", ".join(f"{json.dumps(key, ensure_ascii=False)} = {value(inner)}" for key, inner in item.items())
                + "}"
            )
        if isinstance(item, list):
            return "[" + ", ".join(value(inner) for inner in item) + "]"
        return json.dumps(item, ensure_ascii=False) if isinstance(item, str) else str(item)

    return "\n".join(f"{json.dumps(key, ensure_ascii=False)} = {value(item)}" for key, item in data.items())


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200) | TOML_DATA.map(to_toml) | NEAR_VALID.map(to_toml))
def test_any_input_gives_a_theme_or_our_error(text: str) -> None:
    try:
        theme = parse_theme(text, "fuzz.toml")
    except ThemeError as exc:
        assert exc.message.startswith("fuzz.toml: ")
    else:
        assert isinstance(theme, Theme)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(COLOURISH, st.sampled_from(["color: $v", "background: $v", "border-left: thick $v"]), st.sampled_from(USES))
def test_every_accepted_variable_value_is_valid_textual_css(value: str, rule: str, name: str) -> None:
    """Whatever the loader accepts for a variable, Textual's stylesheet parses where that variable is used."""
    try:
        theme = parse_theme(GOOD_THEME.format(name="x") + f"{name} = {json.dumps(value)}\n")
    except ThemeError:
        return
    if name == "text" and not rule.startswith("color"):
        return  # Textual uses $text only as a text colour
    sheet = Stylesheet(variables={**theme.to_color_system().generate(), **theme.variables, "v": theme.variables[name]})
    sheet.add_source(f"Static {{ {rule}; }}", read_from=("fuzz.tcss", ""))
    sheet.parse()
