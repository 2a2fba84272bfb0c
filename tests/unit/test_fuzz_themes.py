"""Fuzzing theme files: any input gives a theme or a ThemeError naming the file, and what loads works in Textual."""

from __future__ import annotations

import importlib
import pkgutil
import re
import tempfile
from functools import cache
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.app import App, ComposeResult
from textual.css.constants import VALID_STYLE_FLAGS
from textual.css.styles import Styles
from textual.css.stylesheet import Stylesheet
from textual.design import ColorSystem
from textual.dom import DOMNode
from textual.theme import Theme
from textual.widgets import Button, DataTable, Footer, Input, Markdown, Select, TextArea

import tui_chat.screens
import tui_chat.widgets
from tests.toml_writer import to_toml
from tui_chat import theming
from tui_chat.theming import (
    APP_VARIABLES,
    BASE_COLORS,
    SURFACE_COLORS,
    ThemeError,
    load_themes,
    parse_theme,
    theme_variable_defaults,
)

STYLESHEET = Path(theming.__file__).with_name("app.tcss")
BUILTIN_NAMES = [theme.name for theme in load_themes(None)[0]]


@cache
def declarations_by_variable() -> dict[str, frozenset[str]]:
    """Every `property: value;` that uses a $variable, in app.tcss and in the DEFAULT_CSS of every widget and screen."""
    import textual.widgets

    for name in textual.widgets.__all__:
        getattr(textual.widgets, name)
    for package in (tui_chat.widgets, tui_chat.screens):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")

    def subclasses(cls: type) -> set[type]:
        found = set(cls.__subclasses__())
        return found.union(*(subclasses(sub) for sub in found))

    sources = [cls.__dict__.get("DEFAULT_CSS", "") for cls in subclasses(DOMNode)] + [
        STYLESHEET.read_text(encoding="utf-8")
    ]
    uses: dict[str, set[str]] = {}
    for source in sources:
        for prop, value in re.findall(r"([a-z-]+)\s*:\s*([^;{}\n]*\$[a-z0-9-]+[^;{}\n]*?)\s*(?:;|\n|})", source):
            for variable in re.findall(r"\$([a-z0-9-]+)", value):
                uses.setdefault(variable, set()).add(f"{prop}: {value.strip()};")
    return {variable: frozenset(found) for variable, found in uses.items()}


def css_variables(theme: Theme) -> dict[str, str]:
    """The variables an app sees for a theme, combined as App.get_css_variables combines them."""
    return {**theme_variable_defaults(theme), **theme.to_color_system().generate(), **theme.variables}


def assert_textual_accepts(theme: Theme) -> None:
    """Every declaration that uses one of the theme's own variables parses, and applies, with the theme's values."""
    assert isinstance(theme, Theme)
    used = sorted({line for name in theme.variables for line in declarations_by_variable().get(name, ())})
    sheet = Stylesheet(variables=css_variables(theme))
    sheet.add_source("Widget {\n" + "\n".join(used) + "\n}", read_from=("fuzz.tcss", ""))
    sheet.parse()
    for rule_set in sheet.rules:
        for name, value in rule_set.styles.get_rules().items():
            setattr(
                Styles(), name, value
            )  # as Stylesheet.replace_rules applies them: text-style goes through Rich here


VARIABLE_NAMES = sorted({*APP_VARIABLES, *theming._textual_variables()})
COLOUR = st.sampled_from(
    [
        "#112233",
        "#abc",
        "#11223344",
        "red",
        "transparent",
        "rgb(10, 20, 30)",
        "hsl(200,50%,40%)",
        "rgba(1,2,3,0.5)",
        "ansi_red",
        "#ggg",
        "#12345",
        "rgb(1,2)",
        "",
        " ",
        "#fff 50%",
        "auto",
        "auto 87%",
        "initial",
        "inherit",
        "$primary",
        "#fff 150%",
        "hsl(1e9, 50%, 50%)",
        "rgb(999,999,999)",
        "#fff 50% 40%",
        "[b]red[/b]",
        "\x1b[31m",
    ]
) | st.from_regex(
    r"(#[0-9a-fA-F]{3,8}|[a-z]{3,8}|(rgb|hsl)a?\([0-9., %-]{0,14}\))( [0-9]{1,3}(\.[0-9])?%)?", fullmatch=True
)
STYLE = st.lists(st.sampled_from(["bold", "not", "none", "underline", "b", "reverse", "sparkly", ""]), max_size=3).map(
    " ".join
)
NUMBER = st.floats() | st.integers(min_value=-2, max_value=2) | st.just(True)
ANY = st.recursive(
    st.text(max_size=10) | st.booleans() | st.integers() | st.floats(),
    lambda inner: st.lists(inner, max_size=2),
    max_leaves=4,
)


