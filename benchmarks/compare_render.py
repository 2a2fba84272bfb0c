"""Four models streaming side by side in the compare screen: CPU share and each pane's last byte to screen.

Run: .venv/bin/python benchmarks/compare_render.py [--runs 1]

One demo server in its own process (its CPU is not ours) answers four providers of config.toml, each
reply 2,000 tokens of Markdown at 100 tokens/s. The app is the real ChatApp, headless at 160x40; the
comparison starts as F6's setup dialog starts it (CompareLauncher.start). "On screen" means the column
was handed the reply's whole text and the app then painted a frame (timed by wrapping `App._display`,
which headless drivers call and discard). CPU is this process's `time.process_time()` over the wall time
from the start to the last pane on screen. The baseline is a two-model comparison in the same run.
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

SIZE = (160, 40)
TOKENS = 2_000
RATE = 100.0
PROVIDERS = ("one", "two", "three", "four")


@dataclass
class CompareRun:
    """What one comparison cost."""

    panes: int
    cpu: float
    wall: float
    last_byte_to_screen: list[float]
    complete: bool


class ScreenClock:
    """When each column first got its whole text, and when the app painted frames."""

    def __init__(self, app) -> None:
        from tui_chat.widgets.compare_column import CompareColumn

        self.frames: list[float] = []
        self.full_text_at: dict[int, float] = {}
        self.expected = ""
        original_display = app._display
        original_show = CompareColumn.show
        clock = self

        def display(screen, renderable) -> None:
            original_display(screen, renderable)
            if renderable is not None:
                clock.frames.append(time.time())

        def show(column, state) -> None:
            original_show(column, state)
            if state.text == clock.expected and column.index not in clock.full_text_at:
                clock.full_text_at[column.index] = time.time()

        app._display = display
        CompareColumn.show = show  # type: ignore[method-assign]

    def painted_after(self, moment: float) -> float | None:
        return next((frame for frame in self.frames if frame > moment), None)


async def compare_once(app, pilot, server: DemoServerProcess, clock: ScreenClock, panes: int) -> CompareRun:
    """Start a comparison of `panes` models and wait until every reply is stored and painted."""
    from tui_chat.demo.corpus import markdown_corpus
    from tui_chat.screens.chat import ChatScreen
    from tui_chat.screens.compare import CompareScreen
    from tui_chat.screens.compare_launch import CompareLauncher
    from tui_chat.screens.compare_setup import CompareRequest

    corpus = markdown_corpus(TOKENS)
    clock.expected, clock.full_text_at = corpus, {}
    server.reset()
    for _ in range(panes):
        server.enqueue(text=corpus, tokens_per_second=RATE)
    chat = app.screen
    assert isinstance(chat, ChatScreen)
    gc.collect()
    cpu_start, wall_start = time.process_time(), time.time()
    models = [f"{name}/demo" for name in PROVIDERS[:panes]]
    # The harness only watches: Pilot.pause would force a screen update and a walk of every widget's
    # queue each time it is called, work the app never does, and it is inside the measured window.
    await CompareLauncher(chat).start(f"Write {TOKENS} tokens", CompareRequest(models, blind=False))
    while not isinstance(app.screen, CompareScreen):
        await asyncio.sleep(0.01)
    screen = app.screen
    while screen.running or len(clock.full_text_at) < panes:
        await asyncio.sleep(0.02)
        if screen.running is False and time.time() - wall_start > 120:
            break
    shown = max(clock.full_text_at.values(), default=time.time())
    while clock.painted_after(shown) is None:
        await asyncio.sleep(0.01)
    wall = clock.painted_after(shown) - wall_start
    cpu = time.process_time() - cpu_start
    finished = [
        request.get("finished_at") or float("nan") for request in server.requests() if "chat" in request["path"]
    ]
    finished.sort()
    on_screen = sorted(clock.painted_after(moment) or float("nan") for moment in clock.full_text_at.values())
    latencies = [screen_at - byte_at for screen_at, byte_at in zip(on_screen, finished)]
    complete = len(clock.full_text_at) == panes and all(pane.text == corpus for pane in screen.comparison.panes)
    await pilot.press("escape")
    while isinstance(app.screen, CompareScreen):
        await pilot.pause(0.01)
    await pilot.press("ctrl+n")
    return CompareRun(panes, cpu, wall, latencies, complete)


async def run_app(server: DemoServerProcess, runs: int) -> dict[int, list[CompareRun]]:
    from tui_chat.app import ChatApp
    from tui_chat.paths import AppPaths
    from tui_chat.services.bootstrap import build_services

    paths = AppPaths.default()
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(
        "".join(f'[providers.{name}]\nbase_url = "{server.base_url}"\nneeds_key = false\n' for name in PROVIDERS)
    )
    app = ChatApp(build_services(provider="one", model="demo", paths=paths))
    results: dict[int, list[CompareRun]] = {2: [], 4: []}
    async with app.run_test(size=SIZE) as pilot:
        clock = ScreenClock(app)
        await pilot.pause()
        await app.workers.wait_for_complete()
        for index in range(runs):
            for panes in (4, 2):
                run = await compare_once(app, pilot, server, clock, panes)
                results[panes].append(run)
                print(
                    f"  {panes} panes, run {index + 1}: cpu {run.cpu:5.2f} s over {run.wall:5.1f} s, last byte -> "
                    f"screen {', '.join(f'{value:.3f}' for value in run.last_byte_to_screen)} s",
                    flush=True,
                )
    return results


def report(results: dict[int, list[CompareRun]], runs: int) -> None:
    four, two = results[4], results[2]
    print()
    print(f"Results (median of {runs} runs; app {SIZE[0]}x{SIZE[1]} headless; server in its own process)")
    share = median([run.cpu / run.wall for run in four])
    baseline = median([run.cpu / run.wall for run in two])
    print(
        report_line(
            f"CPU while 4 replies of {TOKENS:,} tokens stream at {RATE:.0f} tok/s",
            f"{share:.1%}",
            "< 60 % of a core",
            share < 0.6,
            f"baseline, 2 replies the same way: {baseline:.1%}",
        )
    )
    worst = max(value for run in four for value in run.last_byte_to_screen)
    print(
        report_line(
            "each pane: server's last byte -> on screen (worst of all panes)",
            f"{worst:.3f} s",
            "< 0.5 s",
            worst < 0.5,
            f"baseline, 2 panes: worst {max(value for run in two for value in run.last_byte_to_screen):.3f} s",
        )
    )
    if not all(run.complete for run in four + two):
        print("  WARNING: a pane did not show the whole reply")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each comparison (default 1; about 20 s each)")
    args = parser.parse_args(argv)
    import textual

    print(f"compare_render: Python {sys.version.split()[0]}, Textual {textual.__version__}")
    started = time.time()
    with temp_home(), DemoServerProcess() as server:
        print(f"  demo server at {server.base_url} (separate process)")
        results = asyncio.run(run_app(server, args.runs))
    report(results, args.runs)
    print(f"\n(total {time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
