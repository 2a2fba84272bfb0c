"""The one place that words the command line's stderr lines and names its exit statuses."""

from __future__ import annotations

import sys

OK = 0
FAILED = 1
USAGE = 2
"""The arguments or the input cannot be used (an empty prompt, an unknown id, a bad date)."""
REFUSED_BY_BUDGET = 3
CANCELLED = 130
"""Ctrl-C, as a shell reports it (128 + SIGINT); SIGHUP and SIGTERM give 129 and 143 (signal_exit.py)."""

PREFIX = "tui-chat: "


def one_line(problem: BaseException | str) -> str:
    """A problem as one line of plain text: keys masked, control characters and line breaks removed."""
    from tui_chat.core.errors import TuiChatError
    from tui_chat.core.redaction import redact
    from tui_chat.core.text import strip_control

    if isinstance(problem, TuiChatError):
        return problem.one_line()
    text = problem if isinstance(problem, str) else f"{type(problem).__name__}: {problem}"
    return " ".join(strip_control(redact(text)).split())


def fail(problem: BaseException | str, status: int = FAILED, *, fresh_line: bool = False) -> int:
    """Print `tui-chat: <problem>` as one line on stderr and return `status`.

    `fresh_line` starts on a new line first, for when Ctrl-C interrupted a prompt on the same line.
    """
    _write(("\n" if fresh_line else "") + PREFIX + one_line(problem) + "\n")
    return status


def warn(problem: BaseException | str) -> None:
    """Print `tui-chat: warning: <problem>` as one line on stderr; the command goes on."""
    _write(f"{PREFIX}warning: {one_line(problem)}\n")


def status_line(text: str) -> str:
    """A line for a status shown in place on a terminal (no newline; the caller rewrites it)."""
    return PREFIX + one_line(text)


def ask_yes_no(question: str) -> bool:
    """Ask a yes/no question on stderr and read the answer from stdin; anything but y or yes is no."""
    _write(f"{PREFIX}{one_line(question)} [y/N] ")
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def _write(text: str) -> None:
    """Write to stderr; a closed stderr is not a reason for a traceback."""
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
