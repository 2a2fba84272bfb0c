"""Parsing a reply's Markdown: the parser Textual uses, top-level blocks as token groups, and token equality.

The renderer splits a reply into segments and a live tail at top-level block boundaries and proves
its blocks equal a fresh render by comparing the tokens each block was built from; both work on
markdown-it tokens, parsed here the way Textual's Markdown widget parses them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token


def new_parser() -> MarkdownIt:
    """The parser Textual's Markdown widget uses by default."""
    return MarkdownIt("gfm-like")


class RememberingParser:
    """A Markdown parser that hands back its recent results when asked to parse the same text again.

    A reply's text is parsed by Textual to build blocks, again to record their tokens, and again when
    the reply finishes; a huge reply pays for each. Tokens are shared, so callers must not change them.
    """

    RECENT = 2

    def __init__(self) -> None:
        self._parser = new_parser()
        self._recent: list[tuple[str, list[Token]]] = []

    def parse(self, text: str, env: dict | None = None) -> list[Token]:
        """The tokens of `text`: remembered if it was among the last texts parsed without an `env`."""
        if env is None:
            for seen, tokens in self._recent:
                if seen is text or seen == text:
                    return tokens
        tokens = self._parser.parse(text, env)
        if env is None:
            self._recent = [(text, tokens), *self._recent[: self.RECENT - 1]]
        return tokens


def parser_factory() -> Callable[[], MarkdownIt]:
    """A factory for one widget that builds its parser once instead of on every update."""
    parser = new_parser()
    return lambda: parser


@dataclass(frozen=True)
class Group:
    """The tokens of one top-level block and the line it starts on."""

    line: int
    kind: str
    tokens: list[Token]


def top_level_groups(tokens: list[Token]) -> list[Group]:
    """Split a token stream into its top-level blocks."""
    groups: list[Group] = []
    for token in tokens:
        if token.level == 0 and token.nesting >= 0 and token.map is not None:
            groups.append(Group(token.map[0], token.type, [token]))
        elif groups:
            groups[-1].tokens.append(token)
    return groups


def same_tokens(left: list[Token], right: list[Token]) -> bool:
    """Whether two token streams build the same blocks (line numbers aside)."""
    if len(left) != len(right):
        return False
    for a, b in zip(left, right):
        if (
            (a.type, a.tag, a.nesting, a.level, a.content, a.markup, a.info, a.block, a.hidden)
            != (b.type, b.tag, b.nesting, b.level, b.content, b.markup, b.info, b.block, b.hidden)
            or a.attrs != b.attrs
            or a.meta != b.meta
        ):
            return False
        if (a.children is None) != (b.children is None):
            return False
        if a.children is not None and not same_tokens(a.children, b.children or []):
            return False
    return True
