"""Selecting any message (keys, click, older pages) and acting on it: copy, copy a code block, edit, delete."""

from __future__ import annotations

import json

from textual.command import CommandPalette
from textual.widgets import OptionList

from tests.loopback import Script
from tests.ui.pilot import chat, modal, prompt_ready, wait_for_reply, wait_until
from tui_chat.app import CHAT_COMMANDS, ChatApp
from tui_chat.core.models import Role
from tui_chat.screens.chat import ChatScreen
from tui_chat.screens.choice_picker import ChoicePickerScreen
from tui_chat.screens.confirm import ConfirmScreen
from tui_chat.screens.help import HelpScreen
from tui_chat.screens.message_actions import code_blocks
from tui_chat.widgets.chat_pane import MessageView
from tui_chat.widgets.conversation_pane import ConversationPane
from tui_chat.widgets.prompt_input import PromptInput

WIDE = (150, 40)
TWO_BLOCKS = "Two ways:\n\n```python\nprint('first')\n```\n\nor\n\n```sh\necho second\necho again\n```\n"


def views(app) -> list[MessageView]:
    return list(app.screen.query_one(ConversationPane).query_children(MessageView))


def selected(app) -> MessageView | None:
    focused = app.screen.focused
    return focused if isinstance(focused, MessageView) else None


async def stored_conversation(services, count: int):
    """A conversation of `count` alternating prompts and replies, written straight to the store."""
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    for number in range(count):
        role = Role.USER if number % 2 == 0 else Role.ASSISTANT
        await repository.add_message(conversation.id, role, f"message {number}\n\n" + "a line of text\n\n" * 3)
    return repository, conversation


def test_code_blocks_are_found_with_their_language_even_inside_lists() -> None:
    text = TWO_BLOCKS + "\n1. step\n\n   ```js\n   run()\n   ```\n"
    assert [(block.language, block.code) for block in code_blocks(text)] == [
        ("python", "print('first')"),
        ("sh", "echo second\necho again"),
        ("js", "run()"),
    ]


def test_every_chat_command_names_an_action_of_the_chat_screen() -> None:
    actions = {action for _, _, action in CHAT_COMMANDS}
    assert {
        "select_message",
        "copy_message",
        "copy_code",
        "edit_prompt",
        "delete_message",
        "new_from_preset",
    } <= actions
    assert all(callable(getattr(ChatScreen, f"action_{action}", None)) for action in actions)


async def test_keys_move_the_selection_through_the_messages_and_back_to_the_prompt(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "first question", "first answer", loopback)
        await chat(pilot, "second question", "second answer", loopback)
        prompt = app.screen.query_one(PromptInput)
        await pilot.press("alt+up")
        assert selected(app) is views(app)[-1] and selected(app).message.content == "second answer"
        await pilot.press("up", "up")
        assert selected(app).message.content == "first answer"
        await pilot.press("down")
        assert selected(app).message.content == "second question"
        await pilot.press("escape")
        assert app.screen.focused is prompt
        await pilot.press("shift+tab")
        assert selected(app).message.content == "second answer"
        await pilot.press("down")
        assert app.screen.focused is prompt


async def test_the_palette_selects_a_message_and_copies_it(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "question", "answer from the palette", loopback)
        for command in ("select a message", "copy message"):
            await pilot.press("ctrl+p")
            await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
            await pilot.press(*command)
            options = app.screen.query_one(OptionList)
            await wait_until(
                pilot,
                lambda command=command, options=options: command in str(options.get_option_at_index(0).prompt).lower(),
            )
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
            await pilot.pause()
        assert selected(app) is views(app)[-1]
        await wait_until(pilot, lambda: app.clipboard == "answer from the palette")


async def test_a_click_selects_a_message_and_copies_an_older_one(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "first question", "the *first* answer", loopback)
        await chat(pilot, "second question", "second answer", loopback)
        older_reply = views(app)[1]
        await pilot.click(older_reply, offset=(4, 1))
        await pilot.pause()
        assert selected(app) is older_reply
        await pilot.press("c")
        await wait_until(pilot, lambda: app.clipboard == "the *first* answer")
        await pilot.press("up", "f9")
        await wait_until(pilot, lambda: app.clipboard == "first question")


