"""Time what crash safety costs: storing a streaming reply about once a second, and recovery at start-up.

Three figures, each against a baseline measured in the same run:
- a 20,000-token reply streamed unthrottled through ChatSession from the demo server (in its own
  process), flushing once a second and ten times a second, against no flushing at all (an
  unthrottled reply lasts under a second, so the ten-a-second run is the one that shows the cost);
- one flush of an 8,000-token reply in a 50,000-message database (the full-text index follows it);
- the start-up look for replies a crash left streaming, in that database, against one indexed read.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import DemoServerProcess, report_line, temp_home  # noqa: E402

TOKENS = 20_000
RUNS = 3
MESSAGES = 50_000
FLUSH_REPLY_WORDS = 8_000


async def stream_seconds(server: DemoServerProcess, intervals: list[float]) -> dict[float, float]:
    """The median wall time of streaming and storing one reply, per flush interval, runs interleaved."""
    from tui_chat.demo.corpus import markdown_corpus
    from tui_chat.paths import AppPaths
    from tui_chat.services.bootstrap import build_services

    services = build_services(provider="demo", model="demo", base_url=server.base_url, paths=AppPaths.default())
    repository = await services.repository()
    session = await services.session()
    corpus = markdown_corpus(TOKENS)
    samples: dict[float, list[float]] = {interval: [] for interval in intervals}

    async def ignore(event: object) -> None:
        return None

    for run in range(RUNS + 1):
        for interval in intervals:
            session.flush_seconds = interval
            conversation = await repository.create_conversation(provider="demo", model="demo")
            server.enqueue(text=corpus, tokens_per_second=0)
            started = time.perf_counter()
            await session.send(conversation, "long please", ignore)
            if run > 0:  # the first round warms up the client, the tokenizer and the caches
                samples[interval].append(time.perf_counter() - started)
    await services.aclose()
    return {interval: statistics.median(values) for interval, values in samples.items()}


async def database_figures(path: Path) -> tuple[float, float, float]:
    """Median ms of one flush of a long reply, of the recovery scan, and of one indexed read (baseline)."""
    from tui_chat.core.models import Message, Role
    from tui_chat.store.db import Database
    from tui_chat.store.repository import Repository

    repository = Repository(await Database.open(path))
    conversation = await repository.create_conversation(provider="demo", model="demo")
    async with repository.database.transaction() as tx:
        await tx.executemany(
            "INSERT INTO messages (conversation_id, role, content, model, status, created_at) VALUES (?, ?, ?, 'demo', 'complete', 0)",
            (
                (conversation.id, "user" if n % 2 == 0 else "assistant", f"message {n} " + "lorem ipsum " * 40)
                for n in range(MESSAGES)
            ),
        )
    draft = await repository.start_reply(Message(0, conversation.id, Role.ASSISTANT, "start", model="demo"))
    words = " ".join(f"word{n}" for n in range(FLUSH_REPLY_WORDS))
    flushes, scans, reads = [], [], []
    for step in range(30):
        started = time.perf_counter()
        await repository.flush_reply(draft.id, words[: len(words) * (step + 1) // 30])
        flushes.append(time.perf_counter() - started)
        started = time.perf_counter()
        found = await repository.streaming_replies()
        scans.append(time.perf_counter() - started)
        assert [reply.id for reply in found] == [draft.id]
        started = time.perf_counter()
        await repository.get_message(draft.id)
        reads.append(time.perf_counter() - started)
    await repository.database.close()
    return tuple(statistics.median(samples) * 1000 for samples in (flushes, scans, reads))


async def main() -> int:
    with temp_home() as home, DemoServerProcess() as server:
        timings = await stream_seconds(server, [math.inf, 1.0, 0.1])
        baseline, flushed, frequent = timings[math.inf], timings[1.0], timings[0.1]
        flush_ms, scan_ms, read_ms = await database_figures(home / "bench.db")
    overhead = frequent / baseline - 1
    print("reply_flush: storing a streaming reply as it arrives")
    print(
        report_line(
            f"{TOKENS:,}-token reply, flushed 10x a second vs never",
            f"{overhead:+.1%}",
            "< +5 %",
            overhead < 0.05,
            f"never {baseline:.3f} s, once a second {flushed:.3f} s, ten times a second {frequent:.3f} s",
        )
    )
    print(
        report_line(
            f"one flush of an {FLUSH_REPLY_WORDS:,}-word reply ({MESSAGES:,} messages)",
            f"{flush_ms:.2f} ms",
            "< 10 ms",
            flush_ms < 10,
        )
    )
    print(
        report_line(
            "start-up scan for replies left streaming",
            f"{scan_ms:.3f} ms",
            "< 5 ms",
            scan_ms < 5,
            f"one read by id {read_ms:.3f} ms ({scan_ms / read_ms:.1f}x)",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
