"""Full garbage-collection pauses in the real `tui-chat` while long replies stream, with and without
the freeze after warm-up.

Run: .venv/bin/python benchmarks/gc_pauses.py [--runs 2]

Each run starts the app on a 120x40 pseudo-terminal (a returning user, the demo-fast model), waits
for the SDK, prices and tokenizer to load, sends `/long 3000` three times and quits. A gc callback in
the child times every full (generation 2) collection. The baseline is the same app with only the
start-up freeze (gc.freeze as the app is built), as before the freeze after warm-up was added. No
issue sets a target here; the figure is the longest full collection after warm-up, since a pause
that long stops the stream from painting.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import isolated_env, median  # noqa: E402

CHILD = """
import gc, json, os, sys, time
pauses, started, state = [], {}, {"warm": None}
def timed(phase, info):
    if phase == "start":
        started[info["generation"]] = time.perf_counter()
    elif info["generation"] == 2:
        pauses.append((time.perf_counter(), 1000 * (time.perf_counter() - started[2])))
gc.callbacks.append(timed)
import tui_chat.services.warmup as warmup
original_warm_up = warmup.warm_up
def warm_up(*args, **kwargs):
    result = original_warm_up(*args, **kwargs)
    state["warm"] = time.perf_counter()
    return result
warmup.warm_up = warm_up
if os.environ.get("ONLY_START_UP_FREEZE"):
    original_freeze, calls = gc.freeze, []
    def first_freeze_only():
        calls.append(1)
        if len(calls) == 1:
            original_freeze()
    gc.freeze = first_freeze_only
sys.argv = ["tui-chat", "--model", "demo-fast"]
from tui_chat.cli import main
try:
    main()
finally:
    after = [ms for moment, ms in pauses if state["warm"] is not None and moment > state["warm"]]
    with open(os.environ["GC_REPORT"], "w") as report:
        json.dump({"after_warm_up": after, "all": [ms for _, ms in pauses]}, report)
"""


def run_app(env: dict[str, str], report: Path) -> dict:
    """One launch: wait for the chat, send three long prompts, quit; the child's report of its pauses."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**env, "GC_REPORT": str(report)},
        start_new_session=True,
    )
    os.close(slave)
    output = bytearray()

    def drain(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    output.extend(os.read(master, 65536))
                except OSError:
                    return

    try:
        drain(4.0)  # first frame, database, and the warm-up imports
        for _ in range(3):
            os.write(master, b"/long 3000\r")
            drain(6.0)
        os.write(master, b"\x11")  # ctrl+q
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        os.close(master)
    return json.loads(report.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="launches of each variant (default 2)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tui-chat-gc-") as folder:
        home = Path(folder)
        env = isolated_env(home / "home")
        config = Path(env["XDG_CONFIG_HOME"]) / "tui-chat" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text('default_provider = "demo"\n')
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(PYTHONPYCACHEPREFIX=str(home / "pycache"), TERM="xterm-256color")
        worst: dict[str, list[float]] = {"baseline": [], "tui-chat": []}
        for index in range(args.runs):
            for name in worst:
                variant = {**env, "ONLY_START_UP_FREEZE": "1"} if name == "baseline" else env
                result = run_app(variant, home / f"{name}-{index}.json")
                late = result["after_warm_up"]
                worst[name].append(max(late) if late else 0.0)
                shown = ", ".join(f"{ms:.0f}" for ms in result["all"])
                print(
                    f"  run {index + 1} {name:<9} full collections (ms): {shown or 'none'}; after warm-up: "
                    f"{len(late)}, longest {worst[name][-1]:.0f} ms",
                    flush=True,
                )
    ours, base = median(worst["tui-chat"]), median(worst["baseline"])
    print()
    print(f"Results (median of {args.runs})")
    print(f"        longest full collection after warm-up, start-up freeze only (baseline) {base:7.0f} ms")
    print(f"        longest full collection after warm-up, tui-chat                        {ours:7.0f} ms")
    print(
        f"        ratio                                                                  {ours / base if base else 0:7.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
