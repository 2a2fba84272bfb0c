"""The strongest check: the real app on a pseudo-terminal, and the raw bytes it writes.

Stored messages, conversation titles, the model name, a streamed reply and a server error all carry
every hostile case; none of their escape sequences, C1 controls or bidi controls may reach the
terminal, while their visible stand-ins (␛ ...) must, so the check cannot pass by showing nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.corpus import ALL_PAYLOADS, CONTROLS, ESCAPES, MARKUP, SMALL_CASES, UNICODE
from tests.hostile.screen import leaked_payloads
from tests.hostile.terminal import RecordedTerminal
from tests.loopback import LoopbackServer, Script
from tui_chat.core.models import Role

HOSTILE_MODEL = "evil-model invoice_\u202eexe.pdf " + "".join(case.text for case in ESCAPES + CONTROLS)
EVERYTHING = "\n\n".join(case.text for case in MARKUP + ESCAPES + CONTROLS + UNICODE)
RAW_UNSAFE = re.compile("[\u0080-\u009f\u202a-\u202e\u2066-\u2069]")
"""C1 controls and bidi controls as UTF-8 bytes; Textual itself writes none of them."""


@pytest.fixture
def hostile_endpoint() -> Iterator[LoopbackServer]:
    server = LoopbackServer(tokens_per_second={HOSTILE_MODEL: None})
    server.start()
    yield server
    server.stop()


async def seed(make_services, server: LoopbackServer, config_dir: Path) -> None:
    """A provider pointing at the server, a conversation per case (titled with it), then one holding them all."""
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text(
        f'[providers.hostile]\nbase_url = "{server.base_url}"\nneeds_key = false\nlocal = true\n'
        f"default_model = {json.dumps(HOSTILE_MODEL)}\n[retry]\nattempts = 1\n"
    )
    services = make_services()
    try:
        repository = await services.repository()
        for case in SMALL_CASES:
            await repository.create_conversation(provider="hostile", model=HOSTILE_MODEL, title=case.text)
        conversation = await repository.create_conversation(provider="hostile", model=HOSTILE_MODEL, title=EVERYTHING)
        await repository.add_message(conversation.id, Role.USER, EVERYTHING + "\nEND-OF-PROMPT")
        await repository.add_message(
            conversation.id, Role.ASSISTANT, EVERYTHING + "\nEND-OF-STORED", model=HOSTILE_MODEL
        )
    finally:
        await services.aclose()


async def test_no_hostile_escape_reaches_the_terminal(
    isolated_environment: Path, app_paths, make_services, hostile_endpoint
) -> None:
    await seed(make_services, hostile_endpoint, app_paths.config_dir)
    hostile_endpoint.enqueue(Script(text=EVERYTHING + "\n\nEND-OF-REPLY"))
    hostile_endpoint.enqueue(Script(status=400, body={"error": {"message": "ERROR-FROM-SERVER " + EVERYTHING}}))
    with RecordedTerminal(isolated_environment, "--provider", "hostile") as terminal:
        terminal.wait_for(lambda out: b"END-OF-STORED" in out, "the stored conversation")
        terminal.type("hello\r")
        terminal.wait_for(lambda out: b"END-OF-REPLY" in out, "the streamed reply")
        terminal.wait_for(lambda out: b"(reported)" in out, "the reply's usage, once it is stored")
        terminal.type("again\r")
        terminal.wait_for(
            lambda out: b"ERROR-FROM-SERVER" in out and b"Check the model and the" in out, "the error toast"
        )
        terminal.type("\x0f")  # ctrl+o: make sure the conversation list is drawn
        terminal.wait_for(lambda out: out.count(b"evil-model") >= 3, "the model name")
        terminal.type("\x02")  # ctrl+b: hide and show the sidebar, redrawing everything once more
        terminal.type("\x02")
        output = terminal.bytes()
        assert terminal.running, "the app must still be running"
    assert leaked_payloads(output, ALL_PAYLOADS) == []
    assert RAW_UNSAFE.findall(output.decode("utf-8", "replace")) == []
    for visible in ("␛]52;c;", "␛]0;EVIL TITLE␇", "<U+009B>31m", "[@click=app.quit]", "<U+202E>"):
        assert visible.encode() in output, f"{visible!r} should be shown"
