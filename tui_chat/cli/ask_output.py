"""`ask`'s stdout: the reply as text, as one JSON object with its figures, or as a JSON line per event.

Every writer raises OSError when stdout is gone; `ask` then stops the reply as Ctrl-C does. Reply text is
never a terminal escape: plain text goes through `strip_control`, JSON escapes every control character.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TextIO

from tui_chat.cli import output
from tui_chat.core.text import strip_control

if TYPE_CHECKING:
    from tui_chat.core.models import UsageRecord
    from tui_chat.services.events import PromptSaved, ReplyFinished, RetryScheduled


def reply_figures(finished: ReplyFinished, record: UsageRecord, text: str) -> dict[str, Any]:
    """The reply with what a script needs to budget itself: usage, exact cost, timings, ids and status."""
    from tui_chat.services.conversation_export import money

    reply, usage = finished.reply, record.usage
    return {
        "reply": reply.content if reply is not None else text,
        "status": reply.status.value if reply is not None else record.status,
        "provider": record.provider,
        "model": record.model,
        "conversation_id": record.conversation_id,
        "message_id": reply.id if reply is not None else None,
        "usage": {
            "input": usage.input_tokens,
            "cached": usage.cached_tokens,
            "output": usage.output_tokens,
            "reasoning": usage.reasoning_tokens,
        },
        "counts": "estimated" if usage.estimated else "reported",
        "cost_usd": money(record.cost),
        "price_source": record.price_source,
        "latency_ms": record.latency_ms,
        "ttft_ms": record.ttft_ms,
        "attempts": record.attempts,
        "error": output.one_line(finished.error) if finished.error is not None else None,
    }


class TextOutput:
    """The reply as plain text: streamed as it arrives, or printed once at the end (`--no-stream`)."""

    def __init__(self, out: TextIO, *, stream: bool = True) -> None:
        self.out = out
        self.stream = stream
        self.parts: list[str] = []
        self.ended_with_newline = True

    def prompt_saved(self, event: PromptSaved) -> None:
        """Nothing to print for the saved prompt."""

    def text(self, text: str) -> None:
        """Print (or keep, without streaming) one fragment of the reply."""
        text = strip_control(text)
        if self.stream:
            self._write(text)
        else:
            self.parts.append(text)

    def retry(self, event: RetryScheduled) -> None:
        """Retries show on stderr only (the countdown), never in the reply."""

    def finished(self, finished: ReplyFinished | None) -> None:
        """Print what was kept back, and end the reply with a line break."""
        if self.parts:
            self._write("".join(self.parts))
            self.parts.clear()
        if not self.ended_with_newline:
            self._write("\n")

    def _write(self, text: str) -> None:
        if not text:
            return
        self.out.write(text)
        self.out.flush()
        self.ended_with_newline = text.endswith("\n")


class JsonOutput:
    """One JSON object once the reply has ended (see `reply_figures`); nothing while it streams."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.parts: list[str] = []

    def prompt_saved(self, event: PromptSaved) -> None:
        """Nothing to print for the saved prompt."""

    def text(self, text: str) -> None:
        """Keep the fragment for a reply that ends without being stored."""
        self.parts.append(text)

    def retry(self, event: RetryScheduled) -> None:
        """Retries are counted in the object's `attempts`."""

    def finished(self, finished: ReplyFinished | None) -> None:
        """Print the object; nothing when no request was sent (no usage row)."""
        from tui_chat.services.conversation_export import safe_json

        if finished is not None and finished.record is not None:
            self.out.write(safe_json(reply_figures(finished, finished.record, "".join(self.parts))))
            self.out.flush()


class JsonlOutput:
    """One JSON object a line, as things happen: prompt, text, retry, then done with the figures."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.parts: list[str] = []

    def prompt_saved(self, event: PromptSaved) -> None:
        """The prompt is stored: its conversation and message ids."""
        message = event.message
        self._line({"type": "prompt", "conversation_id": message.conversation_id, "message_id": message.id})

    def text(self, text: str) -> None:
        """One fragment of the reply."""
        self.parts.append(text)
        self._line({"type": "text", "text": text})

    def retry(self, event: RetryScheduled) -> None:
        """A failed attempt will be retried after a wait."""
        self._line(
            {
                "type": "retry",
                "attempt": event.attempt,
                "attempts": event.attempts,
                "wait_seconds": event.wait_seconds,
                "reason": output.one_line(event.reason),
            }
        )

    def finished(self, finished: ReplyFinished | None) -> None:
        """The last line: `done` with the figures (see `reply_figures`); nothing when no request was sent."""
        if finished is not None and finished.record is not None:
            self._line({"type": "done", **reply_figures(finished, finished.record, "".join(self.parts))})

    def _line(self, value: dict[str, Any]) -> None:
        self.out.write(json.dumps(value, ensure_ascii=True, separators=(",", ":")) + "\n")
        self.out.flush()


AskOutput = TextOutput | JsonOutput | JsonlOutput


def writer_for(text_format: str, out: TextIO, *, stream: bool = True) -> AskOutput:
    """The writer of `--format`."""
    if text_format == "json":
        return JsonOutput(out)
    if text_format == "jsonl":
        return JsonlOutput(out)
    return TextOutput(out, stream=stream)
