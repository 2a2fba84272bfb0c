"""Screenshot of the chips above the prompt (pytest-textual-snapshot)."""

from __future__ import annotations

from tests.attachment_samples import write_image
from tests.ui.pilot import prompt_ready, settle_workers, wait_for_estimates, wait_until
from tui_chat.app import ChatApp


def test_chips_above_the_prompt_with_tokens_and_cost(snap_compare, make_services, tmp_path) -> None:
    """You should see two chips above the prompt box: "diagram.png · … 1600×900 · 1,105 tok · $0.00 ✕"
    and "notes.md · 27 B · ≈… tok · $0.00 ✕", the prompt "What do these show?", and the sidebar's next
    request including their tokens."""
    image = write_image(tmp_path / "diagram.png", 1600, 900)
    notes = tmp_path / "notes.md"
    notes.write_text("# Notes\nThe walrus counts.\n")

    async def run_before(pilot) -> None:
        prompt = await prompt_ready(pilot)
        prompt.cursor_blink = False
        await wait_for_estimates(pilot)
        screen = pilot.app.screen
        await screen.attach.add(image)
        await screen.attach.add(notes)
        await wait_until(pilot, lambda: len(screen.attach.ready()) == 2)
        prompt.load_text("What do these show?")
        await settle_workers(screen)
        await pilot.pause()

    assert snap_compare(ChatApp(make_services()), terminal_size=(110, 30), run_before=run_before)
