"""The real `tui-chat` on a pseudo-terminal: every byte it writes is kept, so tests can grep the raw stream."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.integration.pty_app import TerminalApp


class RecordedTerminal(TerminalApp):
    """A TerminalApp of 160x50 whose conditions read the raw bytes written so far."""

    def __init__(self, home: Path, *args: str, columns: int = 160, rows: int = 50) -> None:
        super().__init__(home, *args, columns=columns, rows=rows)

    def bytes(self) -> bytes:
        """Everything written so far, undecoded."""
        with self._lock:
            return bytes(self.output)

    def wait_for(self, condition: Callable[[bytes], bool], what: str, timeout: float = 60.0) -> None:
        """Poll until `condition(output)` holds, failing if the app exits or time runs out."""
        super().wait_for(lambda: condition(self.bytes()), timeout=timeout, what=what)

    @property
    def running(self) -> bool:
        """Whether the app is still running."""
        return self.process is not None and self.process.poll() is None
