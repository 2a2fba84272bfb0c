"""Time the usage screen and `tui-chat usage` over a million usage rows spread across two years.

The database is created by `Database.open` (the real migrations, so the shipped indexes and
the rollup triggers), then filled with one executemany in a single transaction; the triggers
keep every pre-summed table current during the fill exactly as they do in the app.

Figures: the median time from pushing the real UsageScreen (headless, App.run_test) to the
first screen refresh after its Loaded message, for "30 days" and "all".  Loaded is posted once
the totals (with success rate, median and p95 latency, median time to first token and retries),
the chart and the visible Models table hold the period's figures, so that refresh is the first
complete paint; the other tabs are filled when opened.  Also the median wall time of
`tui-chat usage --by day --format json` over all rows in a subprocess.  The first run of each is
a warm-up and not counted; the screen lines also give the median CPU time of an opening (all
threads), steadier than wall time on a shared machine.  Baseline: `SELECT count(*) FROM usage`
on the same file in the same run.  Targets: 30 days under 300 ms; all under 1 s; the command
under 1 s.

`--tz America/New_York` runs everything in another zone: the day table serves the daily chart
only at UTC+0, elsewhere the hour or quarter-hour tables do.  `--keep DIR` fills the database
once into DIR and reuses it on later runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._harness import ROOT, isolated_env, median, report_line, temp_home  # noqa: E402

MODELS = (
    ("openai", "gpt-4o", 2500),
    ("openai", "gpt-4o-mini", 150),
    ("openrouter", "anthropic/claude-sonnet-4", 3000),
    ("groq", "llama-3.3-70b", 590),
    ("local", "qwen3:8b", 0),
    ("mistral", "mistral-large", None),
)
STATUSES = ("complete",) * 90 + ("partial",) * 3 + ("cancelled",) * 3 + ("failed",) * 3 + ("truncated",)
DAY_MS = 86_400_000
CLI_CODE = (
    "import argparse, sys; from tui_chat.services.bootstrap import build_services;"
    "from tui_chat.cli.usage import run_usage;"
    "sys.exit(run_usage(build_services(), argparse.Namespace(since=None, until=None, by='day', format='json')))"
)


@contextmanager
def bench_home(keep: Path | None) -> Iterator[Path]:
    """A temporary home, or `keep` (created if needed) so a filled database survives the run."""
    if keep is None:
        with temp_home() as home:
            yield home
        return
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(isolated_env(keep.resolve(), saved))
    try:
        yield keep
    finally:
        os.environ.clear()
        os.environ.update(saved)


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
                rng.randrange(1, conversations + 1),
                provider,
                model,
                input_tokens,
                rng.randrange(input_tokens // 2 + 1),
                output_tokens,
                int(rng.random() < 0.05),
                cost,
                status,
                1 + (rng.random() < 0.1),
                None if failed else rng.randrange(200, 30_000),
                None if failed else rng.randrange(80, 3_000),
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


async def screen_ms(kind, repeats: int) -> tuple[float, float]:
    """The median wall and CPU time from pushing UsageScreen to the first refresh after its Loaded message."""
    from textual.app import App

    from tui_chat.screens.usage import UsageScreen
    from tui_chat.services.bootstrap import build_services

    services = build_services()
    painted = asyncio.Event()

    class Host(App):
        def on_usage_screen_loaded(self, message: UsageScreen.Loaded) -> None:
            # Runs once the screen has refreshed with everything Loaded announces.
            self.screen.call_after_refresh(painted.set)

    timings, cpu = [], []
    app = Host()
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(repeats + 1):
            painted.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            await app.push_screen(UsageScreen(services, period=kind))
            await asyncio.wait_for(painted.wait(), 120)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            await pilot.pause()
            app.pop_screen()
            await pilot.pause()
    await services.aclose()
    return median(timings[1:]), median(cpu[1:])


def cli_ms(repeats: int) -> float:
    """The median wall time of the usage command (by day, JSON, all rows) in a fresh process."""
    timings = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", CLI_CODE], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings[1:])


COST_COMMANDS = (
    ("tui-chat usage --forecast (subprocess)", ("usage", "--forecast")),
    (
        "tui-chat usage --as-model gpt-4o-mini, all rows (subprocess)",
        ("--provider", "openai", "usage", "--as-model", "gpt-4o-mini"),
    ),
    ("tui-chat usage --as-model gemini-2.5-pro (tiered), all rows", ("usage", "--as-model", "gemini-2.5-pro")),
)
"""The cost commands timed from start-up to exit; a tiered price reprices each distinct set of counts."""


def command_ms(args: tuple[str, ...], repeats: int) -> float:
    """The median wall time of `tui-chat ARGS` in a fresh process, start-up included."""
    timings = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tui_chat", *args], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        timings.append((time.perf_counter() - started) * 1000)
    return median(timings[1:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tz", help="run in this time zone (the TZ variable), e.g. America/New_York")
    parser.add_argument("--keep", type=Path, help="a folder to fill once and reuse as the home")
    parser.add_argument("--cost-only", action="store_true", help="time only the forecast and what-if commands")
    options = parser.parse_args()
    if options.tz:
        os.environ["TZ"] = options.tz
        time.tzset()
    from tui_chat.core.periods import PeriodKind
    from tui_chat.paths import AppPaths

    with bench_home(options.keep):
        path = AppPaths.default().database
        if path.exists() and options.keep:
            print(f"reusing {path} ({path.stat().st_size / 1e6:.0f} MB)")
        else:
            started = time.perf_counter()
            fill(path, options.rows, max(1, options.rows // 20))
            print(
                f"filled {options.rows:,} rows in {time.perf_counter() - started:.1f} s "
                f"(shipped schema, rollups by triggers); {path.stat().st_size / 1e6:.0f} MB"
            )
        print(f"  time zone {time.tzname[0]}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        base = baseline_ms(path, options.repeats)
        print(f"  baseline  SELECT count(*) FROM usage: {base:.1f} ms")
        figures: list[tuple[str, float, float | None, float]] = []
        if not options.cost_only:
            month = asyncio.run(screen_ms(PeriodKind.LAST_30_DAYS, options.repeats))
            everything = asyncio.run(screen_ms(PeriodKind.ALL, options.repeats))
            figures += [
                ("screen first paint, 30 days", *month, 300.0),
                ("screen first paint, all", *everything, 1000.0),
                ("tui-chat usage --by day --format json (all rows, subprocess)", cli_ms(options.repeats), None, 1000.0),
            ]
        figures += [(name, command_ms(args, options.repeats), None, 1000.0) for name, args in COST_COMMANDS]
    failed = False
    for name, value, cpu, target in figures:
        passed = value < target
        failed |= not passed
        detail = f"{value / base:.0f}x the count(*) baseline" + ("" if cpu is None else f"; {cpu:.0f} ms of CPU")
        print(report_line(name, f"{value:.0f} ms", f"< {target:.0f} ms", passed, detail))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
