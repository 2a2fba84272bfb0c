"""Time opening a 2,000-message conversation in the real ChatApp, against a 20-message one.

Run: .venv/bin/python benchmarks/long_conversation.py [--rounds 7]

Each figure is the median time from calling `ChatScreen.open_conversation(id)` to the first frame
painted with the conversation's last message on screen and drawn (its Markdown blocks mounted and laid
out, the pane scrolled to the bottom), headless (`ChatApp(services).run_test()`, 120x40). Both
conversations alternate prompts with Markdown replies (a list, a table, a Python block, a quote).
The app is measured as it is: it mounts the newest messages filling about 1.5 screens and older
ones on scrolling up. CPU time (every thread of the process) is printed too: it varies less than
wall time on a shared machine.
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
ROUNDS = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 7
TARGET_MS = 500.0
TIMEOUT_S = 30.0
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


def last_message_drawn(pane, expected_id: int) -> bool:
    """Whether the pane is at its bottom and the conversation's last message has its blocks laid out there."""
    from textual.widgets import Markdown

    from tui_chat.widgets.chat_pane import MessageView

    views = list(pane.query(MessageView))
    if not views or views[-1].message.id != expected_id:
        return False
    last = views[-1]
    region = last.region
    if not region or not region.overlaps(pane.region) or pane.scroll_y < pane.max_scroll_y - 1:
        return False
    markdowns = list(last.query(Markdown))
    if last.message.role.value == "assistant" and not markdowns:
        return False
    return all(block.region for markdown in markdowns for block in markdown.children)


async def time_open(pilot, conversation_id: int, expected_id: int) -> tuple[float, float]:
    """Wall and CPU milliseconds from open_conversation to the first frame with the last message drawn.

    Every frame the app composes goes through App._display; the check runs there, so the figure is
    the first paint, even while open_conversation is still busy (loading totals, prompt history).
    """
    from tui_chat.widgets.chat_pane import ChatPane

    app = pilot.app
    screen = app.screen
    await screen.action_new_conversation()
    await screen.workers.wait_for_complete()
    await pilot.pause(0.2)
    pane = screen.query_one(ChatPane)
    drawn = asyncio.Event()
    painted_at: list[float] = []
    display = app._display

    def display_and_check(target_screen, renderable) -> None:
        display(target_screen, renderable)
        if renderable is not None and not app._batch_count and not drawn.is_set():
            if last_message_drawn(pane, expected_id):
                painted_at.extend((time.perf_counter(), time.process_time()))
                drawn.set()

    app._display = display_and_check
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        opening = asyncio.create_task(screen.open_conversation(conversation_id))
        await asyncio.wait_for(drawn.wait(), TIMEOUT_S)
        await opening
    finally:
        del app._display
    await screen.workers.wait_for_complete()
    await pilot.pause(0.2)
    return (painted_at[0] - started) * 1000, (painted_at[1] - cpu_started) * 1000


async def measure(long_id: int, short_id: int, services_factory) -> tuple[list, list, int]:
    """(wall, CPU) open times of the long and the short conversation, alternating, in one app run."""
    from tui_chat.app import ChatApp
    from tui_chat.widgets.chat_pane import MessageView

    services = services_factory()
    repository = await services.repository()
    long_last = (await repository.messages(long_id, limit=1))[0].id
    short_last = (await repository.messages(short_id, limit=1))[0].id
    long_times, short_times, mounted = [], [], 0
    app = ChatApp(services)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await app.screen.workers.wait_for_complete()
        await time_open(pilot, short_id, short_last)  # warm-up: imports, first Markdown, CSS
        for _ in range(ROUNDS):
            short_times.append(await time_open(pilot, short_id, short_last))
            long_times.append(await time_open(pilot, long_id, long_last))
            mounted = len(app.screen.query(MessageView))
    return long_times, short_times, mounted


async def main() -> int:
    from tui_chat.services.bootstrap import build_services

    with temp_home():
        services = build_services()
        long_id, short_id = await build_database(services)
        await services.aclose()
        long_times, short_times, mounted = await measure(long_id, short_id, build_services)
    long_ms, short_ms = median([wall for wall, _ in long_times]), median([wall for wall, _ in short_times])
    long_cpu, short_cpu = median([cpu for _, cpu in long_times]), median([cpu for _, cpu in short_times])
    ok = long_ms < TARGET_MS
    print(f"Opening a conversation in ChatApp (headless, 120x40), median of {ROUNDS}:")
    print(
        report_line(
            f"{LONG_MESSAGES:,} messages to the newest drawn",
            f"{long_ms:,.0f} ms",
            f"< {TARGET_MS:.0f} ms",
            ok,
            f"{SHORT_MESSAGES} messages: {short_ms:,.0f} ms; ratio long/short {long_ms / short_ms:,.2f}x; "
            f"{mounted} message views mounted; CPU (all threads) long {long_cpu:,.0f} ms, short {short_cpu:,.0f} ms;\n"
            f"        long runs {', '.join(f'{wall:.0f}' for wall, _ in long_times)} ms; "
            f"short runs {', '.join(f'{wall:.0f}' for wall, _ in short_times)} ms",
        )
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
