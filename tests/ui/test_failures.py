"""Every failure a request can meet: the toast, the prompt box, the database and the requests sent."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest
from textual.notifications import Notification, Notify
from textual.widgets._toast import Toast

from tests.loopback import Script
from tests.ui.pilot import send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import MessageStatus
from tui_chat.widgets.prompt_input import PromptInput

FAST_RETRIES = "[retry]\nbase_delay = 0.01\nmax_delay = 3.0\n[network]\nstall_timeout = 0.5\nconnect_timeout = 2.0\n"


def error(status: int, message: str, code: str = "", headers: dict | None = None) -> Script:
    return Script(status=status, headers=headers or {}, body={"error": {"message": message, "code": code or None}})


@dataclass
class Case:
    """One failure: what the server does, and what the user and the database should show."""

    scripts: list[Script]
    title: str
    requests: int
    status: MessageStatus
    prompt_back: bool
    extra_toasts: list[str] = field(default_factory=list)


CASES = {
    "bad key": Case(
        [error(401, "Incorrect API key provided: sk-…abcd", "invalid_api_key")],
        "API key rejected",
        1,
        MessageStatus.FAILED,
        True,
    ),
    "permission": Case([error(403, "Not allowed for this org")], "Permission denied", 1, MessageStatus.FAILED, True),
    "unknown model": Case(
        [error(404, "The model `x` does not exist", "model_not_found")],
        "Unknown model or endpoint",
        1,
        MessageStatus.FAILED,
        True,
    ),
    "context too long (server)": Case(
        [error(400, "This model's maximum context length is 8192 tokens", "context_length_exceeded")],
        "Conversation too long for the model",
        1,
        MessageStatus.FAILED,
        True,
    ),
    "bad request": Case([error(400, "Invalid 'temperature'")], "Request refused (400)", 1, MessageStatus.FAILED, True),
    "unprocessable": Case([error(422, "Unprocessable")], "Request refused (422)", 1, MessageStatus.FAILED, True),
    "quota": Case(
        [error(429, "You exceeded your current quota", "insufficient_quota")],
        "Quota exhausted",
        1,
        MessageStatus.FAILED,
        True,
    ),
    "rate limited after the last attempt": Case(
        [error(429, "Slow down", headers={"retry-after-ms": "10"}) for _ in range(4)],
        "Rate limited",
        4,
        MessageStatus.FAILED,
        True,
        ["Retrying"],
    ),
    "server error after the last attempt": Case(
        [error(500, "Internal error") for _ in range(4)],
        "Server error (500)",
        4,
        MessageStatus.FAILED,
        True,
        ["Retrying"],
    ),
    "read timeout before any byte": Case(
        [Script(first_byte_delay=1.5)] * 4, "Server stopped answering", 4, MessageStatus.FAILED, True
    ),
    "stall mid-stream": Case(
        [Script(stall_after=3, stall_seconds=2.0)], "Server stopped answering", 1, MessageStatus.PARTIAL, False
    ),
    "dropped mid-stream": Case([Script(drop_after=3)], "Connection dropped", 1, MessageStatus.PARTIAL, False),
    "malformed chunk": Case([Script(malformed_at=2)], "Malformed reply from server", 1, MessageStatus.PARTIAL, False),
    "empty choices": Case([Script(empty_choices=True)], "Empty reply", 1, MessageStatus.FAILED, True),
    "content filter": Case(
        [Script(text="Partial answer", finish_reason="content_filter")],
        "Stopped by the content filter",
        1,
        MessageStatus.PARTIAL,
        False,
    ),
    "length": Case(
        [Script(text="Cut at the limit", finish_reason="length")], "Reply truncated", 1, MessageStatus.TRUNCATED, False
    ),
}


class Toasts:
    """A message hook that keeps every toast the app was asked to show, even those already gone."""

    def __init__(self) -> None:
        self.shown: list[Notification] = []

    def __call__(self, message) -> None:
        if isinstance(message, Notify):
            self.shown.append(message.notification)

    def retrying(self) -> list[str]:
        return [notification.message for notification in self.shown if notification.title == "Retrying"]


def retry_toasts_up(app: ChatApp) -> list[str]:
    return [notification.message for notification in app._notifications if notification.title == "Retrying"]


def chat_requests(server) -> int:
    return len([request for request in server.requests if request.path.endswith("/chat/completions")])


@pytest.mark.parametrize("name", list(CASES))
async def test_failure(name: str, make_services, app_paths, loopback) -> None:
    case = CASES[name]
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(FAST_RETRIES)
    services = make_services()
    app = ChatApp(services)
    toasts = Toasts()
    async with app.run_test(size=(100, 30), message_hook=toasts) as pilot:
        for script in case.scripts:
            loopback.enqueue(script)
        await send(pilot, "words that must not be lost")
        await wait_for_reply(pilot, timeout=30)
        titles = [notification.title for notification in toasts.shown]
        assert case.title in titles, titles
        for extra in case.extra_toasts:
            assert extra in titles
        assert all(notification.markup is False for notification in toasts.shown)
        prompt_text = app.screen.query_one(PromptInput).text
        assert (prompt_text == "words that must not be lost") is case.prompt_back
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        stored = await repository.messages(conversation.id)
        assert stored[0].content == "words that must not be lost"
        assert stored[-1].status is case.status
        rows = await repository.usage_rows(conversation.id)
        assert len(rows) == 1 and rows[0].attempts == case.requests
        assert chat_requests(loopback) == case.requests


async def test_429_with_retry_after_is_honoured_then_succeeds(make_services, app_paths, loopback) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(FAST_RETRIES)
    services = make_services()
    app = ChatApp(services)
    toasts = Toasts()
    async with app.run_test(message_hook=toasts) as pilot:
        loopback.enqueue(error(429, "Slow down", headers={"Retry-After": "2"}))
        await send(pilot, "patience")
        started = time.monotonic()
        await wait_for_reply(pilot, timeout=30)
        requests = [r for r in loopback.requests if r.path.endswith("/chat/completions")]
        assert len(requests) == 2
        assert requests[1].received_at - requests[0].received_at >= 1.9
        assert time.monotonic() - started < 10
        assert toasts.retrying() == [f"Rate limited, retrying in {n} s (2/4). Esc cancels." for n in (2, 1)]
        assert retry_toasts_up(app) == []
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        stored = await repository.messages(conversation.id)
        assert stored[-1].status is MessageStatus.COMPLETE


async def test_escape_cancels_the_wait_before_a_retry(make_services, app_paths, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test() as pilot:
        loopback.enqueue(error(503, "busy", headers={"Retry-After": "30"}))
        await send(pilot, "never mind")
        for _ in range(100):
            if any(n.title == "Retrying" for n in app._notifications):
                break
            await pilot.pause(0.05)
        await pilot.press("escape")
        await wait_for_reply(pilot, timeout=5)
        assert chat_requests(loopback) == 1
        assert app.screen.query_one(PromptInput).text == "never mind"


async def test_the_retry_toast_counts_down_and_goes_on_escape(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test() as pilot:
        loopback.enqueue(error(503, "busy", headers={"Retry-After": "30"}))
        await send(pilot, "count it down")
        await wait_until(pilot, lambda: bool(retry_toasts_up(app)))
        first = retry_toasts_up(app)
        assert first == ["Server error (503), retrying in 30 s (2/4). Esc cancels."]
        await wait_until(pilot, lambda: retry_toasts_up(app) not in ([], first), timeout=5)
        assert retry_toasts_up(app) == ["Server error (503), retrying in 29 s (2/4). Esc cancels."]
        await pilot.press("escape")
        await wait_for_reply(pilot, timeout=5)
        await pilot.pause()
        assert retry_toasts_up(app) == []
        assert not [toast for toast in app.screen.query(Toast) if "retrying" in str(toast.render())]
        assert chat_requests(loopback) == 1


async def test_unreachable_server_says_so(make_services, app_paths) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(FAST_RETRIES)
    app = ChatApp(make_services(base_url="http://127.0.0.1:9/v1"))
    async with app.run_test() as pilot:
        await send(pilot, "anyone there?")
        await wait_for_reply(pilot, timeout=30)
        assert "Cannot reach the server" in [n.title for n in app._notifications]
        assert app.screen.query_one(PromptInput).text == "anyone there?"


async def test_prompt_too_long_for_the_context_window_is_refused_before_sending(make_services, loopback) -> None:
    services = make_services(provider="openai", model="gpt-4", base_url=loopback.base_url)
    services.registry._key_lookup = _fake_key
    app = ChatApp(services)
    huge = "word " * 9000
    async with app.run_test() as pilot:
        await send(pilot, huge)
        await wait_for_reply(pilot)
        assert "Conversation too long for the model" in [n.title for n in app._notifications]
        assert app.screen.query_one(PromptInput).text == huge
        assert chat_requests(loopback) == 0
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert await repository.messages(conversation.id) == []


async def _fake_key(name, provider) -> str:
    return "sk-test-not-a-real-key-000000"
