"""Streaming Markdown into the real app, headless, against a naive re-render-everything baseline.

Run: .venv/bin/python benchmarks/stream_render.py [--runs 3] [--rate-runs 3] [--naive-budget 40]

The demo server runs in its own process (its CPU is not ours) and logs when it wrote the last
byte of each response; the app is the real ChatApp with real services pointed at that server,
driven by `App.run_test` at 120x40. "Rendered" means: `ReplyView.finish` returned (the whole
text is held by the reply and its final blocks are built), the app then painted a frame (timed
by wrapping `App._display`, which headless drivers call and discard), and no reply segment in
the viewport is still waiting for its blocks. Segments out of sight hold their source and height
and mount their blocks when scrolled to. Every figure is a median over the runs; CPU is this
process's `time.process_time()`, which includes Textual's parsing threads. The naive baseline is
a bare Textual app whose Markdown widget gets `update(all text so far)` per chunk; it is cut off
at a CPU budget, which makes our ratio against it an upper bound.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import DemoServerProcess, median, report_line, temp_home  # noqa: E402

SIZE = (120, 40)
SMALL, LARGE = 2_000, 20_000
RATE = 100.0


@dataclass
class ReplyRun:
    """What one streamed reply cost."""

    tokens: int
    tokens_per_second: float | None
    cpu: float
    wall: float
    server_last_byte_to_rendered: float
    client_last_chunk_to_rendered: float
    complete: bool
    notes: list[str] = field(default_factory=list)


class FrameClock:
    """Records when the app hands a painted frame to its driver (headless drivers drop it)."""

    def __init__(self, app) -> None:
        self.frames: list[float] = []
        self._painted = asyncio.Event()
        original = app._display

        def display(screen, renderable) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frames.append(time.time())
                self._painted.set()

        app._display = display

    async def first_after(self, moment: float) -> float:
        """The time of the first frame painted after `moment`."""
        while True:
            later = [frame for frame in self.frames if frame > moment]
            if later:
                return later[0]
            self._painted.clear()
            await self._painted.wait()


def unrendered_in_view(app) -> bool:
    """Whether a reply segment inside the viewport is still waiting for its blocks."""
    try:
        from tui_chat.widgets.chat_pane import ChatPane
        from tui_chat.widgets.reply.segment import Segment
    except ImportError:
        return False
    view = app.screen.query_one(ChatPane).region
    return any(not segment.rendered and segment.region.overlaps(view) for segment in app.screen.query(Segment))


def rendered_source(view) -> str:
    """The Markdown source the reply view holds (segments and live tail, or its one Markdown)."""
    body = getattr(view, "body", None)
    if body is not None and hasattr(body, "segments"):
        return "".join(segment.source for segment in body.segments) + body.live.source
    return view.markdown.source


class Probe:
    """Timestamps the last text the reply view received and the end of its final update."""

    def __init__(self) -> None:
        self.last_write = 0.0
        self.finished = asyncio.Event()
        self.finished_at = 0.0

    def install(self) -> None:
        from tui_chat.widgets import chat_pane

        probe = self
        original_write = chat_pane.ReplyView.write
        original_finish = chat_pane.ReplyView.finish

        async def write(view, fragment: str) -> None:
            await original_write(view, fragment)
            probe.last_write = time.time()

        async def finish(view, *args, **kwargs) -> None:
            await original_finish(view, *args, **kwargs)
            probe.finished_at = time.time()
            probe.finished.set()

        chat_pane.ReplyView.write = write
        chat_pane.ReplyView.finish = finish

    def reset(self) -> None:
        self.last_write = 0.0
        self.finished = asyncio.Event()
        self.finished_at = 0.0


async def stream_once(
    app, pilot, server: DemoServerProcess, probe: Probe, frames: FrameClock, tokens: int, rate: float | None
) -> ReplyRun:
    """Start a new conversation, stream one scripted reply and time it until the screen is idle."""
    from tui_chat.demo.corpus import markdown_corpus
    from tui_chat.widgets.chat_pane import ReplyView
    from tui_chat.widgets.prompt_input import PromptInput

    corpus = markdown_corpus(tokens)
    await pilot.press("ctrl+n")
    await pilot.pause()
    gc.collect()
    server.enqueue(text=corpus, tokens_per_second=rate or 0)
    probe.reset()
    prompt = app.screen.query_one(PromptInput)
    prompt.load_text(f"Write {tokens} tokens of Markdown")
    await pilot.pause()
    cpu_start, wall_start = time.process_time(), time.time()
    prompt.action_submit()
    await asyncio.wait_for(probe.finished.wait(), timeout=1200)
    rendered_at = await frames.first_after(probe.finished_at)
    while unrendered_in_view(app):
        rendered_at = await frames.first_after(time.time())
    cpu = time.process_time() - cpu_start
    last_byte = server.requests()[-1].get("finished_at") or float("nan")
    view = app.screen.query(ReplyView).last()
    notes = []
    held = rendered_source(view)
    complete = held == corpus
    if not complete:
        notes.append(f"the reply view holds other text than the corpus ({len(held)} vs {len(corpus)} chars)")
    return ReplyRun(
        tokens=tokens,
        tokens_per_second=rate,
        cpu=cpu,
        wall=rendered_at - wall_start,
        server_last_byte_to_rendered=rendered_at - last_byte,
        client_last_chunk_to_rendered=rendered_at - probe.last_write,
        complete=complete,
        notes=notes,
    )


async def run_app(server: DemoServerProcess, runs: int, rate_runs: int) -> dict[str, list[ReplyRun]]:
    """All the app's measurements in one ChatApp session."""
    from tui_chat.app import ChatApp
    from tui_chat.paths import AppPaths
    from tui_chat.services.bootstrap import build_services

    probe = Probe()
    probe.install()
    services = build_services(provider="demo", model="demo", base_url=server.base_url, paths=AppPaths.default())
    app = ChatApp(services)
    results: dict[str, list[ReplyRun]] = {"small": [], "large": [], "rate": []}
    async with app.run_test(size=SIZE) as pilot:
        frames = FrameClock(app)
        await pilot.pause()
        await app.workers.wait_for_complete()
        print("  warming up (one unmeasured 2,000-token reply)...", flush=True)
        await stream_once(app, pilot, server, probe, frames, SMALL, None)
        for index in range(runs):
            for key, tokens in (("small", SMALL), ("large", LARGE)):
                run = await stream_once(app, pilot, server, probe, frames, tokens, None)
                results[key].append(run)
                print(
                    f"  {tokens:>6,} tokens unthrottled, run {index + 1}: cpu {run.cpu:6.2f} s, "
                    f"server last byte -> rendered {run.server_last_byte_to_rendered:6.3f} s",
                    flush=True,
                )
        for index in range(rate_runs):
            run = await stream_once(app, pilot, server, probe, frames, SMALL, RATE)
            results["rate"].append(run)
            print(
                f"  {SMALL:,} tokens at {RATE:.0f} tokens/s, run {index + 1}: cpu {run.cpu:.2f} s over "
                f"{run.wall:.1f} s ({run.cpu / run.wall:.0%} of a core)",
                flush=True,
            )
    return results


