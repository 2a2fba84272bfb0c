"""Time the live token estimate: one keystroke in a long draft against recounting everything.

A 200-message conversation with a 10,000-token draft (model gpt-4o).  The incremental figure is
DraftCounter with the history cached while the draft grows by one character per keystroke; the
from-scratch figure counts every message and the draft again.  Target from the issue: under
2 ms per keystroke, against under 50 ms for recounting everything.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui_chat.core.bundled_encodings import load_encoding  # noqa: E402
from tui_chat.core.tokens import DraftCounter, count_messages, count_text, preload  # noqa: E402

MODEL = "gpt-4o"
HISTORY_MESSAGES = 200
DRAFT_TOKENS = 10_000
KEYSTROKES = 1_000
FULL_RECOUNTS = 30
SENTENCE = "The quick brown fox jumps over the lazy dog while the user reads on. "
TYPED = "And then the user keeps typing another sentence, word by word. "
PARAGRAPH = (
    "Paragraph {index}: the service streams the reply while the sidebar keeps the token count "
    "and the cost up to date, even for drafts pasted from logs such as `GET /v1/models 200` "
    "or numbers like 3.14159 and 2,718.\n"
)


def conversation() -> list[dict[str, str]]:
    """Two hundred alternating user and assistant messages of varied length."""
    return [
        {
            "role": "user" if turn % 2 == 0 else "assistant",
            "content": f"Message {turn}. " + SENTENCE * (turn % 9 + 1),
        }
        for turn in range(HISTORY_MESSAGES)
    ]


CJK_SENTENCE = "第{index}段：流式回复期间，侧栏会实时更新令牌数量和费用，即使草稿很长也一样。"
DRAFTS = {
    "paragraphs": lambda index: PARAGRAPH.format(index=index),
    "one long line": lambda index: PARAGRAPH.format(index=index).replace("\n", " "),
    "one long line of Chinese": lambda index: CJK_SENTENCE.format(index=index),
}


def draft_of(tokens: int, piece: Callable[[int], str]) -> str:
    """A draft repeating a numbered piece, cut to exactly ``tokens`` o200k tokens."""
    text = "".join(piece(index) for index in range(tokens // 10))
    encoding = load_encoding("o200k_base")
    return encoding.decode(encoding.encode_ordinary(text)[:tokens])


def median_ms(samples: list[float]) -> float:
    """The median of durations in seconds, in milliseconds."""
    return statistics.median(samples) * 1000


def time_keystrokes(draft: str, count: Callable[[str], object]) -> float:
    """The median time of one count after each of a run of one-character keystrokes."""
    count(draft)
    samples = []
    for index in range(KEYSTROKES):
        draft += TYPED[index % len(TYPED)]
        start = time.perf_counter()
        count(draft)
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


def time_full_recount(history: list[dict[str, str]], draft: str) -> float:
    """The median time of counting the whole conversation and the draft from scratch."""
    samples = []
    for _ in range(FULL_RECOUNTS):
        start = time.perf_counter()
        count_messages(MODEL, [*history, {"role": "user", "content": draft}])
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


def main() -> None:
    """Print the measured medians, their ratio and the targets."""
    start = time.perf_counter()
    preload(MODEL)
    load_ms = (time.perf_counter() - start) * 1000
    history = conversation()
    history_tokens = count_messages(MODEL, history).tokens
    print(f"model {MODEL}: encoding loaded in {load_ms:.0f} ms (once per process)")

    for label, piece in DRAFTS.items():
        draft = draft_of(DRAFT_TOKENS, piece)
        counter = DraftCounter(MODEL)
        counter.set_history(history)
        prompt = [*history, {"role": "user", "content": draft}]
        assert counter.count(draft) == count_messages(MODEL, prompt)
        keystroke = time_keystrokes(draft, counter.count)
        whole_draft = time_keystrokes(draft, lambda text: count_text(MODEL, text))
        full = time_full_recount(history, draft)
        print(
            f"\n{HISTORY_MESSAGES} messages ({history_tokens:,} tokens) + "
            f"{count_text(MODEL, draft).tokens:,}-token draft, {label}:"
        )
        print(f"  per keystroke, DraftCounter (history cached):  {keystroke:8.3f} ms median")
        print(f"  per keystroke, re-encoding the whole draft:     {whole_draft:8.3f} ms median")
        print(f"  recounting everything from scratch:             {full:8.3f} ms median")
        print(f"  ratio from-scratch / keystroke:                 {full / keystroke:8.0f}x")
    print("\nTarget under 2 ms per keystroke, against under 50 ms for recounting everything")


if __name__ == "__main__":
    main()
