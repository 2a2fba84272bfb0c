"""Archive, show archived and unarchive from the conversation list, checked in the database."""

from __future__ import annotations

from tests.ui.pilot import send, settle_workers, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.widgets.conversation_list import ConversationList


async def archived_ids(services, archived: bool) -> set[int]:
    repository = await services.repository()
    return {summary.conversation.id for summary in await repository.conversation_summaries(archived=archived)}


def listed_ids(listing: ConversationList) -> set[int]:
    return {summary.conversation.id for summary in listing.summaries}


async def test_archive_show_archived_and_unarchive_round_trip(make_services) -> None:
    services = make_services()
    app = ChatApp(services)
    async with app.run_test(size=(140, 40)) as pilot:
        for text in ("first chat", "second chat"):
            await send(pilot, text)
            await wait_for_reply(pilot)
            await pilot.press("ctrl+n")
        first, second = sorted(await archived_ids(services, False))
        await pilot.press("ctrl+o")
        listing = app.screen.query_one(ConversationList)
        await wait_until(pilot, lambda: listing.has_focus and listed_ids(listing) == {first, second})
        listing.highlighted = [s.conversation.id for s in listing.summaries].index(first)
        await pilot.press("a")
        await wait_until(pilot, lambda: listed_ids(listing) == {second})
        assert await archived_ids(services, True) == {first}
        assert await archived_ids(services, False) == {second}
        await pilot.press("v")
        await wait_until(pilot, lambda: listed_ids(listing) == {first})
        assert "archived" in listing.get_option_at_index(0).prompt.plain
        await pilot.press("a")
        await wait_until(pilot, lambda: listed_ids(listing) == set())
        await settle_workers(app.screen)
        assert await archived_ids(services, True) == set()
        assert await archived_ids(services, False) == {first, second}
        await pilot.press("v")
        await wait_until(pilot, lambda: listed_ids(listing) == {first, second})
