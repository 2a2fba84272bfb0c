"""Stored prompts and replies holding hostile text, shown again when the app starts on their conversation."""

from __future__ import annotations

from contextlib import suppress

import pytest

from tests.hostile.corpus import ALL_PAYLOADS, CONTROLS, ESCAPES, MARKUP, UNICODE, Case
from tests.hostile.screen import leaked_payloads, screen_text, terminal_output, unsafe_characters
from tests.ui.pilot import wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import Role
from tui_chat.screens.chat import ChatScreen
from tui_chat.widgets.message_view import MessageView

GROUPS = {"markup": MARKUP, "escapes": ESCAPES, "controls": CONTROLS, "unicode": UNICODE}


@pytest.mark.parametrize("cases", [pytest.param(cases, id=name) for name, cases in GROUPS.items()])
async def test_stored_conversation_reopens_safely(make_services, cases: list[Case]) -> None:
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    text = "\n\n".join(case.text for case in cases)
    await repository.add_message(conversation.id, Role.USER, text)
    await repository.add_message(conversation.id, Role.ASSISTANT, text, model="demo")
    app = ChatApp(services)
    async with app.run_test(size=(200, 400)) as pilot:
        await wait_until(pilot, lambda: len(app.screen.query(MessageView)) == 2)

        def missing() -> list[tuple[str, str]]:
            shown = screen_text(app)
            return [(case.name, part) for case in cases for part in case.shown if shown.count(part) < 2]

        with suppress(AssertionError):  # replies mount their blocks lazily; a loaded machine is slower
            await wait_until(pilot, lambda: not missing(), timeout=15)
        assert app.is_running and isinstance(app.screen, ChatScreen)
        assert unsafe_characters(app) == []
        assert leaked_payloads(terminal_output(app), ALL_PAYLOADS) == []
        assert missing() == [], "each case should be visible in both the prompt and the reply"


async def test_pasted_and_recalled_prompts_show_controls(make_services) -> None:
    """A paste (or an earlier prompt recalled with ↑) carrying escapes shows ␛… in the prompt box."""
    from textual import events

    from tui_chat.core.text import show_controls
    from tui_chat.widgets.prompt_input import PromptInput

    text = "".join(case.text for case in ESCAPES + CONTROLS)
    app = ChatApp(make_services())
    async with app.run_test(size=(160, 50)) as pilot:
        prompt = app.screen.query_one(PromptInput)
        prompt.focus()
        app.post_message(events.Paste(text))
        await pilot.pause()
        assert prompt.text == show_controls(text)
        assert unsafe_characters(app) == [] and leaked_payloads(terminal_output(app), ALL_PAYLOADS) == []
        prompt.clear()
        prompt.prompt_history = [text]
        await pilot.press("up")
        assert prompt.text == show_controls(text)
        assert unsafe_characters(app) == []
