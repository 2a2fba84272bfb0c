"""The inline think-tag splitter: whatever the chunking, the thinking and the answer come out the same."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui_chat.core.think_tags import ThinkTagSplitter, split_think_tags
from tui_chat.services.llm import reasoning_text

text_without_tags = st.text(alphabet=st.sampled_from(list("ab <>/\nthinkT")), max_size=40).filter(
    lambda text: "</think>" not in text
)


def split_in_chunks(text: str, cuts: list[int]) -> tuple[str, str, list[str]]:
    """Feed `text` cut at `cuts`; the thinking, the answer and the kinds in arrival order."""
    splitter = ThinkTagSplitter()
    points = sorted({cut % (len(text) + 1) for cut in cuts} | {0, len(text)})
    pieces = []
    for start, end in zip(points, points[1:], strict=False):
        pieces += splitter.feed(text[start:end])
    pieces += splitter.flush()
    thinking = "".join(piece for kind, piece in pieces if kind == "thinking")
    answer = "".join(piece for kind, piece in pieces if kind == "answer")
    return thinking, answer, [kind for kind, _ in pieces]


@given(
    lead=st.sampled_from(["", " ", "\n"]),
    thought=text_without_tags,
    gap=st.sampled_from(["", "\n\n", " "]),
    answer=text_without_tags.filter(lambda text: not text[:1].isspace()),
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12),
)
def test_think_tags_split_the_same_however_the_stream_is_cut(
    lead: str, thought: str, gap: str, answer: str, cuts: list[int]
) -> None:
    text = f"{lead}<think>{thought}</think>{gap}{answer}"
    thinking, shown, kinds = split_in_chunks(text, cuts)
    assert (thinking, shown) == (thought, answer)
    assert kinds == sorted(kinds, key=lambda kind: kind == "answer")  # no thinking after the answer began


@given(text=st.text(max_size=60), cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=12))
def test_text_that_does_not_open_with_a_think_tag_is_all_answer(text: str, cuts: list[int]) -> None:
    if text.lstrip().startswith("<think>"):
        return
    thinking, answer, _ = split_in_chunks(text, cuts)
    assert (thinking, answer) == ("", text)


def test_an_unclosed_think_tag_keeps_its_text_as_thinking() -> None:
    assert split_think_tags("<think>still going </thi") == ("still going </thi", "")


def test_a_think_tag_later_in_the_text_is_answer() -> None:
    assert split_think_tags("Use <think>tags</think> like this") == ("", "Use <think>tags</think> like this")


def test_reasoning_fields_in_order_of_precedence() -> None:
    assert reasoning_text({"reasoning_content": "a", "reasoning": "b"}) == "a"
    assert reasoning_text({"reasoning": "b", "reasoning_details": [{"type": "reasoning.text", "text": "b"}]}) == "b"
    details = [{"type": "reasoning.summary", "summary": "s"}, {"type": "reasoning.encrypted", "data": "x"}, 7]
    assert reasoning_text({"reasoning_details": details}) == "s"
    assert reasoning_text({"reasoning": None, "content": "c"}) == ""
