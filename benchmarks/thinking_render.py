"""A reasoning reply streamed into the real app: 2,000 tokens of thinking, then 2,000 of answer, at 100 tokens/s.

Run: .venv/bin/python benchmarks/thinking_render.py [--runs 1]

The loopback server runs in its own process and streams the thinking as `reasoning_content`; the
app is the real ChatApp at 120x40, driven by `App.run_test`, with the Thinking block open while it
streams (the default). CPU is this process's `time.process_time()` over the reply's wall time;
"rendered" is as in stream_render.py: the reply view finished and a frame was painted after it.
The baseline, from the same run, is a reply of 2,000 answer tokens and no thinking at the same rate;
one unthrottled reasoning reply first warms the app up (imports, the first price lookup) unmeasured.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import DemoServerProcess, median, report_line, temp_home  # noqa: E402
from stream_render import FrameClock, Probe, rendered_source, unrendered_in_view  # noqa: E402

SIZE = (120, 40)
TOKENS = 2_000
RATE = 100.0


@dataclass
class ThinkingRun:
    """What one streamed reply cost."""

    cpu: float
    wall: float
    last_byte_to_rendered: float
    last_chunk_to_rendered: float
    complete: bool


async def stream_once(
    app, pilot, server: DemoServerProcess, probe: Probe, frames: FrameClock, thinking: bool, rate: float = RATE
):
    """Start a new conversation, stream one scripted reply at `rate` and time it until the screen is idle."""
    from tui_chat.demo.corpus import markdown_corpus
    from tui_chat.widgets.chat_pane import ReplyView
    from tui_chat.widgets.prompt_input import PromptInput

    answer = markdown_corpus(TOKENS)
    reasoning = markdown_corpus(TOKENS, seed=7) if thinking else None
    await pilot.press("ctrl+n")
    await pilot.pause()
    gc.collect()
    server.enqueue(text=answer, reasoning=reasoning, tokens_per_second=rate)
    probe.reset()
    prompt = app.screen.query_one(PromptInput)
    prompt.load_text("Think, then answer")
    await pilot.pause()
    cpu_start, wall_start = time.process_time(), time.time()
    prompt.action_submit()
    await asyncio.wait_for(probe.finished.wait(), timeout=600)
    rendered_at = await frames.first_after(probe.finished_at)
    while unrendered_in_view(app):
        rendered_at = await frames.first_after(time.time())
    cpu = time.process_time() - cpu_start
    last_byte = server.requests()[-1].get("finished_at") or float("nan")
    view = app.screen.query(ReplyView).last()
    complete = rendered_source(view) == answer and (not thinking or view.thinking_block is not None)
    return ThinkingRun(cpu, rendered_at - wall_start, rendered_at - last_byte, rendered_at - probe.last_write, complete)


async def run_app(server: DemoServerProcess, runs: int) -> tuple[list[ThinkingRun], list[ThinkingRun]]:
    """The reasoning replies and the plain baseline, in one ChatApp session."""
    from tui_chat.app import ChatApp
    from tui_chat.paths import AppPaths
    from tui_chat.services.bootstrap import build_services

    probe = Probe()
    probe.install()
    services = build_services(provider="demo", model="demo", base_url=server.base_url, paths=AppPaths.default())
    app = ChatApp(services)
    thinking_runs: list[ThinkingRun] = []
    plain_runs: list[ThinkingRun] = []
    async with app.run_test(size=SIZE) as pilot:
        frames = FrameClock(app)
        await pilot.pause()
        await app.workers.wait_for_complete()
        print("  warming up (one unmeasured, unthrottled reasoning reply)...", flush=True)
        await stream_once(app, pilot, server, probe, frames, True, rate=0)
        for index in range(runs):
            for runs_of, thinking in ((thinking_runs, True), (plain_runs, False)):
                run = await stream_once(app, pilot, server, probe, frames, thinking)
                runs_of.append(run)
                kind = f"{TOKENS:,} thinking + {TOKENS:,} answer" if thinking else f"{TOKENS:,} answer only"
                print(
                    f"  {kind} at {RATE:.0f} tokens/s, run {index + 1}: cpu {run.cpu:.2f} s over {run.wall:.1f} s "
                    f"({run.cpu / run.wall:.0%} of a core), last byte -> rendered {run.last_byte_to_rendered:.3f} s",
                    flush=True,
                )
    return thinking_runs, plain_runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each reply (default 1; about 60 s each)")
    args = parser.parse_args(argv)
    import textual

    print(f"thinking_render: Python {sys.version.split()[0]}, Textual {textual.__version__}")
    with temp_home(), DemoServerProcess() as server:
        print(f"  loopback server at {server.base_url} (separate process)")
        thinking, plain = asyncio.run(run_app(server, args.runs))
    share = median([run.cpu / run.wall for run in thinking])
    baseline = median([run.cpu / run.wall for run in plain])
    latency = median([run.last_byte_to_rendered for run in thinking])
    print()
    print(f"Results (median of {args.runs} run(s); app {SIZE[0]}x{SIZE[1]} headless; server in its own process)")
    print(
        report_line(
            f"CPU while {TOKENS:,} thinking + {TOKENS:,} answer tokens stream at {RATE:.0f}/s",
            f"{share:.1%}",
            "< 25 % of a core",
            share < 0.25,
            f"baseline, {TOKENS:,} answer tokens and no thinking at the same rate: {baseline:.1%}",
        )
    )
    print(
        report_line(
            "server last byte -> answer rendered",
            f"{latency:.3f} s",
            "< 0.5 s",
            latency < 0.5,
            f"client last chunk -> rendered {median([run.last_chunk_to_rendered for run in thinking]):.3f} s; "
            f"baseline without thinking: {median([run.last_byte_to_rendered for run in plain]):.3f} s",
        )
    )
    if not all(run.complete for run in thinking + plain):
        print("  WARNING: a reply view did not hold the whole answer (or lacked its Thinking block)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
