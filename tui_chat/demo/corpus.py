"""Token splitting and long, mixed Markdown documents for the offline demo model."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from functools import lru_cache
from string import Template

TOKEN_PATTERN = re.compile(
    r"\n"
    r"| ?[^\W\d_]{1,8}"
    r"| ?\d{1,3}"
    r"| ?([^\w\s])\1{0,2}"
    r"| ?_"
    r"|[ \t]+(?=[ \t]\S)"
    r"|.",
    re.DOTALL,
)

NOUNS = (
    "cache",
    "renderer",
    "event loop",
    "widget",
    "stream",
    "token",
    "parser",
    "terminal",
    "buffer",
    "layout",
    "scheduler",
    "request",
    "response",
    "theme",
    "keyboard",
    "conversation",
    "database",
    "index",
    "query",
    "protocol",
    "message",
    "cursor",
    "viewport",
    "worker",
    "socket",
    "config file",
)
VERBS = (
    "updates",
    "parses",
    "renders",
    "measures",
    "stores",
    "sends",
    "reads",
    "splits",
    "merges",
    "checks",
    "schedules",
    "retries",
    "formats",
    "validates",
    "compresses",
    "tracks",
)
ADJECTIVES = (
    "fast",
    "small",
    "stable",
    "incremental",
    "lazy",
    "careful",
    "shared",
    "local",
    "remote",
    "cached",
    "ordered",
    "bounded",
    "readable",
    "portable",
)
CONNECTORS = ("because", "while", "so that", "when", "after", "before", "unless", "even if")
ADVERBS = ("quickly", "once", "again", "in order", "on demand", "in the background", "safely")
IDENTIFIERS = ("items", "rows", "events", "chunks", "records", "values", "lines", "frames")
FUNCTION_NAMES = ("collect", "summarize", "render_rows", "flush_buffer", "count_tokens", "merge_events")

CODE_TEMPLATES = (
    (
        "python",
        'def $fn($arg: list[int]) -> int:\n    """$sentence"""\n    total = 0\n'
        "    for item in $arg:\n        if item % $n == 0:\n            total += item\n    return total\n",
    ),
    (
        "javascript",
        "export function $fn($arg) {\n  return $arg\n    .filter((item) => item.size > $n)\n"
        "    .map((item) => ({ ...item, seen: true }));\n}\n",
    ),
    ("rust", "fn $fn($arg: &[u32]) -> u32 {\n    $arg.iter().filter(|value| **value > $n).sum()\n}\n"),
    (
        "sql",
        "SELECT kind, COUNT(*) AS total\nFROM $arg\nWHERE created_at > '2024-0$digit-1$digit'\n"
        "GROUP BY kind\nORDER BY total DESC\nLIMIT $n;\n",
    ),
    ("bash", 'for file in src/*.py; do\n  wc -l "$$file" | tee -a $fn.log\ndone\necho "checked $n files"\n'),
    ("json", '{\n  "name": "$fn",\n  "retries": $n,\n  "enabled": true,\n  "tags": ["$arg", "demo"]\n}\n'),
)
TABLE_SHAPES = (
    ("Model", "Latency (ms)", "Tokens/s", "Cost ($)"),
    ("Setting", "Default", "Description"),
    ("Language", "Files", "Lines", "Coverage"),
)
BLOCK_CYCLE = (
    "heading",
    "paragraph",
    "bullets",
    "paragraph",
    "code",
    "table",
    "paragraph",
    "numbered",
    "code",
    "quote",
)


def split_tokens(text: str) -> list[str]:
    """Split text into token-sized pieces that join back exactly to the text."""
    return [match.group(0) for match in TOKEN_PATTERN.finditer(text)]


class CorpusWriter:
    """Generates Markdown blocks, each ending with a blank line, from a seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def blocks(self) -> Iterator[str]:
        """An endless sequence of blocks that starts with a document title."""
        yield f"# {self._title()}\n\n"
        while True:
            for kind in BLOCK_CYCLE:
                yield getattr(self, kind)()

    def heading(self) -> str:
        """A second- or third-level heading."""
        return f"{self._rng.choice(('##', '###'))} {self._title()}\n\n"

    def paragraph(self, min_tokens: int = 0) -> str:
        """A paragraph of a few sentences, or of as many as it takes to reach min_tokens."""
        sentences = [self._sentence() for _ in range(self._rng.randint(2, 5))]
        while len(split_tokens(" ".join(sentences))) < min_tokens:
            sentences.append(self._sentence())
        return " ".join(sentences) + "\n\n"

    def bullets(self) -> str:
        """A bullet list, sometimes with a nested item."""
        items = [f"- {self._sentence()}" for _ in range(self._rng.randint(3, 6))]
        if self._rng.random() < 0.4:
            items.insert(1, f"  - {self._sentence()}")
        return "\n".join(items) + "\n\n"

    def numbered(self) -> str:
        """A numbered list."""
        items = [f"{number}. {self._sentence()}" for number in range(1, self._rng.randint(3, 6) + 1)]
        return "\n".join(items) + "\n\n"

    def code(self) -> str:
        """A fenced code block in one of several languages."""
        language, template = self._rng.choice(CODE_TEMPLATES)
        source = Template(template).substitute(
            fn=self._rng.choice(FUNCTION_NAMES),
            arg=self._rng.choice(IDENTIFIERS),
            n=self._rng.randint(2, 500),
            digit=self._rng.randint(1, 9),
            sentence=self._sentence(),
        )
        return f"```{language}\n{source}```\n\n"

    def table(self) -> str:
        """A small table with a header row and numeric cells."""
        header = self._rng.choice(TABLE_SHAPES)
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
        for _ in range(self._rng.randint(3, 6)):
            cells = [self._rng.choice(NOUNS)] + [str(self._rng.randint(1, 9999)) for _ in header[1:]]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n\n"

    def quote(self) -> str:
        """A blockquote of one or two sentences."""
        return "\n".join(f"> {self._sentence()}" for _ in range(self._rng.randint(1, 2))) + "\n\n"

    def _title(self) -> str:
        words = (self._rng.choice(ADJECTIVES), self._rng.choice(NOUNS), self._rng.choice(("design", "notes", "tuning")))
        return " ".join(words).capitalize()

    def _sentence(self) -> str:
        choice = self._rng.choice
        subject = choice(NOUNS)
        if self._rng.random() < 0.3:
            subject = f"`{subject.replace(' ', '_')}`"
        elif self._rng.random() < 0.2:
            subject = f"**{subject}**"
        return (
            f"The {choice(ADJECTIVES)} {subject} {choice(VERBS)} the {choice(NOUNS)} "
            f"{choice(CONNECTORS)} the {choice(NOUNS)} {choice(VERBS)} {choice(ADVERBS)}, "
            f"about {self._rng.randint(2, 9000)} times per second."
        )


@lru_cache(maxsize=8)
def markdown_corpus(n_tokens: int, seed: int = 0) -> str:
    """A mixed Markdown document of exactly n_tokens pieces by `split_tokens` count."""
    writer = CorpusWriter(random.Random(seed))
    blocks: list[str] = []
    remaining = max(n_tokens, 0)
    for block in writer.blocks():
        block_tokens = len(split_tokens(block))
        if block_tokens > remaining:
            break
        blocks.append(block)
        remaining -= block_tokens
    if remaining:
        blocks.append("".join(split_tokens(writer.paragraph(min_tokens=remaining))[:remaining]))
    return "".join(blocks)
