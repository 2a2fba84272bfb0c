"""The Thinking block driven with Pilot against the loopback server: live, folded on the answer, toggled, kept."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

from tests.loopback import Script
from tests.ui.pilot import chat, prompt_ready, send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.core.models import Message, Role, Usage, UsageRecord
from tui_chat.widgets.chat_pane import ChatPane, MessageView, ReplyView
from tui_chat.widgets.reply.thinking import ThinkingBlock
from tui_chat.widgets.usage_sidebar import UsageSidebar

THOUGHT = "Let me see. " + " ".join(f"step{n}" for n in range(60)) + "\nSo the [b]answer[/b] is clear."
STALL = {"stall_after": 30, "stall_seconds": 3.0}
"""The server pauses mid-thinking, so the live block can be looked at however loaded the machine is."""
WIDE = (110, 36)


def block_text(block: ThinkingBlock) -> str:
    return str(block.render())


async def thinking_live(pilot, loopback, prompt: str, answer: str) -> ThinkingBlock:
    """Send `prompt`, answered after THOUGHT with a pause mid-thinking; the block once 30 pieces are in."""
    loopback.enqueue(Script(text=answer, reasoning=THOUGHT, **STALL))
    await send(pilot, prompt)
    pane = pilot.app.screen.query_one(ChatPane)
    await wait_until(pilot, lambda: bool(pane.query(ThinkingBlock)) and pane.query_one(ThinkingBlock).pieces >= 30)
    return pane.query_one(ThinkingBlock)


async def test_thinking_streams_live_then_folds_when_the_answer_starts(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        block = await thinking_live(pilot, loopback, "Think about it", "Forty-two.")
        assert block.live and block.open
        await wait_until(pilot, lambda: "Thinking…" in block_text(block) and len(block_text(block).splitlines()) > 1)
        assert block.live
        assert "Let me see" in block.text
        sidebar = app.screen.query_one(UsageSidebar)
        await wait_until(pilot, lambda: sidebar.live_reasoning_tokens > 0)
        await wait_for_reply(pilot, timeout=30)

        assert not block.live and not block.open
        folded = block_text(block)
        assert folded.startswith("▸ Thought for ") and "reasoning tokens" in folded and "step" not in folded
        assert "[b]answer[/b]" in block.text  # literal, never markup
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        reply = (await repository.messages(conversation.id))[-1]
        assert reply.thinking == THOUGHT and reply.content == "Forty-two."
        [row] = await repository.usage_rows(conversation.id)
        assert f"{row.usage.reasoning_tokens:,} reasoning tokens" in folded

        block.scroll_visible(animate=False)
        await pilot.pause()
        await pilot.click(block)
        await pilot.pause()
        assert block.open and "So the [b]answer[/b] is clear." in block_text(block)
        await pilot.click(block)
        await pilot.pause()
        assert not block.open


async def test_t_toggles_the_thinking_of_the_selected_reply_and_old_replies_keep_it(make_services, loopback) -> None:
    services = make_services()
    async with ChatApp(services).run_test(size=WIDE) as pilot:
        loopback.enqueue(Script(text="Done.", reasoning=THOUGHT))
        await send(pilot, "Think")
        await wait_for_reply(pilot)
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        pane = app.screen.query_one(ChatPane)
        await wait_until(pilot, lambda: bool(pane.query(ThinkingBlock)))
        reply = next(view for view in pane.query(MessageView) if view.message.role is Role.ASSISTANT)
        assert not isinstance(reply, ReplyView)
        block = reply.query_one(ThinkingBlock)
        await wait_until(pilot, lambda: block_text(block).startswith("▸ Thought"))
        assert not block.open
        reply.focus()
        await pilot.press("t")
        assert block.open and "step59" in block_text(block)
        await pilot.press("t")
        assert not block.open


async def test_a_reply_without_thinking_has_no_block(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "Plain", "Just text.", loopback)
        assert not app.screen.query(ThinkingBlock)
        reply = app.screen.query(MessageView).last()
        assert reply.check_action("toggle_thinking", ()) is False


async def test_thinking_can_stay_folded_while_streaming(make_services, loopback, app_paths) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text("thinking_while_streaming = false\n")
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        block = await thinking_live(pilot, loopback, "Think quietly", "Ok.")
        await pilot.pause(0.3)
        assert block.live and not block.open
        assert "Thinking…" in block_text(block) and len(block_text(block).splitlines()) == 1
        await wait_for_reply(pilot)


async def seed_two_thinking_replies(make_services) -> None:
    """A conversation with two stored replies of demo-think, each with its thinking."""
    services = make_services(model="demo-think")
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo-think")
    for prompt, thought, answer in (
        ("One", "Short thought.\nSecond line.", "First answer."),
        ("Two", "Another thought,\nover two lines.", "Second answer."),
    ):
        await repository.add_message(conversation.id, Role.USER, prompt, model="demo-think")
        reply = Message(0, conversation.id, Role.ASSISTANT, answer, model="demo-think", thinking=thought)
        record = UsageRecord("demo", "demo-think", Usage(5, 9, reasoning_tokens=6), Decimal(0), "local", "complete")
        await repository.save_reply(reply, record)
    await services.aclose()


def test_folded_and_unfolded_thinking(snap_compare, make_services, loopback) -> None:
    """You should see two stored replies of demo-think, each under its prompt: the first's Thinking block folded
    to one dim italic line "▸ Thought", the second's unfolded ("▾ Thought") with its two lines of thinking below
    in plain dim text, a faint bar on the block's left, then the answer."""
    asyncio.run(seed_two_thinking_replies(make_services))

    async def run_before(pilot) -> None:
        (await prompt_ready(pilot)).cursor_blink = False
        await wait_until(pilot, lambda: len(pilot.app.screen.query(ThinkingBlock)) == 2)
        pilot.app.screen.query(ThinkingBlock).last().toggle()
        await pilot.pause(0.3)

    assert snap_compare(ChatApp(make_services(model="demo-think")), terminal_size=(100, 30), run_before=run_before)


