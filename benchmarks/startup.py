"""Launch to first painted frame of `tui-chat` under a pseudo-terminal, against `import textual.app`.

Run: .venv/bin/python benchmarks/startup.py [--runs 7]

Each launch runs in a fresh pseudo-terminal of 120x40 with every XDG folder in a temporary
home holding a config file (a returning user, so no first-run key setup); the first frame is the
moment the demo banner's text appears in the pty output. ctrl+q
then quits the app. The baseline is `python -c "import textual.app"` from spawn to exit. Byte
code goes to a temporary PYTHONPYCACHEPREFIX (filled by one unmeasured launch of each), so runs
are warm without writing into the project. Finally one instrumented launch (an import audit
hook, a wrapper on App._display and PYTHONPROFILEIMPORTTIME) lists what was imported before the
first frame and what it cost.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import isolated_env, median, report_line  # noqa: E402

ROWS, COLUMNS = 40, 120
MARKER = b"Demo model: offline and free"
TIMEOUT = 30.0
TARGET_MS = 200.0
MUST_NOT_PRECEDE_FIRST_FRAME = ("openai", "genai_prices", "tiktoken", "pydantic", "httpx")


def tui_chat_command() -> list[str]:
    """The installed console script next to this interpreter, else `python -m tui_chat`."""
    script = Path(sys.executable).with_name("tui-chat")
    return [str(script)] if script.exists() else [sys.executable, "-m", "tui_chat"]


def launch_to_first_frame(env: dict[str, str], command: list[str] | None = None) -> tuple[float, bytes]:
    """Seconds from spawn to the marker in the pty output (Textual draws on stderr), and that output."""
    command = command or tui_chat_command()
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal, keep stderr out of it, become tui-chat
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
            os.execve(command[0], command, env)
        finally:
            os._exit(127)
    output = bytearray()
    first_frame = float("nan")
    try:
        deadline = started + TIMEOUT
        while time.perf_counter() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
            if MARKER in output:
                first_frame = time.perf_counter() - started
                break
        os.write(fd, b"\x11")  # ctrl+q
        quit_by = time.perf_counter() + 10
        while time.perf_counter() < quit_by:
            finished, _ = os.waitpid(pid, os.WNOHANG)
            if finished:
                pid = 0
                break
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return first_frame, bytes(output)


def baseline(env: dict[str, str]) -> float:
    """Seconds for `python -c "import textual.app"` from spawn to exit."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import textual.app"], env=env, check=True)
    return time.perf_counter() - started


PROBE = """
import json, os, sys, threading, time
started = time.perf_counter()
seen = {}
def hook(event, args):
    if event == "import" and args[0] not in seen:
        seen[args[0]] = (time.perf_counter() - started, threading.current_thread().name)
sys.addaudithook(hook)
import textual.app
first = []
original = textual.app.App._display
def _display(self, screen, renderable):
    if renderable is not None and not first:
        first.append(time.perf_counter() - started)
    return original(self, screen, renderable)
textual.app.App._display = _display
sys.argv = ["tui-chat"]
from tui_chat.cli import main
try:
    code = main()
finally:
    with open(os.environ["TUI_CHAT_IMPORT_LOG"], "w") as log:
        json.dump({"first_frame": first[0] if first else None, "imports": seen}, log)
sys.exit(code)
"""


def import_times(text: str) -> dict[str, tuple[int, int]]:
    """Module -> (self, cumulative) microseconds from -X importtime output."""
    times: dict[str, tuple[int, int]] = {}
    for line in text.replace("\r", "").split("\n"):
        if "import time:" not in line:
            continue
        own, cumulative, name = line[line.index("import time:") :].removeprefix("import time:").split("|")
        if own.strip().isdigit():
            times[name.strip()] = (int(own), int(cumulative))
    return times


def imports_before_first_frame(
    env: dict[str, str], folder: Path
) -> tuple[float, list[tuple[str, float, int]], set[str]]:
    """One instrumented launch: what was imported before the first frame beyond `import textual.app`.

    Returns the first frame time (from interpreter start), per top-level package the summed own
    import time and module count of those extra modules, and the names of all modules imported.
    """
    log = folder / "imports.json"
    command = [sys.executable, "-c", PROBE]
    output = launch_to_first_frame({**env, "PYTHONPROFILEIMPORTTIME": "1", "TUI_CHAT_IMPORT_LOG": str(log)}, command)[1]
    record = json.loads(log.read_text())
    first = record["first_frame"] or float("inf")
    before = {name for name, (moment, _thread) in record["imports"].items() if moment < first}
    baseline_run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import textual.app"], env=env, capture_output=True, text=True
    )
    extra = before - set(import_times(baseline_run.stderr))
    times = import_times(output.decode(errors="replace"))
    packages: dict[str, tuple[float, int]] = {}
    for name in extra:
        if name in times:
            package = name.split(".")[0]
            millis, count = packages.get(package, (0.0, 0))
            packages[package] = (millis + times[name][0] / 1000, count + 1)
    ranked = sorted(((name, millis, count) for name, (millis, count) in packages.items()), key=lambda item: -item[1])
    return first, ranked, before


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="measured launches of each (default 7)")
    args = parser.parse_args(argv)
    print(f"startup: {' '.join(tui_chat_command())} in a {COLUMNS}x{ROWS} pty; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="tui-chat-startup-") as folder:
        home = Path(folder)
        env = isolated_env(home / "home")
        config = Path(env["XDG_CONFIG_HOME"]) / "tui-chat" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text('default_provider = "demo"\n')  # a returning user: no first-run key setup
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(
            PYTHONPYCACHEPREFIX=str(home / "pycache"), TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(ROWS)
        )
        launch_to_first_frame(env)
        baseline(env)
        app_times, base_times = [], []
        for index in range(args.runs):
            base_times.append(baseline(env))
            app_times.append(launch_to_first_frame(env)[0])
            print(
                f"  run {index + 1}: import textual.app {base_times[-1] * 1000:6.0f} ms   tui-chat first frame {app_times[-1] * 1000:6.0f} ms",
                flush=True,
            )
        seconds, ranked, modules = imports_before_first_frame(env, home)
    app_ms, base_ms = median(app_times) * 1000, median(base_times) * 1000
    over = app_ms - base_ms
    print()
    print(f"Results (median of {args.runs})")
    for name, value in (
        ("tui-chat launch -> first frame", app_ms),
        ('python -c "import textual.app" (baseline)', base_ms),
    ):
        print(f"        {name:<58} {value:>9.0f} ms")
    print(report_line("first frame minus baseline", f"{over:+.0f} ms", f"<= {TARGET_MS:.0f} ms", over <= TARGET_MS))
    early = sorted({name.split(".")[0] for name in modules} & set(MUST_NOT_PRECEDE_FIRST_FRAME))
    print(report_line("heavy modules imported before the first frame", ", ".join(early) or "none", "none", not early))
    print()
    total = sum(millis for _, millis, _ in ranked)
    print("Imported before the first frame beyond what `import textual.app` imports (one launch with an import")
    print(f"audit hook and -X importtime; first frame {seconds * 1000:.0f} ms after the interpreter started):")
    print(f"  {total:8.1f} ms  in total (own import time, importtime's overhead included)")
    for package, millis, count in ranked[:15]:
        print(f"  {millis:8.1f} ms  {package} ({count} modules)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
