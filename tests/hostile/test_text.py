"""show_controls, strip_control and one_line: every control visible or gone, bidi always visible, the same in pieces."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.hostile.corpus import CASES
from tests.hostile.screen import UNSAFE_CHARACTERS
from tui_chat.core.text import one_line, show_controls, strip_control

TEXT = st.text(
    st.characters(codec="utf-8") | st.sampled_from(["\x1b", "\x9b", "\r", "\n", "\u202e", "\u2066", "\x00", "\t"])
)


def test_every_control_gets_a_visible_stand_in() -> None:
    assert show_controls("a\x1b]52;c;x\x07b") == "a␛]52;c;x␇b"
    assert show_controls("\x9b31m\x9d0;t\x9c") == "<U+009B>31m<U+009D>0;t<U+009C>"
    assert show_controls("\x00\x08\x7f") == "␀␈␡"
    assert show_controls("one\r\ntwo\rthree\tfour\n") == "one\ntwothree\tfour\n"
    assert show_controls("file\u202eexe.pdf \u2066x\u2069") == "file<U+202E>exe.pdf <U+2066>x<U+2069>"


def test_plain_output_drops_escapes_but_shows_bidi_controls() -> None:
    assert strip_control("a\x1b[31mred\x1b[0m\x07b\r\n") == "aredb\n"
    trojan = 'if access_level != "user\u202e \u2066// Check if admin\u2069 \u2066":'
    assert strip_control(trojan) == 'if access_level != "user<U+202E> <U+2066>// Check if admin<U+2069> <U+2066>":'
    assert strip_control("".join(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))) == (
        "<U+202A><U+202B><U+202C><U+202D><U+202E><U+2066><U+2067><U+2068><U+2069>"
    )


@given(TEXT, TEXT)
def test_plain_output_pieces_carry_no_bidi_or_control(first: str, second: str) -> None:
    assert UNSAFE_CHARACTERS.search(strip_control(first) + strip_control(second)) is None


def test_clean_text_is_returned_as_it_is() -> None:
    text = "مرحبا 👩‍👩‍👧‍👦 [bold]x[/] $accent `code`\n\ttab"
    assert show_controls(text) is text


@given(TEXT, TEXT)
def test_pieces_show_as_the_whole_does(first: str, second: str) -> None:
    assert show_controls(first + second) == show_controls(first) + show_controls(second)
    assert UNSAFE_CHARACTERS.search(show_controls(first + second)) is None


@given(TEXT)
def test_one_line_is_one_safe_line(text: str) -> None:
    line = one_line(text)
    assert "\n" not in line and "\t" not in line and line == line.strip()
    assert UNSAFE_CHARACTERS.search(line) is None


def test_every_corpus_case_comes_out_safe_and_shows_its_visible_form() -> None:
    for case in CASES:
        shown = show_controls(case.text)
        assert UNSAFE_CHARACTERS.search(shown) is None, case.name
        assert all(part in shown for part in case.shown if "\n" not in part), case.name
