"""A reply's thinking in `export --with-thinking` (and not without it) and in full-text search."""

from __future__ import annotations

import argparse
import io
import json

from tests.integration.test_chat_session import Recorder
from tests.loopback import Script
from tui_chat.cli.conversations import run_export, run_search
from tui_chat.core.redaction import remember_secret

KEY = "sk-proj-" + "Z9" * 24
THOUGHT = f"Consider the zebrafish option carefully.\n## Not a heading\nThe key {KEY} must not leak."


async def thinking_conversation(make_services, loopback) -> int:
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    loopback.enqueue(Script(text="Pick the trout.", reasoning=THOUGHT))
    await (await services.session()).send(conversation, "Which fish?", Recorder())
    await services.aclose()
    return conversation.id


async def export(make_services, conversation_id: int, form: str, with_thinking: bool) -> str:
    out = io.StringIO()
    args = argparse.Namespace(conversation_id=conversation_id, format=form, output=None, with_thinking=with_thinking)
    assert await run_export(make_services(), args, out) == 0
    return out.getvalue()


async def test_export_leaves_thinking_out_unless_asked(make_services, loopback) -> None:
    remember_secret(KEY)
    conversation_id = await thinking_conversation(make_services, loopback)
    plain = json.loads(await export(make_services, conversation_id, "json", False))
    assert all("thinking" not in message for message in plain["messages"])
    assert "zebrafish" not in json.dumps(plain)
    assert plain["messages"][1]["usage"][0]["answer_ms"] is not None

    full = json.loads(await export(make_services, conversation_id, "json", True))
    reply = full["messages"][1]
    assert reply["thinking"].startswith("Consider the zebrafish") and reply["content"] == "Pick the trout."
    assert KEY not in reply["thinking"] and full["messages"][0]["thinking"] == ""

    markdown = await export(make_services, conversation_id, "md", True)
    assert "*Thinking:*\n\n> Consider the zebrafish option carefully.\n> ## Not a heading" in markdown
    assert "*Answer:*\n\n> Pick the trout." in markdown and KEY not in markdown
    assert "zebrafish" not in await export(make_services, conversation_id, "md", False)


async def test_search_finds_words_of_the_thinking(make_services, loopback) -> None:
    conversation_id = await thinking_conversation(make_services, loopback)
    out = io.StringIO()
    assert await run_search(make_services(), argparse.Namespace(text="zebrafish", format="json", limit=5), out) == 0
    [hit] = json.loads(out.getvalue())
    assert hit["conversation_id"] == conversation_id and "zebrafish" in hit["excerpt"]
    out = io.StringIO()
    assert await run_search(make_services(), argparse.Namespace(text="trout", format="json", limit=5), out) == 0
    [hit] = json.loads(out.getvalue())
    assert "trout" in hit["excerpt"]
