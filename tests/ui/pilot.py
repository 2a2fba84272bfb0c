"""Helpers for driving the real app with Pilot."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.worker import WorkerCancelled

from tests.loopback import Script
from tui_chat.screens.chat import ChatScreen
from tui_chat.widgets.prompt_input import PromptInput


async def settle_workers(screen) -> None:
    """Wait for the screen's workers; an exclusive worker replaced by a newer one is waited past."""
    for _ in range(20):
        try:
            await screen.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue
    raise AssertionError("workers kept being replaced")


async def prompt_ready(pilot: Pilot) -> PromptInput:
    """The chat's prompt box, once the chat screen has composed (a snapshot's run_before may start sooner)."""
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(PromptInput)))
    return pilot.app.screen.query_one(PromptInput)


async def wait_for_estimates(pilot: Pilot) -> None:
    """Wait until the tokenizer and prices are loaded and the sidebar shows estimates."""
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen)
    await wait_until(
        pilot, lambda: screen.estimates.estimator is not None and screen.estimates.estimator.ready, timeout=30
    )
    await settle_workers(screen)
    await pilot.pause()


async def send(pilot: Pilot, text: str) -> None:
    """Type `text` into the prompt box the way a person would, then press Enter."""
    await wait_for_estimates(pilot)
    prompt = pilot.app.screen.query_one(PromptInput)
    prompt.focus()
    prompt.load_text(text)
    await pilot.press("end", "enter")
    await pilot.pause()


async def wait_for_reply(pilot: Pilot, timeout: float = 20.0) -> None:
    """Wait until the reply worker is done and its outcome has been handled."""
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen)
    await pilot.pause()
    await settle_workers(screen)
    for _ in range(int(timeout / 0.05)):
        if not screen.streaming:
            break
        await pilot.pause(0.05)
    await pilot.pause()
    assert not screen.streaming


async def wait_until(pilot: Pilot, condition, timeout: float = 10.0) -> None:
    """Pause until `condition()` is true."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not met in time")


async def chat(pilot: Pilot, text: str, reply: str, loopback) -> None:
    """Send `text` and wait until the loopback server's scripted `reply` is in and handled."""
    loopback.enqueue(Script(text=reply))
    await send(pilot, text)
    await wait_for_reply(pilot)


async def modal(pilot: Pilot, kind):
    """Wait until a screen of type `kind` is on top, and return it."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await pilot.pause()
    return pilot.app.screen
