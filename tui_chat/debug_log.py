"""The debug log: off unless `--debug` or `debug = true`; rotating, private to the user, and never holding a key.

What is logged: our own requests, retries and failures (provider, model, counts and sizes, never
message text), the OpenAI SDK's debug lines (it logs methods and statuses, not bodies) and httpx2's
one line per request. Every line passes through `redact` before it is written: Authorization and
api-key header values, anything shaped like an API key (sk-…, sk-or-…, Bearer tokens) and every key
value the app has looked up during the run are replaced by "[redacted]".
"""

from __future__ import annotations

import logging
import os
import re
from functools import cache
from pathlib import Path

MAX_BYTES = 2_000_000
"""Size at which the log rolls over to tui-chat.log.1."""
BACKUPS = 3
"""Rolled-over files kept (tui-chat.log.1 … .3)."""
LOGGER_LEVELS = {"tui_chat": logging.DEBUG, "openai": logging.DEBUG, "httpx2": logging.DEBUG, "httpcore2": logging.INFO}
"""The loggers written, and from which level (httpcore2's debug lines come once per network read)."""
REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6
"""Shorter registered secrets are not searched for: they would blank out ordinary words."""

HEADER_VALUE = r"""(?ix)
    (\b(?:proxy-)?authorization|\bx-api-key|\bapi[-_]key|\b[a-z]+_api_key)  # the name
    (["']?\s*[:=]\s*["']?)                                                  # : or =, quoted or not
    (?:(?:bearer|basic|token)\s+)?(?!\[redacted\])[^\s"',;}\]]+              # the value, unless done
"""
KEY_SHAPE = r"\bsk-[A-Za-z0-9_-]{6,}|(?i:\bbearer\s+)[A-Za-z0-9._~+/=-]{6,}"

_secrets: set[str] = set()
"""Key values looked up during this run; module-level like logging itself, which is per process."""


def remember_secret(value: str | None) -> None:
    """Register a key so that no log line can contain it, whatever its shape."""
    if value and len(value.strip()) >= MIN_SECRET_LENGTH:
        _secrets.add(value.strip())


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The header and key patterns, compiled when the log is first written rather than at start-up."""
    return re.compile(HEADER_VALUE), re.compile(KEY_SHAPE)


def redact(text: str) -> str:
    """The text with registered keys, key-shaped strings and auth header values replaced."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    header_values, key_shapes = _patterns()
    text = header_values.sub(lambda match: f"{match.group(1)}{match.group(2)}{REDACTED}", text)
    return key_shapes.sub(REDACTED, text)


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
