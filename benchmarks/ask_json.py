"""What `tui-chat ask --format json` adds to a demo-fast reply, against the same reply printed as plain text.

Run: .venv/bin/python benchmarks/ask_json.py [--runs 21]

Each run spawns the installed `tui-chat ask "..." --model demo-fast` (the built-in offline demo,
no network) in one temporary home, from spawn to exit. Plain and JSON runs alternate, so load on
the machine falls on both alike. The figure is the median of the per-pair differences (JSON minus
plain) in CPU time (user + system) of the process: on a shared machine its wall-clock time from spawn
to exit varies by hundreds of milliseconds from run to run, so that median is printed too, for
reference. A third line times the writers alone in fresh interpreters. Target from the issue: under 30 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import isolated_env, median, report_line, temp_home  # noqa: E402

TARGET_MS = 30.0
PROMPT = "Say something short."


def tui_chat_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m tui_chat`."""
    script = Path(sys.executable).with_name("tui-chat")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui_chat"]


def timed_ask(env: dict[str, str], *extra: str) -> tuple[float, float, str]:
    """Wall-clock and CPU milliseconds of one `ask` from spawn to exit, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [*tui_chat_command(), "ask", PROMPT, "--model", "demo-fast", *extra],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    elapsed = (time.perf_counter() - started) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"ask {' '.join(extra)} exited {done.returncode}: {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    return elapsed, cpu, done.stdout


WRITER_PROBE = """
import io, sys, time
from decimal import Decimal
t0 = time.perf_counter()
from tui_chat.cli.ask_output import writer_for
from tui_chat.core.models import Message, Role, Usage, UsageRecord
from tui_chat.services.events import ReplyFinished
words = [" word%d" % i for i in range(250)]
reply = Message(7, 3, Role.ASSISTANT, "".join(words), model="demo-fast")
record = UsageRecord("demo", "demo-fast", Usage(20, 250), Decimal("0.000123"), "local", "complete", 900, 40)
started = time.perf_counter()
writer = writer_for(sys.argv[1], io.StringIO())
for word in words:
    writer.text(word)
writer.finished(ReplyFinished(reply, record))
print((time.perf_counter() - started) * 1000)
"""
"""Milliseconds a fresh interpreter spends writing a 250-token reply with the writer of a format (imports included)."""


def writer_ms(text_format: str) -> float:
    """One fresh interpreter's time to print a reply in `text_format`, first use (lazy imports included)."""
    done = subprocess.run(
        [sys.executable, "-c", WRITER_PROBE, text_format], capture_output=True, text=True, check=True, timeout=60
    )
    return float(done.stdout)


def main() -> int:
    """Print both medians, the added time and the verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21, help="pairs of runs (default 21)")
    runs = parser.parse_args().runs
    with temp_home() as home:
        env = isolated_env(home)
        *_, printed = timed_ask(env, "--format", "json")  # warm-up: byte code, database, tokenizer cache
        figures = json.loads(printed)
        plain, as_json, added, added_cpu = [], [], [], []
        json_flags = ("--format", "json")
        for index in range(runs):
            order = [(), json_flags] if index % 2 == 0 else [json_flags, ()]
            times = {extra: timed_ask(env, *extra)[:2] for extra in order}
            plain.append(times[()][0])
            as_json.append(times[json_flags][0])
            added.append(times[json_flags][0] - times[()][0])
            added_cpu.append(times[json_flags][1] - times[()][1])
        writer_added = [writer_ms("json") - writer_ms("text") for _ in range(runs)]
    figure = median(added_cpu)
    print(f"`tui-chat ask --model demo-fast`, {runs} alternating pairs, spawn to exit:")
    print(f"  plain text: {median(plain):8.1f} ms median")
    print(f"  --format json: {median(as_json):8.1f} ms median (reply of {figures['usage']['output']} tokens)")
    print(f"  wall-clock added by --format json: {median(added):.1f} ms median of pair differences (noisy)")
    print(f"  the writers alone, fresh interpreter: JSON adds {median(writer_added):.2f} ms median over text")
    passed = figure < TARGET_MS
    print(
        report_line(
            "CPU time added by --format json (median of pair differences)",
            f"{figure:.1f} ms",
            f"< {TARGET_MS:.0f} ms",
            passed,
        )
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
