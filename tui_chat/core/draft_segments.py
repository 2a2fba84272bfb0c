"""Incremental token counting of a draft, cut where tiktoken's pre-tokenizer never merges.

tiktoken splits text with a regular expression into pieces and encodes each piece on its own,
so the count of a text is the sum of the counts of two halves whenever the cut falls on a
piece boundary that both halves see the same way.  For the o200k_base and cl100k_base split
patterns (no look-behind, ``$`` and ``(?!\\S)`` only at a piece's end) two cuts qualify:

* after a newline that is followed by a character other than whitespace or "/": no piece can
  hold a newline followed by such a character (letter pieces cannot start with a newline,
  punctuation pieces only trail newlines and "/", whitespace pieces hold only whitespace),
  and the whitespace run that ends at the newline is one piece whether the text ends there
  or continues;
* before a space or a CJK punctuation mark that follows a letter or an ASCII digit: letter
  and number pieces take neither, such a character only ever starts a piece, and a text
  ending in a letter or digit has no trailing whitespace for ``$`` or ``(?!\\S)`` to see.

The property tests in ``tests/unit/test_tokens.py`` check both rules against whole-text counts.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

CHECKPOINT_SPACING = 1024

_PIECE_STARTS_AFTER_WORD = frozenset(" ，。、！？：；")
_ASCII_DIGITS = frozenset(string.digits)
_CUT_CANDIDATE = re.compile("\n|[" + "".join(sorted(_PIECE_STARTS_AFTER_WORD)) + "]")


def is_safe_cut(text: str, position: int) -> bool:
    """Whether the tokens of ``text`` are those of ``text[:position]`` plus ``text[position:]``."""
    if not 0 < position < len(text):
        return False
    before, after = text[position - 1], text[position]
    if before == "\n":
        return not after.isspace() and after != "/"
    return after in _PIECE_STARTS_AFTER_WORD and (before.isalpha() or before in _ASCII_DIGITS)


def next_safe_cut(text: str, start: int) -> int | None:
    """The first safe cut at or after ``start``, or None when the rest of the text has none."""
    for candidate in _CUT_CANDIDATE.finditer(text, max(start - 1, 0)):
        position = candidate.end() if candidate.group() == "\n" else candidate.start()
        if position >= start and is_safe_cut(text, position):
            return position
    return None


def common_prefix_length(old: str, new: str) -> int:
    """The number of leading characters two strings share."""
    if new.startswith(old):
        return len(old)
    low, high = 0, min(len(old), len(new))
    while low < high:
        middle = (low + high + 1) // 2
        if new.startswith(old[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


class DraftSegments:
    """The token count of successive versions of a draft, re-encoding only what changed.

    Checkpoints at safe cuts at least ``spacing`` characters apart remember the tokens
    before them; an edit invalidates the checkpoints at or after its first changed
    character, and a count encodes only the text after the last valid checkpoint.
    """

    def __init__(self, count_tokens: Callable[[str], int], spacing: int = CHECKPOINT_SPACING):
        self._count_tokens = count_tokens
        self._spacing = max(spacing, 1)
        self._text = ""
        self._cuts: list[int] = []
        self._tokens_before_cut: list[int] = []

    def count(self, text: str) -> int:
        """The number of tokens of ``text``."""
        unchanged = common_prefix_length(self._text, text)
        while self._cuts and self._cuts[-1] >= unchanged:
            self._cuts.pop()
            self._tokens_before_cut.pop()
        start = self._cuts[-1] if self._cuts else 0
        tokens = self._tokens_before_cut[-1] if self._cuts else 0
        while (cut := next_safe_cut(text, start + self._spacing)) is not None:
            tokens += self._count_tokens(text[start:cut])
            self._cuts.append(cut)
            self._tokens_before_cut.append(tokens)
            start = cut
        self._text = text
        return tokens + self._count_tokens(text[start:])
