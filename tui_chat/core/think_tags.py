"""Split inline `<think>...</think>` at the start of a streamed reply into thinking and answer, piece by piece.

Servers that do not separate a model's reasoning send it inside the content; the tags may be cut
anywhere across chunks, so a piece that could still be the start of a tag is held back until the
next piece (or the end of the stream) says what it is.
"""

from __future__ import annotations

from typing import Literal

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"

Kind = Literal["thinking", "answer"]
Piece = tuple[Kind, str]


def _held_suffix(text: str, tag: str) -> int:
    """How many characters at the end of `text` could begin `tag` (so must wait for the next piece)."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkTagSplitter:
    """Feeds content pieces in and gives (kind, text) pieces out; text after the thinking is the answer."""

    def __init__(self) -> None:
        self._state: Literal["start", "thinking", "after", "answer"] = "start"
        self._held = ""

    @property
    def thinking(self) -> bool:
        """Whether the text so far is inside an opened think tag."""
        return self._state == "thinking"

    def feed(self, text: str) -> list[Piece]:
        """The pieces that can be told apart now; text that could still start or end a tag is held back."""
        pending = self._held + text
        self._held = ""
        pieces: list[Piece] = []
        while pending:
            if self._state == "start":
                stripped = pending.lstrip()
                if stripped.startswith(OPEN_TAG):
                    self._state = "thinking"
                    pending = stripped[len(OPEN_TAG) :]
                elif OPEN_TAG.startswith(stripped):
                    self._held = pending
                    return pieces
                else:
                    self._state = "answer"
            elif self._state == "thinking":
                end = pending.find(CLOSE_TAG)
                if end < 0:
                    keep = _held_suffix(pending, CLOSE_TAG)
                    self._held = pending[len(pending) - keep :] if keep else ""
                    _add(pieces, "thinking", pending[: len(pending) - keep])
                    return pieces
                _add(pieces, "thinking", pending[:end])
                self._state = "after"
                pending = pending[end + len(CLOSE_TAG) :]
            elif self._state == "after":
                pending = pending.lstrip()
                if pending:
                    self._state = "answer"
            else:
                _add(pieces, "answer", pending)
                return pieces
        return pieces

    def flush(self) -> list[Piece]:
        """What was held back, once the stream has ended: an unclosed think tag keeps its text as thinking."""
        held, self._held = self._held, ""
        if not held:
            return []
        if self._state == "thinking":
            return [("thinking", held)]
        if self._state == "start":
            return [("answer", held)]
        return []


def _add(pieces: list[Piece], kind: Kind, text: str) -> None:
    if text:
        pieces.append((kind, text))


def split_think_tags(text: str) -> tuple[str, str]:
    """The (thinking, answer) of a whole reply that may begin with inline think tags."""
    splitter = ThinkTagSplitter()
    pieces = splitter.feed(text) + splitter.flush()
    thinking = "".join(piece for kind, piece in pieces if kind == "thinking")
    answer = "".join(piece for kind, piece in pieces if kind == "answer")
    return thinking, answer
