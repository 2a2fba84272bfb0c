"""Pathological replies in the real app: a 1 MB single line and 100,000 short lines, against a normal reply.

Run: .venv/bin/python benchmarks/hostile_render.py [--runs 3]

Same method as stream_render.py: the demo server runs in its own process and logs when it wrote
the last byte; the app is the real ChatApp at 120x40 driven by `App.run_test`; "rendered" means
`ReplyView.finish` returned, a frame was painted after it, and no reply segment in view is still
waiting for its blocks; "held" means the reply's widgets hold the whole text (a reply shown as plain
text holds it in its plain-text widget, not in Markdown sources). Replies are sent unthrottled. Each
figure is the median over the runs; the ratio is against a 2,000-token Markdown reply measured in
the same session. Responsiveness: after each pathological reply, the time from pressing ctrl+b to
the frame showing the sidebar toggled.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import DemoServerProcess, median, report_line, temp_home  # noqa: E402
from stream_render import SIZE, FrameClock, Probe, rendered_source, unrendered_in_view  # noqa: E402

TARGET_SECONDS = 2.0
NORMAL_TOKENS = 2_000


def one_megabyte_line() -> str:
    """About 1,000,000 characters of words with no line break."""
    return ("lorem ipsum dolor sit amet " * 40_000)[:999_992] + " THE-END"


def hundred_thousand_lines() -> str:
    """100,000 short lines, each ending in a newline (a log pasted back by a model)."""
    return "".join(f"line {number}\n" for number in range(100_000))


async def render_once(
    app, pilot, server: DemoServerProcess, probe: Probe, frames: FrameClock, text: str
) -> tuple[float, bool]:
    """Stream `text` as a new conversation's reply; seconds from the server's last byte to rendered, and whether it is all held."""
    from tui_chat.core.text import show_controls
    from tui_chat.widgets.chat_pane import ReplyView
    from tui_chat.widgets.prompt_input import PromptInput

    await pilot.press("ctrl+n")
    await pilot.pause()
    gc.collect()
    server.enqueue(text=text, tokens_per_second=0)
    probe.reset()
    prompt = app.screen.query_one(PromptInput)
    prompt.load_text("Say it")
    await pilot.pause()
    prompt.action_submit()
    await asyncio.wait_for(probe.finished.wait(), timeout=1200)
    rendered_at = await frames.first_after(probe.finished_at)
    while unrendered_in_view(app):
        rendered_at = await frames.first_after(time.time())
    last_byte = server.requests()[-1].get("finished_at") or float("nan")
    view = app.screen.query(ReplyView).last()
    return rendered_at - last_byte, shown_source(view) == show_controls(text)


def shown_source(view) -> str:
    """The text the reply's widgets hold: its plain text when shown as such, else its Markdown sources."""
    body = getattr(view, "body", None)
    return body.shown_source if hasattr(body, "shown_source") else rendered_source(view)


async def toggle_latency(app, pilot, frames: FrameClock) -> float:
    """Seconds from pressing ctrl+b (sidebar) to the next painted frame, twice to leave it as it was."""
    times = []
    for _ in range(2):
        pressed = time.time()
        await pilot.press("ctrl+b")
        times.append(await frames.first_after(pressed) - pressed)
    return max(times)


async def run_app(server: DemoServerProcess, runs: int) -> dict[str, list[tuple[float, bool, float]]]:
    """Every measurement in one ChatApp session."""
    from tui_chat.app import ChatApp
    from tui_chat.demo.corpus import markdown_corpus
    from tui_chat.paths import AppPaths
    from tui_chat.services.bootstrap import build_services

    probe = Probe()
    probe.install()
    services = build_services(provider="demo", model="demo", base_url=server.base_url, paths=AppPaths.default())
    app = ChatApp(services)
    texts = {
        "normal": markdown_corpus(NORMAL_TOKENS),
        "line": one_megabyte_line(),
        "lines": hundred_thousand_lines(),
    }
    results: dict[str, list[tuple[float, bool, float]]] = {key: [] for key in texts}
    async with app.run_test(size=SIZE) as pilot:
        frames = FrameClock(app)
        await pilot.pause()
        await app.workers.wait_for_complete()
        print("  warming up (one unmeasured normal reply)...", flush=True)
        await render_once(app, pilot, server, probe, frames, texts["normal"])
        for index in range(runs):
            for key, text in texts.items():
                latency, complete = await render_once(app, pilot, server, probe, frames, text)
                toggle = await toggle_latency(app, pilot, frames)
                results[key].append((latency, complete, toggle))
                print(
                    f"  {key:<6} run {index + 1}: last byte -> rendered {latency:7.3f} s, ctrl+b -> frame {toggle:.3f} s"
                    + ("" if complete else "  (INCOMPLETE)"),
                    flush=True,
                )
    return results


def report(results: dict[str, list[tuple[float, bool, float]]], runs: int) -> None:
    """Print the figures with their target and verdict."""
    normal = median([latency for latency, _, _ in results["normal"]])
    print()
    print(f"Results (median of {runs} runs; app {SIZE[0]}x{SIZE[1]} headless; server in its own process)")
    print(f"  baseline: {NORMAL_TOKENS:,}-token Markdown reply, last byte -> rendered {normal:.3f} s")
    for key, name in (("line", "1 MB single-line reply"), ("lines", "100,000-line reply")):
        latency = median([value for value, _, _ in results[key]])
        toggle = median([value for _, _, value in results[key]])
        complete = all(done for _, done, _ in results[key])
        detail = f"{latency / normal:.1f}x the normal reply; ctrl+b -> frame afterwards {toggle * 1000:.0f} ms"
        if not complete:
            detail += "; WARNING: the reply view does not hold the whole text"
        print(
            report_line(
                f"{name}: last byte -> rendered",
                f"{latency:.3f} s",
                f"< {TARGET_SECONDS:.0f} s",
                latency < TARGET_SECONDS and complete,
                detail,
            )
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per reply (default 3)")
    args = parser.parse_args(argv)
    import textual

    print(f"hostile_render: Python {sys.version.split()[0]}, Textual {textual.__version__}")
    started = time.time()
    with temp_home(), DemoServerProcess() as server:
        print(f"  demo server at {server.base_url} (separate process)")
        results = asyncio.run(run_app(server, args.runs))
    report(results, args.runs)
    print(f"\n(total {time.time() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
