"""`ask`'s retry countdown: one stderr line rewritten each second while a retry waits, on a terminal only."""

from __future__ import annotations

import asyncio
import math
from typing import TextIO

from tui_chat.cli.output import status_line
from tui_chat.services.events import RetryScheduled

CLEAR_LINE = "\r\x1b[K"
"""Back to the start of the line and erase it (ECMA-48 EL)."""
TICK_SLACK = 0.01
"""Seconds a wake-up may come early and still count as the whole second it was meant for."""


class RetryCountdown:
    """Shows "retrying in N s" on `stream` while a retry waits; a pipe or a file gets nothing."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = _is_terminal(stream)
        self._task: asyncio.Task[None] | None = None

    def start(self, event: RetryScheduled) -> None:
        """Count down `event`'s wait, replacing any countdown already shown."""
        self.stop()
        if self.enabled and event.wait_seconds > 0:
            self._task = asyncio.create_task(self._count(event))

    def stop(self) -> None:
        """End the countdown and erase its line."""
        if self._task is None:
            return
        self._task.cancel()
        self._task = None
        self._write(CLEAR_LINE)

    async def _count(self, event: RetryScheduled) -> None:
        """Rewrite the line at each whole second left, then erase it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + event.wait_seconds
        while (left := deadline - loop.time()) > TICK_SLACK:
            seconds = math.ceil(left - TICK_SLACK)
            self._write(
                CLEAR_LINE
                + status_line(f"{event.reason}, retrying in {seconds} s ({event.attempt + 1}/{event.attempts})")
            )
            await asyncio.sleep(left - (seconds - 1))
        self._write(CLEAR_LINE)

    def _write(self, text: str) -> None:
        """Write and flush; a terminal that has gone away is not a reason to fail the request."""
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False


def _is_terminal(stream: TextIO) -> bool:
    """Whether `stream` is a terminal."""
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False