@dataclass
class NaiveRun:
    """The naive baseline: a Markdown widget re-rendered from scratch on every chunk."""

    tokens: int
    chunks_total: int
    chunks_done: int
    cpu: float
    cpu_estimate: float
    last_update_cpu: float


async def run_naive(tokens: int, budget: float) -> NaiveRun:
    """Feed the same chunks to `Markdown.update(everything so far)` until done or out of budget."""
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown

    from tui_chat.demo.corpus import markdown_corpus, split_tokens

    chunks = split_tokens(markdown_corpus(tokens))

    class NaiveApp(App):
        CSS = "Markdown { margin: 0; padding: 0 1; }"

        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield Markdown()

    app = NaiveApp()
    costs: list[tuple[int, float]] = []
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(VerticalScroll)
        pane.anchor()
        markdown = app.query_one(Markdown)
        await pilot.pause()
        text = ""
        cpu_start = time.process_time()
        for chunk in chunks:
            before = time.process_time()
            text += chunk
            await markdown.update(text)
            await asyncio.sleep(0)
            costs.append((len(text), time.process_time() - before))
            if time.process_time() - cpu_start > budget:
                break
        await app.screen.wait_for_refresh()
        cpu = time.process_time() - cpu_start
        full = "".join(chunks)
        before = time.process_time()
        await markdown.update(full)
        await app.screen.wait_for_refresh()
        last_update_cpu = time.process_time() - before
    done = len(costs)
    estimate = cpu
    if done < len(chunks):
        # Each update costs about a + b * (characters so far); fit on the measured second half and
        # add the chunks never run. Only a context figure: verdicts use the measured lower bound.
        half = costs[done // 2 :]
        xs = [size for size, _ in half]
        ys = [cost for _, cost in half]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        spread = sum((x - mean_x) ** 2 for x in xs) or 1.0
        slope = max(sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread, 0.0)
        intercept = mean_y - slope * mean_x
        size = len(text)
        for chunk in chunks[done:]:
            size += len(chunk)
            estimate += intercept + slope * size
    return NaiveRun(tokens, len(chunks), done, cpu, estimate, last_update_cpu)


def report(results: dict[str, list[ReplyRun]], naive: NaiveRun, runs: int) -> None:
    """Print every figure with its target and verdict."""
    small, large, rate = results["small"], results["large"], results["rate"]
    print()
    print(f"Results (median of {runs} runs each; app {SIZE[0]}x{SIZE[1]} headless; server in its own process)")
    print("  'server last byte' is the time the demo server logged after writing the response's last byte")
    print("  (GET /_demo/requests finished_at); client figures start when the reply view got its last text.")
    print()
    lat_small = median([r.server_last_byte_to_rendered for r in small])
    lat_large = median([r.server_last_byte_to_rendered for r in large])
    print(
        report_line(
            f"{SMALL:,} tokens unthrottled: server last byte -> rendered",
            f"{lat_small:.3f} s",
            "< 0.5 s",
            lat_small < 0.5,
            f"client last chunk -> rendered {median([r.client_last_chunk_to_rendered for r in small]):.3f} s; "
            f"submit -> rendered {median([r.wall for r in small]):.2f} s",
        )
    )
    print(
        report_line(
            f"{LARGE:,} tokens unthrottled: server last byte -> rendered",
            f"{lat_large:.3f} s",
            "< 3 s",
            lat_large < 3.0,
            f"client last chunk -> rendered {median([r.client_last_chunk_to_rendered for r in large]):.3f} s; "
            f"submit -> rendered {median([r.wall for r in large]):.2f} s",
        )
    )
    if rate:
        share = median([r.cpu / r.wall for r in rate])
        print(
            report_line(
                f"CPU while {SMALL:,} tokens stream at {RATE:.0f} tokens/s",
                f"{share:.1%}",
                "< 25 % of a core",
                share < 0.25,
                f"{median([r.cpu for r in rate]):.2f} CPU s over {median([r.wall for r in rate]):.1f} s wall",
            )
        )
    per_small = median([r.cpu for r in small]) / (SMALL / 1000)
    per_large = median([r.cpu for r in large]) / (LARGE / 1000)
    growth = per_large / per_small
    print(
        report_line(
            f"CPU per 1,000 tokens, {LARGE:,} vs {SMALL:,} (unthrottled)",
            f"{growth:.2f}x",
            "< 1.5x",
            growth < 1.5,
            f"{per_large * 1000:.0f} ms vs {per_small * 1000:.0f} ms per 1,000 tokens",
        )
    )
    ours = median([r.cpu for r in large])
    lower = ours / naive.cpu
    detail = (
        f"ours {ours:.2f} CPU s; naive update(all text) per chunk used {naive.cpu:.1f} CPU s for "
        f"{naive.chunks_done:,} of {naive.chunks_total:,} chunks"
    )
    if naive.chunks_done < naive.chunks_total:
        detail += (
            f" (stopped at the budget, so the ratio is an upper bound; fitted full run ≈ {naive.cpu_estimate:,.0f} s, "
            f"ratio ≈ {ours / naive.cpu_estimate:.4f})"
        )
    detail += f"; the naive app's final update alone takes {naive.last_update_cpu:.2f} CPU s"
    print(
        report_line(f"our CPU / naive baseline CPU at {LARGE:,} tokens", f"{lower:.4f}", "<= 0.2", lower <= 0.2, detail)
    )
    incomplete = [note for group in (small, large, rate) for r in group for note in r.notes]
    if incomplete:
        print("  WARNING: " + "; ".join(sorted(set(incomplete))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="unthrottled runs per size (default 3)")
    parser.add_argument("--rate-runs", type=int, default=3, help=f"runs at {RATE:.0f} tokens/s (default 3; 20 s each)")
    parser.add_argument(
        "--naive-budget", type=float, default=40.0, help="CPU seconds for the naive baseline (default 40)"
    )
    args = parser.parse_args(argv)
    import textual

    print(f"stream_render: Python {sys.version.split()[0]}, Textual {textual.__version__}")
    started = time.time()
    with temp_home(), DemoServerProcess() as server:
        print(f"  demo server at {server.base_url} (separate process)")
        results = asyncio.run(run_app(server, args.runs, args.rate_runs))
    print(f"  naive baseline: {LARGE:,} tokens, budget {args.naive_budget:.0f} CPU s...", flush=True)
    naive = asyncio.run(run_naive(LARGE, args.naive_budget))
    report(results, naive, args.runs)
    print(f"\n(total {time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