async def test_one_of_several_code_blocks_is_picked_and_a_single_block_copies_at_once(make_services, loopback) -> None:
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "two blocks", TWO_BLOCKS, loopback)
        await chat(pilot, "one block", "```\nonly()\n```\n", loopback)
        await pilot.press("alt+up")
        await pilot.press("k")
        await wait_until(pilot, lambda: app.clipboard == "only()")
        assert not isinstance(app.screen, ChoicePickerScreen)
        await pilot.press("up", "up", "k")
        picker = await modal(pilot, ChoicePickerScreen)
        assert [choice.label for choice in picker.choices] == ["python · 1 line", "sh · 2 lines"]
        assert picker.choices[1].detail == "echo second"
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.clipboard == "echo second\necho again")
        assert isinstance(app.screen, ChatScreen)


async def test_deleting_an_older_message_removes_it_from_pane_and_store_but_keeps_its_usage(
    make_services, loopback
) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "first question", "first answer", loopback)
        await chat(pilot, "second question", "second answer", loopback)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        usage_before = await repository.usage_rows()
        await pilot.press("alt+up", "up", "up")
        assert selected(app).message.content == "first answer"
        await pilot.press("d")
        confirm = await modal(pilot, ConfirmScreen)
        assert "Delete the reply?" in confirm.question
        await pilot.press("y")
        await wait_until(pilot, lambda: len(views(app)) == 3)
        assert [view.message.content for view in views(app)] == ["first question", "second question", "second answer"]
        stored = await repository.messages(conversation.id)
        assert [message.content for message in stored] == ["first question", "second question", "second answer"]
        usage_after = await repository.usage_rows()
        assert len(usage_after) == len(usage_before) == 2
        assert sum(row.usage.output_tokens for row in usage_after) == sum(
            row.usage.output_tokens for row in usage_before
        )
        assert selected(app).message.content == "second question"


async def test_deleting_a_regenerated_reply_shows_the_other_version_in_its_place(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "roll a die", "four", loopback)
        loopback.enqueue(Script(text="six"))
        await pilot.press("ctrl+r")
        await wait_for_reply(pilot)
        await wait_until(pilot, lambda: views(app)[-1].message.content == "six")
        assert [view.message.content for view in views(app)] == ["roll a die", "six"]
        await pilot.press("alt+up", "d")
        await modal(pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: [view.message.content for view in views(app)] == ["roll a die", "four"])
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert [m.content for m in await repository.messages(conversation.id)] == ["roll a die", "four"]
        assert selected(app).message.content == "four"


async def test_editing_an_older_prompt_asks_then_replaces_it_and_what_followed(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "wrong question", "wrong answer", loopback)
        await chat(pilot, "follow-up", "follow-up answer", loopback)
        await pilot.press("alt+up", "up", "up", "up")
        assert selected(app).message.content == "wrong question"
        await pilot.press("e")
        prompt = app.screen.query_one(PromptInput)
        await wait_until(pilot, lambda: prompt.text == "wrong question")
        assert app.screen.focused is prompt
        prompt.load_text("right question")
        loopback.enqueue(Script(text="right answer"))
        await pilot.press("end", "enter")
        confirm = await modal(pilot, ConfirmScreen)
        assert "3 messages after it" in confirm.question
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await wait_for_reply(pilot)
        repository = await services.repository()
        conversation = await repository.latest_conversation()
        assert [m.content for m in await repository.messages(conversation.id)] == ["right question", "right answer"]
        assert [view.message.content for view in views(app)] == ["right question", "right answer"]
        assert len(await repository.usage_rows()) == 3


async def test_a_reply_cannot_be_edited_and_a_streaming_prompt_gets_its_stored_id(make_services, loopback) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await chat(pilot, "question", "answer", loopback)
        assert all(view.message.id > 0 for view in views(app))
        await pilot.press("alt+up", "e")
        await pilot.pause()
        assert app.screen.query_one(PromptInput).text == ""
        assert app.screen._editing is None