async def test_effort_is_chosen_in_f2_shown_in_the_sidebar_and_sent(make_services, loopback) -> None:
    from textual.widgets import Select

    from tests.ui.pilot import modal
    from tui_chat.screens.conversation_settings import ConversationSettingsScreen

    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "set me up", "ok", loopback)
        await pilot.press("f2")
        settings = await modal(pilot, ConversationSettingsScreen)
        select = settings.query_one("#settings-reasoning-effort", Select)
        assert select.value == "default"
        select.value = "high"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, ConversationSettingsScreen))
        await wait_until(pilot, lambda: app.screen.conversation.reasoning_effort == "high")
        sidebar = app.screen.query_one(UsageSidebar)
        assert "reasoning effort high" in str(sidebar.content())
        repository = await services.repository()
        assert (await repository.latest_conversation()).reasoning_effort == "high"
        await chat(pilot, "think hard now", "done", loopback)
        request = [r for r in loopback.requests if r.path.endswith("/chat/completions")][-1]
        assert request.json["reasoning_effort"] == "high"

        await pilot.press("f2")
        settings = await modal(pilot, ConversationSettingsScreen)
        settings.query_one("#settings-reasoning-effort", Select).value = "default"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: app.screen.conversation.reasoning_effort is None)
        assert "reasoning effort" not in str(sidebar.content())


async def test_hostile_thinking_is_shown_literally_never_as_markup_or_escapes(make_services, loopback) -> None:
    hostile = "[bold red]not markup[/] \x1b[31mred\x1b[0m \u202eevil\u202c \x07bell"
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        loopback.enqueue(Script(text="Answer.", reasoning=hostile))
        await send(pilot, "Hostile")
        await wait_for_reply(pilot)
        block = app.screen.query_one(ThinkingBlock)
        block.toggle()
        shown = block_text(block)
        assert "[bold red]not markup[/]" in shown
        assert "\x1b" not in shown and "\u202e" not in shown and "\x07" not in shown
        assert "␛[31mred" in shown
        assert all(not span.style or "bold" not in str(span.style) for span in block.render().spans[1:])


async def test_thinking_comes_back_when_its_conversation_is_shown_again_mid_stream(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "An earlier conversation", "Earlier.", loopback)
        earlier = app.screen.conversation.id
        await pilot.press("ctrl+n")
        await thinking_live(pilot, loopback, "Think while I look away", "Late answer.")
        seen_thinking_at = time.monotonic()
        thinking_id = app.screen.conversation.id
        await app.screen.open_conversation(earlier)
        await wait_until(pilot, lambda: app.screen.conversation.id == earlier)
        assert not app.screen.query(ThinkingBlock)
        await pilot.pause(0.5)
        await app.screen.open_conversation(thinking_id)
        await wait_until(pilot, lambda: bool(app.screen.query(ThinkingBlock)))
        block = app.screen.query_one(ThinkingBlock)
        assert block.text.startswith("Let me see. step0") and block.pieces >= 30
        assert (block.seconds or 0) >= time.monotonic() - seen_thinking_at  # its clock runs from the first thought
        await wait_for_reply(pilot, timeout=30)
        assert not block.live and block.text == THOUGHT
