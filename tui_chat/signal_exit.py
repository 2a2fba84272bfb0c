"""SIGTERM and SIGHUP end `ask` and the TUI the way Ctrl-C and Esc do: what arrived is saved and marked first."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

WORKERS_GRACE_SECONDS = 10.0
"""How long the TUI waits for cancelled workers to store their replies before it exits anyway."""


def exit_signals() -> list[signal.Signals]:
    """The signals that ask for a clean exit on this platform (SIGHUP: the terminal was closed)."""
    return [sig for sig in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)) if sig is not None]


@contextlib.contextmanager
def _handling(on_signal: Callable[[int], None]):
    """Route the exit signals to `on_signal` on the running loop for the duration of the block."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in exit_signals():
        try:
            loop.add_signal_handler(sig, on_signal, int(sig))
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def run_until_signalled(work: Awaitable[int]) -> int:
    """Await `work`; an exit signal cancels it, so its own cleanup runs, and the status is 128 + the signal."""
    task = asyncio.current_task()
    assert task is not None
    received: list[int] = []

    def on_signal(signum: int) -> None:
        if not received:
            received.append(signum)
            task.cancel()

    with _handling(on_signal):
        try:
            status = await work
        except asyncio.CancelledError:
            if not received:
                raise
            task.uncancel()
    return 128 + received[0] if received else status


async def run_app_until_signalled(app: App[Any]) -> None:
    """Run a Textual app; an exit signal cancels its workers, waits for them to store what they hold, then exits."""
    closing: list[asyncio.Task[None]] = []

    def on_signal(signum: int) -> None:
        if not closing:
            closing.append(asyncio.create_task(_close(app, signum)))

    with _handling(on_signal):
        await app.run_async()


async def _close(app: App[Any], signum: int) -> None:
    """Cancel every worker (a streaming reply is then saved as cancelled), wait for them, and exit."""
    workers = [worker for worker in app.workers if not worker.is_finished]
    for worker in workers:
        worker.cancel()

    async def finished(worker) -> None:
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await worker.wait()

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(finished(worker) for worker in workers)), WORKERS_GRACE_SECONDS)
    app.exit(return_code=128 + signum)