async def test_older_pages_loaded_by_moving_up_are_selectable(make_services) -> None:
    services = make_services()
    repository, conversation = await stored_conversation(services, 60)
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: len(views(app)) > 0)
        await app.screen.workers.wait_for_complete()
        await pilot.pause(0.3)
        first_shown = views(app)[0].message.id
        await pilot.press("alt+up")
        assert selected(app).message.content.startswith("message 59")
        for _ in range(len(views(app)) + 2):
            await pilot.press("up")
            await pilot.pause()
        await wait_until(pilot, lambda: selected(app) is not None and selected(app).message.id < first_shown)
        older = selected(app)
        await pilot.press("c")
        await wait_until(pilot, lambda: app.clipboard == older.message.content)
        stored = await repository.get_message(older.message.id)
        assert stored.content == older.message.content


async def test_a_page_of_older_messages_loads_above_without_moving_what_is_read(make_services) -> None:
    services = make_services()
    await stored_conversation(services, 60)
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: len(views(app)) > 0)
        await app.screen.workers.wait_for_complete()
        await pilot.pause(0.3)
        pane = app.screen.query_one(ConversationPane)
        shown = len(views(app))
        reading = views(app)[0]
        offset_at_top = reading.virtual_region.y
        pane.scroll_to(y=0, animate=False)
        await wait_until(pilot, lambda: len(views(app)) > shown)
        await app.screen.workers.wait_for_complete()
        await pilot.pause(0.5)
        assert views(app).index(reading) == len(views(app)) - shown
        assert pane.scroll_y > 0
        assert abs(reading.virtual_region.y - pane.scroll_y - offset_at_top) <= 2
        lazy = [view for view in views(app) if view.segments]
        assert lazy and not all(segment.rendered for view in lazy for segment in view.segments)


async def test_a_very_long_stored_reply_opens_in_segments_drawn_only_near_the_view(make_services) -> None:
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    await repository.add_message(conversation.id, Role.USER, "a long one please")
    long_reply = "\n\n".join(f"Paragraph {number} of a very long reply." for number in range(600))
    await repository.add_message(conversation.id, Role.ASSISTANT, long_reply)
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: len(views(app)) == 2)
        reply = views(app)[1]
        assert not reply.eager and len(reply.segments) > 10
        await wait_until(pilot, lambda: reply.segments[-1].rendered)
        assert not reply.segments[0].rendered
        assert "".join(segment.source for segment in reply.segments) == long_reply


async def test_search_opens_a_long_conversation_with_the_match_in_view(make_services) -> None:
    services = make_services()
    repository, conversation = await stored_conversation(services, 80)
    target = (await repository.messages(conversation.id))[31]
    app = ChatApp(services)
    async with app.run_test(size=WIDE) as pilot:
        await wait_until(pilot, lambda: len(views(app)) > 0)
        await app.screen.open_conversation(conversation.id, at_message_id=target.id)
        pane = app.screen.query_one(ConversationPane)

        def match_at_top() -> bool:
            found = [view for view in views(app) if view.has_class("-found")]
            return bool(found) and found[0].message.id == target.id and abs(found[0].region.y - pane.region.y) <= 1

        await wait_until(pilot, match_at_top)
        await pilot.pause(0.5)
        assert match_at_top()


async def test_help_lists_the_message_keys_with_the_keymap_applied(make_services, app_paths) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text('[keymap]\n"message.copy" = "y"\n')
    app = ChatApp(make_services())
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("f1")
        help_screen = await modal(pilot, HelpScreen)
        rows = [json.dumps([row.keys, row.description, row.binding_id]) for row in help_screen.rows]
        text = json.dumps(rows)
        assert "message.copy" in text and "message.delete" in text and "chat.select_message" in text
        copy_row = next(row for row in rows if 'message.copy"' in row)
        assert '"y"' in copy_row and "selected message" in copy_row


def test_a_selected_message(snap_compare, make_services, loopback) -> None:
    """You should see two exchanges with the first reply selected: a bright accent bar on its left,
    a faint tint behind it, its header in the accent colour, and the footer offering c Copy,
    k Copy code, d Delete (no Edit, since it is a reply)."""

    async def run_before(pilot) -> None:
        (await prompt_ready(pilot)).cursor_blink = False
        await chat(pilot, "What is a monad?", "A **monoid** in the category of endofunctors.", loopback)
        await chat(pilot, "In plain words?", "A way to chain steps that carry context.", loopback)
        await pilot.press("alt+up", "up", "up")
        await pilot.pause(0.5)

    assert snap_compare(ChatApp(make_services()), terminal_size=(110, 30), run_before=run_before)
