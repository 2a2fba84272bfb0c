"""The debug log: off unless `--debug` or `debug = true`; rotating, private to the user, and never holding a key.

What is logged: our own requests, retries and failures (provider, model, counts and sizes, never
message text), the OpenAI SDK's debug lines (it logs methods and statuses, not bodies) and httpx2's
one line per request. Every line passes through `redact` (tui_chat.core.redaction) before it is
written, the same masking every stored, shown and exported text gets.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from tui_chat.core.redaction import redact, remember_secret

__all__ = ["disable", "enable", "redact", "remember_secret"]

MAX_BYTES = 2_000_000
"""Size at which the log rolls over to tui-chat.log.1."""
BACKUPS = 3
"""Rolled-over files kept (tui-chat.log.1 … .3)."""
LOGGER_LEVELS = {"tui_chat": logging.DEBUG, "openai": logging.DEBUG, "httpx2": logging.DEBUG, "httpcore2": logging.INFO}
"""The loggers written, and from which level (httpcore2's debug lines come once per network read)."""


class RedactingFormatter(logging.Formatter):
    """Formats a record, traceback included, then redacts the whole line."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def private_rotating_handler(log_file: Path, max_bytes: int, backups: int) -> logging.Handler:
    """A RotatingFileHandler whose files (the current one and each new one after a rollover) are 0600.

    logging.handlers is imported here, not with this module: the app imports this module at start-up.
    """
    from logging.handlers import RotatingFileHandler

    class PrivateRotatingFileHandler(RotatingFileHandler):
        def _open(self):
            descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.chmod(self.baseFilename, 0o600)
            return os.fdopen(descriptor, self.mode, encoding=self.encoding, errors=self.errors)

    return PrivateRotatingFileHandler(log_file, maxBytes=max_bytes, backupCount=backups, encoding="utf-8")


def enable(log_file: Path, *, max_bytes: int = MAX_BYTES, backups: int = BACKUPS) -> logging.Handler:
    """Start writing the debug log to `log_file` (its directory made 0700) and return the handler."""
    from tui_chat import __version__
    from tui_chat.paths import ensure_private_dir

    ensure_private_dir(log_file.parent)
    handler = private_rotating_handler(log_file, max_bytes, backups)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)-5s %(name)s: %(message)s"))
    handler.setLevel(logging.DEBUG)
    for name, level in LOGGER_LEVELS.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
    logging.getLogger("tui_chat").info("debug log started: tui-chat %s, pid %d", __version__, os.getpid())
    return handler


def disable(handler: logging.Handler) -> None:
    """Stop writing the log that `enable` started."""
    for name in LOGGER_LEVELS:
        logger = logging.getLogger(name)
        logger.removeHandler(handler)
        if not logger.handlers:
            logger.setLevel(logging.NOTSET)
    handler.close()
