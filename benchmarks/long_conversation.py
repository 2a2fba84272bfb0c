"""Time opening a 2,000-message conversation in the real ChatApp, against a 20-message one.

Each figure is the median time from calling `ChatScreen.open_conversation(id)` to the first paint
with the conversation's last message on screen, headless (`ChatApp(services).run_test()`).
"current" is ChatScreen as it is (every message loaded and mounted); "proposed" loads only the
newest PAGE messages, the change this script monkeypatches in to measure (see the lead's note).
Target from the issue: the long conversation's newest messages show in under 500 ms.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import median, report_line, temp_home  # noqa: E402

LONG_MESSAGES = 2_000
SHORT_MESSAGES = 20
PAGE = int(sys.argv[sys.argv.index("--page") + 1]) if "--page" in sys.argv else 40
ROUNDS = 5
CURRENT_ROUNDS = 1  # mounting 1,000 Markdown replies takes minutes; once is enough to show it
TARGET_MS = 500.0
REPLY = """Here is how **{topic}** works, step by step:

1. Read the input and check it (`validate()` returns a list of problems).
2. Transform it; see the table below.
3. Write the result atomically.

| step | cost | notes |
| --- | --- | --- |
| read | O(n) | streaming |
| write | O(1) | rename(2) |

```python
def handle_{index}(items: list[str]) -> int:
    \"\"\"Count the items that are not empty.\"\"\"
    return sum(1 for item in items if item.strip())
```

> Tip: keep the transaction short, and *never* hold it across a network call.
"""


def message_rows(conversation_id: int, count: int, start_millis: int) -> list[tuple]:
    """Alternating prompts and Markdown replies, as rows of the messages table."""
    rows = []
    for index in range(count):
        role = "user" if index % 2 == 0 else "assistant"
        content = (
            f"Question {index}: how does topic {index // 2} work, and what does it cost?"
            if role == "user"
            else REPLY.format(topic=f"topic {index // 2}", index=index)
        )
        at = start_millis + index * 1000
        rows.append((conversation_id, role, content, "demo", "complete", at, at))
    return rows


async def build_database(services) -> tuple[int, int]:
    """The long and the short conversation, written straight through the repository's connection."""
    repository = await services.repository()
    long_one = await repository.create_conversation(provider="demo", model="demo", title="Long conversation")
    short_one = await repository.create_conversation(provider="demo", model="demo", title="Short conversation")
    async with repository.database.transaction() as tx:
        for conversation, count in ((long_one, LONG_MESSAGES), (short_one, SHORT_MESSAGES)):
            await tx.executemany(
                "INSERT INTO messages (conversation_id, role, content, model, status, created_at, finished_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                message_rows(conversation.id, count, 1_700_000_000_000),
            )
    return long_one.id, short_one.id


def propose_paging(chat_screen_class) -> None:
    """Make open_conversation load only the newest PAGE messages (the proposed chat.py change)."""
    from tui_chat.widgets.chat_pane import ChatPane
    from tui_chat.widgets.usage_sidebar import UsageSidebar

    async def open_conversation(self, conversation_id: int) -> None:
        repository = await self.services.repository()
        conversation = await repository.get_conversation(conversation_id)
        if conversation is None:
            return
        self.conversation = conversation
        messages = await repository.messages(conversation.id, limit=PAGE)
        await self.query_one(ChatPane).show_messages(messages)
        sidebar = self.query_one(UsageSidebar)
        sidebar.provider, sidebar.model = conversation.provider, conversation.model
        await self.refresh_spend()

    chat_screen_class.open_conversation = open_conversation


async def time_open(pilot, conversation_id: int, expected_last: str) -> float:
    """Milliseconds from open_conversation to a paint with the last message visible at the bottom."""
    from tui_chat.widgets.chat_pane import ChatPane, MessageView

    screen = pilot.app.screen
    await screen.action_new_conversation()
    await pilot.pause()
    started = time.perf_counter()
    await screen.open_conversation(conversation_id)
    pane = screen.query_one(ChatPane)
    while True:
        await pilot.pause()
        views = list(pane.query(MessageView))
        last = views[-1] if views else None
        if (
            last is not None
            and last.message.content == expected_last
            and last.region.height > 0
            and pane.scroll_y >= pane.max_scroll_y - 1
        ):
            break
    return (time.perf_counter() - started) * 1000


async def measure(variant: str, long_id: int, short_id: int, services_factory) -> tuple[float, float]:
    """Median open times of the long and the short conversation in one app run."""
    from tui_chat.app import ChatApp
    from tui_chat.screens.chat import ChatScreen

    original = ChatScreen.open_conversation
    if variant == "proposed":
        propose_paging(ChatScreen)
    try:
        services = services_factory()
        repository = await services.repository()
        long_last = (await repository.messages(long_id, limit=1))[0].content
        short_last = (await repository.messages(short_id, limit=1))[0].content
        long_times, short_times = [], []
        app = ChatApp(services)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.screen.workers.wait_for_complete()
            for _ in range(ROUNDS if variant == "proposed" else CURRENT_ROUNDS):
                short_times.append(await time_open(pilot, short_id, short_last))
                long_times.append(await time_open(pilot, long_id, long_last))
        return median(long_times), median(short_times)
    finally:
        ChatScreen.open_conversation = original


async def main() -> int:
    from tui_chat.services.bootstrap import build_services

    with temp_home():
        services = build_services()
        long_id, short_id = await build_database(services)
        await services.aclose()
        print(f"Opening a conversation in ChatApp (headless, 120x40), median of {ROUNDS} (current: {CURRENT_ROUNDS}):")
        passed = True
        variants = ("proposed",) if "--proposed-only" in sys.argv else ("proposed", "current")
        for variant in variants:
            long_ms, short_ms = await measure(variant, long_id, short_id, build_services)
            ok = long_ms < TARGET_MS
            passed = passed and (ok or variant == "current")
            label = f"{variant}: {LONG_MESSAGES:,} messages" + (f" (newest {PAGE} loaded)" if variant == "proposed" else "")
            print(report_line(label, f"{long_ms:,.0f} ms", f"< {TARGET_MS:.0f} ms", ok,
                              f"{SHORT_MESSAGES} messages: {short_ms:,.0f} ms; ratio long/short {long_ms / short_ms:,.1f}x"))
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
