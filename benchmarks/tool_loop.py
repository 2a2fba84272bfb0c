"""Time what the tool loop adds: a reply with one round of tool calls against two plain replies.

The demo server runs in its own process. A tool reply makes two requests (the call, then the answer)
and stores two usage rows, so its baseline is two plain replies of the same text, measured in the same
run; the figure is their ratio: what the loop's own work (schemas, the calls, the writes) adds.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import DemoServerProcess, report_line, temp_home  # noqa: E402

RUNS = 15
ANSWER = "It is noon."


async def figures(server: DemoServerProcess) -> tuple[float, float]:
    """Median seconds of one tool reply (a round of calls, then the answer) and of one plain reply."""
    from tui_chat.paths import AppPaths
    from tui_chat.services.bootstrap import build_services

    paths = AppPaths.default()
    paths.config_file.parent.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(
        '[tools]\nenabled = ["current_time", "list_directory"]\nalways_allow = ["current_time"]\n', encoding="utf-8"
    )
    services = build_services(provider="demo", model="demo", base_url=server.base_url, paths=paths)
    repository = await services.repository()
    session = await services.session()
    assert session.tools is not None
    tool_samples: list[float] = []
    plain_samples: list[float] = []

    async def ignore(event: object) -> None:
        return None

    for run in range(RUNS + 1):
        conversation = await repository.create_conversation(provider="demo", model="demo")
        calls = [
            {"id": "c1", "name": "current_time", "arguments": "{}"},
            {"id": "c2", "name": "current_time", "arguments": "{}"},
        ]
        server.enqueue(tool_calls=calls, tokens_per_second=0)
        server.enqueue(text=ANSWER, tokens_per_second=0)
        started = time.perf_counter()
        await session.send(conversation, "What time is it?", ignore)
        tool_seconds = time.perf_counter() - started
        plain = await repository.create_conversation(provider="demo", model="demo")
        await repository.set_tool_switch(plain.id, "current_time", _off())
        await repository.set_tool_switch(plain.id, "list_directory", _off())
        started = time.perf_counter()
        for _ in range(2):
            server.enqueue(text=ANSWER, tokens_per_second=0)
            await session.send(plain, "What time is it?", ignore)
        plain_seconds = (time.perf_counter() - started) / 2
        if run > 0:  # the first run warms up the client, pydantic and the tokenizer
            tool_samples.append(tool_seconds)
            plain_samples.append(plain_seconds)
    await services.aclose()
    return statistics.median(tool_samples), statistics.median(plain_samples)


def _off() -> object:
    from tui_chat.store.tool_writes import ToolSwitch

    return ToolSwitch(enabled=False)


async def main() -> int:
    with temp_home(), DemoServerProcess() as server:
        tool_seconds, plain_seconds = await figures(server)
    ratio = tool_seconds / (2 * plain_seconds)
    print("tool loop")
    print(
        report_line(
            "reply with a round of 2 tool calls vs two plain replies",
            f"{ratio:.2f}x",
            "< 1.25x",
            ratio < 1.25,
            f"tool reply {tool_seconds * 1000:.1f} ms, plain reply (baseline) {plain_seconds * 1000:.1f} ms",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
