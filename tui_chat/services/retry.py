"""The one retry policy: tenacity, exponential backoff with jitter, Retry-After honoured."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt

from tui_chat.config import RetrySettings
from tui_chat.services.errors import ProviderFailure, translate_error
from tui_chat.services.events import RetryScheduled

T = TypeVar("T")
logger = logging.getLogger(__name__)


def is_retryable(exc: BaseException) -> bool:
    """Whether a failure is worth another attempt."""
    return isinstance(exc, ProviderFailure) and exc.retryable


def refuse_long_wait(failure: ProviderFailure, settings: RetrySettings) -> None:
    """Make a failure final when the server asks for a longer wait than the configured limit, saying when to try again."""
    requested = failure.retry_after
    if not failure.retryable or requested is None or requested <= settings.max_retry_after:
        return
    failure.retryable = False
    failure.detail = (
        f"{failure.detail.rstrip('.')}. The server asks for a {requested:.0f} s wait, over the"
        f" {settings.max_retry_after:g} s limit: try again after {clock_time_after(requested)}."
    )
    failure.hint = "Raise [retry] max_retry_after in config.toml to wait that long."


def clock_time_after(seconds: float) -> str:
    """The local time `seconds` from now, with the date when it is not today's."""
    moment = time.localtime(time.time() + seconds)
    shape = "%H:%M:%S" if moment[:3] == time.localtime()[:3] else "%Y-%m-%d %H:%M:%S"
    return time.strftime(shape, moment)


class BackoffWait:
    """Wait the server's Retry-After in full when given, else exponential backoff with full jitter."""

    def __init__(self, settings: RetrySettings, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.rng = rng or random.Random()

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        requested = getattr(exc, "retry_after", None)
        if requested is not None:
            return float(requested)
        ceiling = min(self.settings.max_delay, self.settings.base_delay * 2 ** (state.attempt_number - 1))
        return self.settings.base_delay / 2 + self.rng.uniform(0, ceiling - self.settings.base_delay / 2)


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    settings: RetrySettings,
    *,
    on_retry: Callable[[RetryScheduled], Awaitable[None]] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> tuple[T, int]:
    """Run `attempt` until it succeeds or a failure is final; return its result and the attempts used."""

    async def announce(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        reason = exc.title if isinstance(exc, ProviderFailure) else str(exc)
        logger.info(
            "retry: attempt %d of %d failed (%s), next in %.2f s", state.attempt_number, settings.attempts, reason, wait
        )
        if on_retry is None:
            return
        await on_retry(RetryScheduled(state.attempt_number, settings.attempts, wait, reason))

    retrying = AsyncRetrying(
        stop=stop_after_attempt(settings.attempts),
        wait=BackoffWait(settings),
        retry=retry_if_exception(is_retryable),
        before_sleep=announce,
        sleep=sleep,
        reraise=True,
    )
    used = 0
    async for state in retrying:
        with state:
            used = state.retry_state.attempt_number
            try:
                result = await attempt()
            except ProviderFailure as failure:
                failure.attempts = used
                refuse_long_wait(failure, settings)
                raise
            except (asyncio.CancelledError, KeyboardInterrupt):
                raise
            except Exception as exc:
                translated = translate_error(exc)
                translated.attempts = used
                refuse_long_wait(translated, settings)
                raise translated from None
    return result, used
