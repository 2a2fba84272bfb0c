"""The conversation service and the Exchange against a real database and the loopback server."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from tests.loopback import Script
from tui_chat.core.models import MessageStatus, Role
from tui_chat.services.budget_gate import OverBudget
from tui_chat.services.exchange import Exchange

PRICED = {"prompt_tokens": 1000, "completion_tokens": 200, "prompt_tokens_details": {"cached_tokens": 0}}


class Display:
    """Records what an exchange shows."""

    def __init__(self) -> None:
        self.fragments: list[str] = []
        self.some_text = asyncio.Event()
        self.saved = None
        self.retries: list[object] = []
        self.waits_over = 0

    async def write(self, fragment: str) -> None:
        self.fragments.append(fragment)
        if len(self.fragments) >= 3:
            self.some_text.set()

    def retry_scheduled(self, event) -> None:
        self.retries.append(event)

    def retry_wait_over(self) -> None:
        self.waits_over += 1

    def prompt_saved(self, message) -> None:
        self.saved = message


def priced_services(make_services, app_paths, loopback, extra: str = ""):
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        f'[providers.priced]\nbase_url = "{loopback.base_url}"\nneeds_key = false\ndefault_model = "gpt-4o"\n'
        '[prices."gpt-4o"]\ninput = "2.50"\noutput = "10"\n' + extra
    )
    return make_services(provider="priced", model="gpt-4o")


async def test_rename_archive_search_export_and_delete(make_services, loopback) -> None:
    services = make_services()
    conversations = await services.conversations()
    first = await conversations.create(provider="demo", model="demo")
    second = await conversations.create(provider="demo", model="demo", system_prompt="Be brief.")
    await conversations.send(first, "find the walrus", Display().write)

    await conversations.rename(first.id, "Walrus talk")
    assert (await conversations.get(first.id)).title == "Walrus talk"
    await conversations.set_archived(second.id, True)
    assert [s.conversation.id for s in await conversations.summaries()] == [first.id]
    assert [s.conversation.id for s in await conversations.summaries(archived=True)] == [second.id]
    assert (await conversations.latest()).id == first.id

    [hit] = [hit for hit in await conversations.search("walrus") if hit.role is Role.USER]
    assert hit.conversation_id == first.id
    markdown = await conversations.export_text(first.id, "md")
    assert "Walrus talk" in markdown and "find the walrus" in markdown
    assert '"title": "Walrus talk"' in await conversations.export_text(first.id, "json")
    assert await conversations.export_text(999, "md") is None

    assert await conversations.delete(second.id) is True
    assert await conversations.get(second.id) is None
    assert await conversations.prompt_history() == ["find the walrus"]
    await services.aclose()


async def test_pages_edits_and_alternatives(make_services, loopback) -> None:
    services = make_services()
    conversations = await services.conversations()
    conversation = await conversations.create(provider="demo", model="demo")
    for number in range(4):
        loopback.enqueue(Script(text=f"answer {number}"))
        await conversations.send(conversation, f"question {number}", Display().write)
    messages = await conversations.messages(conversation.id)
    assert len(messages) == 8
    newest = await conversations.newest_page(conversation.id, limit=3)
    assert newest == messages[-3:]
    assert await conversations.has_older(conversation.id, newest)
    page = await conversations.page_before(conversation.id, newest[0].id, limit=5)
    assert page.messages == messages[:5] and page.has_older is True
    assert (await conversations.page_before(conversation.id, messages[2].id, limit=5)).has_older is False
    around = await conversations.page_around(conversation.id, messages[4].id, limit=4)
    assert around == messages[3:7]

    last_prompt = await conversations.last_message(conversation.id, Role.USER)
    assert last_prompt.content == "question 3"
    assert await conversations.count_after(conversation.id, messages[4].id) == 3

    loopback.enqueue(Script(text="answer 3, again"))
    await conversations.retry(conversation, Display().write)
    reply = await conversations.last_message(conversation.id, Role.ASSISTANT)
    assert reply.content == "answer 3, again"
    shown = await conversations.show_alternative(reply.id, -1)
    assert (shown.position, shown.count) == (1, 2)
    older_reply = await conversations.last_message(conversation.id, Role.ASSISTANT)
    assert older_reply.content == "answer 3"
    replacement = await conversations.delete_message(older_reply.id)
    assert replacement is not None and replacement.content == "answer 3, again"
    assert await conversations.show_alternative(replacement.id, 1) is None

    assert await conversations.delete_from(conversation.id, messages[4].id) == 4
    assert [m.content for m in await conversations.messages(conversation.id)] == [
        "question 0",
        "answer 0",
        "question 1",
        "answer 1",
    ]
    await services.aclose()


async def test_spending_and_the_budget_check(make_services, app_paths, loopback) -> None:
    services = priced_services(
        make_services, app_paths, loopback, '[budget]\ndaily = "0.001"\nover_budget = "confirm"\n'
    )
    conversations = await services.conversations()
    conversation = await conversations.create(provider="priced", model="gpt-4o")
    before = await conversations.spending(conversation.id)
    assert before.conversation.cost == 0 and not before.budget.exceeded
    loopback.enqueue(Script(text="costly", usage=PRICED))
    await conversations.send(conversation, "spend it", Display().write)

    spent = await conversations.spending(conversation.id)
    assert spent.conversation.cost == spent.today.cost == Decimal("0.0045")
    assert spent.budget.exceeded and spent.budget.note
    assert (await conversations.spending(None)).conversation is None
    with pytest.raises(OverBudget) as refused:
        await conversations.check_budget()
    assert refused.value.can_confirm
    assert (await conversations.check_budget(confirmed=True)).exceeded
    with pytest.raises(OverBudget):
        await conversations.send(conversation, "more", Display().write)
    await services.aclose()


async def test_an_exchange_holds_the_reply_text_the_session_streams(make_services, loopback) -> None:
    services = make_services()
    conversations = await services.conversations()
    conversation = await conversations.create(provider="demo", model="demo")
    ended: list[Exchange] = []
    display = Display()
    loopback.enqueue(Script(text="one two three four"))
    exchange = Exchange(conversation, "send", display, ended.append, prompt="count")
    await exchange.run(conversations)

    assert ended == [exchange]
    assert exchange.prompt_saved and display.saved == exchange.prompt_message
    assert exchange.text == "one two three four" == "".join(display.fragments)
    assert exchange.output_tokens == len(display.fragments)
    assert exchange.outcome.reply.content == exchange.text
    assert exchange.outcome.reply.status is MessageStatus.COMPLETE
    await services.aclose()


async def test_a_cancelled_exchange_ends_once_and_keeps_its_text(make_services, loopback) -> None:
    services = make_services()
    conversations = await services.conversations()
    conversation = await conversations.create(provider="demo", model="demo")
    ended: list[Exchange] = []
    display = Display()
    loopback.enqueue(Script(text="word " * 200, tokens_per_second=50))
    exchange = Exchange(conversation, "send", display, ended.append, prompt="talk slowly")
    task = asyncio.ensure_future(exchange.run(conversations))
    exchange.stop = task.cancel
    await asyncio.wait_for(display.some_text.wait(), timeout=10)
    exchange.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert ended == [exchange]
    assert exchange.outcome.reply.status is MessageStatus.CANCELLED
    assert exchange.outcome.reply.content == exchange.text and exchange.text
    await services.aclose()


async def test_a_failed_exchange_reports_the_error_as_its_outcome(make_services, loopback) -> None:
    services = make_services()
    conversations = await services.conversations()
    conversation = await conversations.create(provider="demo", model="demo")
    ended: list[Exchange] = []
    loopback.enqueue(Script(status=400))
    exchange = Exchange(conversation, "send", Display(), ended.append, prompt="fail please")
    await exchange.run(conversations)
    assert ended == [exchange]
    assert exchange.outcome.error is not None and exchange.prompt_saved
    await services.aclose()
