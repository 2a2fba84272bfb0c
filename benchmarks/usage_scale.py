"""Time the usage screen and `tui-chat usage` over a million usage rows spread across two years.

The database is created by `Database.open` (the real migrations, so the shipped indexes and
the usage_rollup triggers), then filled with one executemany in a single transaction; the
triggers keep the rollup current during the fill exactly as they do in the app.

Figures: the median time from pushing the real UsageScreen (headless, App.run_test) to its
Loaded message (totals, chart and grouped tables populated) for "30 days" and "all", and the
median wall time of `tui-chat usage --by day --format json` over all rows in a subprocess.
Baseline: `SELECT count(*) FROM usage` on the same file in the same run.
Targets: 30 days under 300 ms; all under 1 s; the command under 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import ROOT, median, report_line, temp_home  # noqa: E402

MODELS = (
    ("openai", "gpt-4o", 2500), ("openai", "gpt-4o-mini", 150), ("openrouter", "anthropic/claude-sonnet-4", 3000),
    ("groq", "llama-3.3-70b", 590), ("local", "qwen3:8b", 0), ("mistral", "mistral-large", None),
)
STATUSES = ("complete",) * 90 + ("partial",) * 3 + ("cancelled",) * 3 + ("failed",) * 3 + ("truncated",)
DAY_MS = 86_400_000
CLI_CODE = (
    "import argparse, sys; from tui_chat.services.bootstrap import build_services;"
    "from tui_chat.usage_command import run_usage;"
    "sys.exit(run_usage(build_services(), argparse.Namespace(since=None, until=None, by='day', format='json')))"
)


def fill(path: Path, rows: int, conversations: int) -> None:
    """Create the schema through Database.open, then insert `rows` usage rows in one transaction."""
    from tui_chat.store.db import Database

    async def create() -> None:
        await (await Database.open(path)).close()

    asyncio.run(create())
    rng = random.Random(2024)
    end_ms = int(time.time() * 1000)
    start_ms = end_ms - 730 * DAY_MS
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO conversations (id, title, provider, model, created_at, updated_at) VALUES (?, ?, 'openai', 'gpt-4o', ?, ?)",
        ((number, f"Conversation {number}", start_ms, start_ms) for number in range(1, conversations + 1)),
    )

    def usage_rows():
        step = (end_ms - start_ms) // rows
        for index in range(rows):
            provider, model, price = MODELS[rng.randrange(len(MODELS))]
            input_tokens, output_tokens = rng.randrange(100, 20_000), rng.randrange(10, 2_000)
            status = STATUSES[rng.randrange(len(STATUSES))]
            cost = None if price is None else (input_tokens + output_tokens) * price * 1000
            failed = status == "failed"
            yield (
                rng.randrange(1, conversations + 1), provider, model, input_tokens, rng.randrange(input_tokens // 2 + 1),
                output_tokens, int(rng.random() < 0.05), cost, status, 1 + (rng.random() < 0.1),
                None if failed else rng.randrange(200, 30_000), None if failed else rng.randrange(80, 3_000),
                start_ms + index * step + rng.randrange(step),
            )

    connection.executemany(
        "INSERT INTO usage (conversation_id, provider, model, input_tokens, cached_tokens, output_tokens, estimated,"
        " cost_pusd, status, attempts, latency_ms, ttft_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        usage_rows(),
    )
    connection.execute("COMMIT")
    connection.close()


def baseline_ms(path: Path, repeats: int) -> float:
    """The median time of a plain `SELECT count(*) FROM usage`."""
    connection = sqlite3.connect(path)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        connection.execute("SELECT count(*) FROM usage").fetchone()
        timings.append((time.perf_counter() - started) * 1000)
    connection.close()
    return median(timings)


async def screen_ms(kind, repeats: int) -> float:
    """The median time from pushing UsageScreen to its Loaded message."""
    from textual.app import App

    from tui_chat.screens.usage import UsageScreen
    from tui_chat.services.bootstrap import build_services

    services = build_services()
    loaded = asyncio.Event()

    class Host(App):
        def on_usage_screen_loaded(self, message: UsageScreen.Loaded) -> None:
            loaded.set()

    timings = []
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(repeats):
            loaded.clear()
            started = time.perf_counter()
            await app.push_screen(UsageScreen(services, period=kind))
            await asyncio.wait_for(loaded.wait(), 120)
            timings.append((time.perf_counter() - started) * 1000)
            await pilot.pause()
            app.pop_screen()
            await pilot.pause()
    await services.aclose()
    return median(timings)


def cli_ms(repeats: int) -> float:
    """The median wall time of the usage command (by day, JSON, all rows) in a fresh process."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", CLI_CODE], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    options = parser.parse_args()
    from tui_chat.core.periods import PeriodKind
    from tui_chat.paths import AppPaths

    with temp_home():
        path = AppPaths.default().database
        started = time.perf_counter()
        fill(path, options.rows, max(1, options.rows // 20))
        print(f"filled {options.rows:,} rows in {time.perf_counter() - started:.1f} s "
              f"(shipped schema, rollup by triggers); {path.stat().st_size / 1e6:.0f} MB")
        base = baseline_ms(path, options.repeats)
        print(f"  baseline  SELECT count(*) FROM usage: {base:.1f} ms")
        figures = [
            ("screen first paint, 30 days", asyncio.run(screen_ms(PeriodKind.LAST_30_DAYS, options.repeats)), 300.0),
            ("screen first paint, all", asyncio.run(screen_ms(PeriodKind.ALL, options.repeats)), 1000.0),
            ("tui-chat usage --by day --format json (all rows, subprocess)", cli_ms(options.repeats), 1000.0),
        ]
    failed = False
    for name, value, target in figures:
        passed = value < target
        failed |= not passed
        print(report_line(name, f"{value:.0f} ms", f"< {target:.0f} ms", passed, f"{value / base:.0f}x the count(*) baseline"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
