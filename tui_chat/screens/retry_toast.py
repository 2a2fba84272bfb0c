"""The toast that counts a retry's wait down each second and goes when the wait ends or is cancelled."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from textual.notifications import Notification, Notify

from tui_chat.core.text import show_controls

if TYPE_CHECKING:
    from textual.app import App
    from textual.timer import Timer

    from tui_chat.services.events import RetryScheduled

TITLE = "Retrying"
TICK_SLACK = 0.05
"""Seconds a tick may come late and still count as the whole second it was meant for."""


class RetryToast:
    """One warning toast per retry wait, replaced by an updated one at each whole second left."""

    def __init__(self, app: App, event: RetryScheduled) -> None:
        self.app = app
        self.event = event
        self.deadline = time.monotonic() + event.wait_seconds
        self._notification: Notification | None = None
        self._timer: Timer | None = None
        if event.wait_seconds > 0:
            self._post(max(1, math.ceil(event.wait_seconds)))
            self._timer = app.set_interval(1.0, self._tick)

    def text(self, seconds_left: int) -> str:
        """What the toast says with `seconds_left` to wait."""
        event = self.event
        return f"{event.reason}, retrying in {seconds_left} s ({event.attempt + 1}/{event.attempts}). Esc cancels."

    def _tick(self) -> None:
        """Show the whole seconds left, or close the toast when none are."""
        left = math.ceil(self.deadline - time.monotonic() - TICK_SLACK)
        if left <= 0:
            self.close()
        else:
            self._post(left)

    def _post(self, seconds_left: int) -> None:
        """Replace the toast with one saying `seconds_left`."""
        notification = Notification(
            show_controls(self.text(seconds_left)), TITLE, "warning", timeout=seconds_left + 2.0, markup=False
        )
        self._remove()
        self._notification = notification
        self.app.post_message(Notify(notification))

    def close(self) -> None:
        """Stop counting and take the toast down."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self._remove()

    def _remove(self) -> None:
        """Take the current toast down, after the app has shown it (Textual offers no public call for one toast)."""
        if self._notification is not None:
            self.app.call_later(self.app._unnotify, self._notification)
            self._notification = None
