"""The live Thinking block's newest lines wrap between words, as the reader sees them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui_chat.widgets.reply.thinking import newest_lines


def test_lines_break_between_words_not_inside_them() -> None:
    text = "The user wrote 5 words. This is the offline demo, so there is no real model to ask."
    shown = newest_lines(text, 8, 30).split("\n")
    assert shown == ["The user wrote 5 words. This", "is the offline demo, so there", "is no real model to ask."]


def test_only_the_newest_lines_are_kept() -> None:
    text = "\n".join(f"line {number}" for number in range(20))
    assert newest_lines(text, 3, 40) == "line 17\nline 18\nline 19"


@given(st.text(alphabet=st.sampled_from("ab \n"), max_size=300), st.integers(1, 10), st.integers(20, 60))
def test_no_row_is_wider_than_the_block_and_none_more_than_asked(text: str, lines: int, width: int) -> None:
    rows = newest_lines(text, lines, width).split("\n")
    assert len(rows) <= lines
    assert all(len(row) <= width for row in rows)