GOOD_COLOUR = st.from_regex(r"#[0-9a-f]{6}", fullmatch=True) | st.sampled_from(
    ["red", "rgb(10, 20, 30)", "hsl(200,50%,40%)"]
)
GOOD_VALUE = GOOD_COLOUR | st.sampled_from(["#fff 50%", "auto 87%", "auto", "initial", "transparent", "red 10%"])


def mostly(good: st.SearchStrategy, anything: st.SearchStrategy) -> st.SearchStrategy:
    """Usually a plausible value, so most themes get far enough to be checked; sometimes anything at all."""
    return st.integers(0, 9).flatmap(lambda pick: anything if pick == 0 else good)


TEXTUAL_DEFAULTS = ColorSystem("#000000").generate()
GOOD_STYLE = st.sampled_from(["bold", "none", "not underline", "bold not underline", "b reverse", "italic dim"])


def variable_entry(name: str) -> st.SearchStrategy[tuple[str, object]]:
    """A variable and a value: usually of the kind Textual's own default has (style words or a colour)."""
    is_style = all(word in VALID_STYLE_FLAGS for word in TEXTUAL_DEFAULTS.get(name, "#000").split())
    return st.tuples(st.just(name), mostly(GOOD_STYLE if is_style else GOOD_VALUE, COLOUR | STYLE | ANY))


THEME_DATA = st.fixed_dictionaries(
    {
        "name": mostly(st.just("mine"), st.sampled_from(["x y", "", "-x", "a" * 65, *BUILTIN_NAMES]) | ANY),
        "dark": mostly(st.booleans(), ANY),
        "colors": mostly(
            st.fixed_dictionaries(
                {key: mostly(GOOD_COLOUR, COLOUR) for key in ("primary", "foreground", "background")},
                optional={
                    key: mostly(GOOD_COLOUR, COLOUR)
                    for key in (*BASE_COLORS, *SURFACE_COLORS)
                    if key not in ("primary", "foreground", "background")
                },
            ),
            ANY,
        ),
    },
    optional={
        "variables": st.lists(
            mostly(st.sampled_from(VARIABLE_NAMES), st.sampled_from(["nope", "primary", "blue"])).flatmap(
                variable_entry
            ),
            min_size=1,
            max_size=4,
        ).map(dict),
        "luminosity_spread": mostly(st.floats(0, 1), NUMBER),
        "text_alpha": mostly(st.floats(0, 1), NUMBER),
    },
)


