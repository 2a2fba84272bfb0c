"""Every hostile case through the SQLite store and both exports.

JSON is the exact format: every text reads back identical. Markdown is for reading and printing,
and "safely escaped" there means: each message's text is quoted below its own heading (every line
prefixed with ">"), so no text can start a section, end another's, or hide one; titles, models and
errors are single escaped lines; control characters appear as their visible stand-ins (␛, ␇,
<U+009B> ...), so printing the file sends no escape sequence; everything else is kept as it was.
"""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from markdown_it import MarkdownIt

from tests.hostile.corpus import ALL_PAYLOADS, CASES, Case, params
from tests.hostile.screen import leaked_payloads
from tui_chat.core.models import MessageStatus, Role
from tui_chat.core.text import show_controls
from tui_chat.services.conversation_export import to_json, to_markdown

RAW_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""Raw controls, bidi controls and lone surrogates: none may be in an export (JSON escapes them, Markdown shows them)."""


async def stored_export(make_services, case: Case):
    """A conversation titled, modelled and written with the case, read back from the database."""
    services = make_services()
    try:
        return await _store_and_export(await services.repository(), case)
    finally:
        await services.aclose()


async def _store_and_export(repository, case: Case):
    conversation = await repository.create_conversation(provider="demo", model=case.text, title=case.text)
    await repository.add_message(conversation.id, Role.USER, case.text)
    await repository.add_message(conversation.id, Role.ASSISTANT, case.text, model=case.text)
    await repository.add_message(conversation.id, Role.ASSISTANT, "", model=case.text, status=MessageStatus.FAILED)
    export = await repository.export_data(conversation.id)
    failed = dataclasses.replace(export.messages[-1], error=case.text)
    return dataclasses.replace(export, messages=[*export.messages[:-1], failed])


@pytest.mark.parametrize("case", params(CASES))
async def test_json_export_round_trips_exactly(make_services, case: Case) -> None:
    export = await stored_export(make_services, case)
    text = to_json(export)
    assert RAW_CONTROLS.search(text.replace("\n", "")) is None
    assert leaked_payloads(text, ALL_PAYLOADS) == []
    data = json.loads(text)
    assert data["conversation"]["title"] == case.text and data["conversation"]["model"] == case.text
    assert [message["content"] for message in data["messages"]] == [case.text, case.text, ""]
    assert [message["model"] for message in data["messages"][1:]] == [case.text, case.text]
    assert data["messages"][-1]["error"] == case.text


@pytest.mark.parametrize("case", params(CASES))
async def test_markdown_export_keeps_every_message_in_its_own_section(make_services, case: Case) -> None:
    export = await stored_export(make_services, case)
    markdown = to_markdown(export)
    markdown.encode("utf-8")
    assert RAW_CONTROLS.search(markdown.replace("\n", "").replace("\t", "")) is None
    assert leaked_payloads(markdown, ALL_PAYLOADS) == []
    tokens = MarkdownIt("gfm-like").parse(markdown)
    top = [token for token in tokens if token.level == 0 and token.type == "heading_open"]
    assert [token.tag for token in top] == ["h1", "h2", "h2", "h2"]
    lines = re.split(r"\r\n|\r|\n", case.text)
    quoted = "\n".join(f"> {show_controls(line)}" if line else ">" for line in lines)
    assert markdown.count(quoted + "\n") >= 2, "the prompt and the reply are quoted, line for line"
    for shown in case.shown:  # as on screen, except that a file breaks lines at CR
        if "\r" not in case.text:
            assert shown in markdown
