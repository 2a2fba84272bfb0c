"""The retry policy's waits: a server's Retry-After is waited in full up to a limit, and read safely."""

from __future__ import annotations

import email.utils
import time

from tenacity import RetryCallState

from tui_chat.config import RetrySettings
from tui_chat.services.errors import MAX_RETRY_AFTER, ProviderFailure, retry_after_seconds
from tui_chat.services.retry import BackoffWait, refuse_long_wait


def rate_limited(seconds: float | None) -> ProviderFailure:
    return ProviderFailure("rate_limit", "Rate limited", "Slow down", retryable=True, status=429, retry_after=seconds)


def wait_after(failure: ProviderFailure, settings: RetrySettings) -> float:
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    state.set_exception((type(failure), failure, None))
    return BackoffWait(settings)(state)


def test_retry_after_above_max_delay_is_waited_in_full() -> None:
    assert wait_after(rate_limited(90.0), RetrySettings(max_delay=60.0)) == 90.0


def test_backoff_without_retry_after_stays_under_max_delay() -> None:
    settings = RetrySettings(base_delay=1.0, max_delay=4.0)
    assert all(0.5 <= wait_after(rate_limited(None), settings) <= 4.0 for _ in range(50))


def test_a_wait_over_the_limit_ends_the_request_saying_when_to_try_again() -> None:
    failure = rate_limited(3600.0)
    refuse_long_wait(failure, RetrySettings(max_retry_after=300.0))
    assert failure.retryable is False
    expected = time.strftime("%H:%M", time.localtime(time.time() + 3600))
    assert "over the 300 s limit: try again after " + expected in failure.detail
    assert failure.detail.startswith("Slow down. The server asks for a 3600 s wait")
    assert "max_retry_after" in failure.hint


def test_a_wait_within_the_limit_is_left_to_the_retry_policy() -> None:
    failure = rate_limited(300.0)
    refuse_long_wait(failure, RetrySettings(max_retry_after=300.0))
    assert failure.retryable is True and failure.detail == "Slow down"


def test_retry_after_is_read_as_seconds_or_an_http_date_and_never_raises() -> None:
    assert retry_after_seconds({"Retry-After": "90"}) == 90.0
    in_two_minutes = email.utils.formatdate(time.time() + 120, usegmt=True)
    assert 115 <= retry_after_seconds({"retry-after": in_two_minutes}) <= 121
    assert retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({"Retry-After": "Wed, 99 Oct 2099 07:28:00 GMT"}) is None
    for endless in ("inf", "1e400", "99999999999999"):
        assert retry_after_seconds({"Retry-After": endless}) == MAX_RETRY_AFTER
    assert retry_after_seconds({"retry-after-ms": "1500", "Retry-After": "9"}) == 1.5


def test_an_endless_wait_still_names_a_date() -> None:
    failure = rate_limited(retry_after_seconds({"Retry-After": "inf"}))
    refuse_long_wait(failure, RetrySettings())
    assert "try again after " + time.strftime("%Y-", time.localtime(time.time() + MAX_RETRY_AFTER)) in failure.detail