def with_variables(**variables: str) -> dict:
    """A minimal valid theme with the given [variables]."""
    return {
        "name": "mine",
        "dark": True,
        "colors": {"primary": "#88c0d0", "foreground": "#eceff4", "background": "#2e3440"},
        "variables": variables,
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(THEME_DATA, st.booleans())
@example(with_variables(text="#fff 50%"), True)
@example(with_variables(**{"link-style-hover": "#2434cc"}), True)
@example(with_variables(**{"markdown-h2-text-style": "not not not"}), False)
@example(with_variables(**{"link-style": "bold not"}), False)
@example(with_variables(**{"text-muted": "auto"}), False)
@example(with_variables(**{"footer-key-background": "auto 87%"}), True)
@example(with_variables(**{"link-background": "initial"}), True)
@example(with_variables(**{"markdown-h1-background": "transparent 50%"}), True)
@example(
    {
        "name": "mine",
        "dark": True,
        "colors": {"primary": "hsl(1e9, 50%, 50%)", "foreground": "#fff", "background": "#000"},
    },
    True,
)
def test_structured_themes_load_and_work_in_textual_or_raise_theme_error(data: dict, sections: bool) -> None:
    try:
        theme = parse_theme(to_toml(data, sections=sections), "fuzz.toml")
    except ThemeError as exc:
        assert str(exc).startswith("fuzz.toml: ") and exc.problem
        return
    assert_textual_accepts(theme)


NESTED = 'name = "x"\ndark = true\na = ' + "[" * 5000 + "]" * 5000 + "\n"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
@example(NESTED.encode())
@example(
    b"\xef\xbb\xbfname = 'mine'\ndark = true\n[colors]\nprimary = '#fff'\nforeground = '#fff'\nbackground = '#000'\n"
)
@example(b"\x00")
@example(b"x" * 70_000)
def test_any_user_theme_file_gives_themes_or_errors_naming_it(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.toml"
        path.write_bytes(content)
        themes, problems = load_themes(Path(folder))
    assert [theme.name for theme in themes[: len(BUILTIN_NAMES)]] == BUILTIN_NAMES
    assert len(themes) - len(BUILTIN_NAMES) + len(problems) == 1
    for problem in problems:
        assert isinstance(problem, ThemeError) and str(path) in str(problem)
    for theme in themes[len(BUILTIN_NAMES) :]:
        assert_textual_accepts(theme)


def test_deep_nesting_is_a_theme_error() -> None:
    try:
        parse_theme(NESTED, "deep.toml")
    except ThemeError as exc:
        assert "deep.toml" in str(exc) and "nested too deeply" in str(exc)
    else:
        raise AssertionError("a 5000-deep array is not a theme")


class ThemedApp(App[None]):
    """tui-chat's stylesheet over widgets that use most of Textual's variables."""

    CSS_PATH = STYLESHEET

    def __init__(self, themes: list[Theme]) -> None:
        super().__init__()
        for theme in themes:
            self.register_theme(theme)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return theme_variable_defaults(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Markdown(
            "# Title\n\n## Sub\n\n[link](https://example.com) `code`\n\n```python\nx = 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
        )
        yield Input("text")
        yield Button("Press")
        yield Select([("one", 1)])
        yield TextArea("x = 1", language="python")
        yield DataTable()
        yield Footer()


ACCEPTED_THEMES = (
    st.builds(
        dict,
        name=st.from_regex(r"fuzz-[a-z0-9]{1,8}", fullmatch=True),
        dark=st.booleans(),
        colors=st.fixed_dictionaries({key: GOOD_COLOUR for key in ("primary", "foreground", "background")}),
        variables=st.dictionaries(st.sampled_from(VARIABLE_NAMES), GOOD_VALUE | STYLE, max_size=6),
    )
    .map(lambda data: parsed_or_none(data))
    .filter(lambda theme: theme is not None)
)


def parsed_or_none(data: dict) -> Theme | None:
    """The theme the loader makes of `data`, or None when it refuses it."""
    try:
        return parse_theme(to_toml(data, sections=True), "fuzz.toml")
    except ThemeError:
        return None


def test_the_declaration_check_fails_on_a_value_textual_refuses() -> None:
    """`initial` is a background keyword; a border colour of `initial` breaks app.tcss, and the check sees it."""
    assert "border-left: thick $user-message-border;" in declarations_by_variable()["user-message-border"]
    bad = Theme(name="bad", primary="#123456", variables={"user-message-border": "initial"})
    try:
        assert_textual_accepts(bad)
    except Exception as exc:  # Textual's StylesheetParseError
        assert "initial" in str(exc) or type(exc).__name__ == "StylesheetParseError"
    else:
        raise AssertionError("a border of `initial` must not parse")


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.lists(ACCEPTED_THEMES, min_size=3, max_size=6, unique_by=lambda theme: theme.name))
async def test_accepted_themes_register_and_apply_in_a_running_app(themes: list[Theme]) -> None:
    app = ThemedApp(themes)
    async with app.run_test() as pilot:
        for theme in themes:
            app.theme = theme.name
            await pilot.pause()
            assert app.current_theme is theme
            assert app.stylesheet.rules
            assert app.get_css_variables()["primary"].startswith("#")
    assert app.return_code in (0, None)
