"""Reasoning effort on the wire, per provider style, and the message when a model refuses it."""

from __future__ import annotations

import pytest

from tests.integration.test_chat_session import Recorder
from tests.loopback import Script


def write_providers(app_paths, loopback) -> None:
    app_paths.config_dir.mkdir(parents=True, exist_ok=True)
    app_paths.config_file.write_text(
        f'[providers.router]\nbase_url = "{loopback.base_url}"\nneeds_key = false\nreasoning_style = "openrouter"\n'
        f'[providers.plain]\nbase_url = "{loopback.base_url}"\nneeds_key = false\n'
        f'[providers.never]\nbase_url = "{loopback.base_url}"\nneeds_key = false\nreasoning_style = "none"\n'
    )


async def sent_with(make_services, loopback, provider: str, effort: str | None) -> dict:
    services = make_services(provider=provider, model="demo")
    conversations = await services.conversations()
    conversation = await conversations.create(provider=provider, model="demo")
    conversation = await conversations.set_reasoning_effort(conversation.id, effort)
    assert conversation is not None and conversation.reasoning_effort == effort
    session = await services.session()
    finished = await session.send(conversation, "Think hard", Recorder())
    assert finished.error is None
    await services.aclose()
    return [r for r in loopback.requests if r.path.endswith("/chat/completions")][-1].json


@pytest.mark.parametrize(
    ("provider", "effort", "expected"),
    [
        ("plain", "high", {"reasoning_effort": "high"}),
        ("plain", "off", {"reasoning_effort": "none"}),
        ("router", "low", {"reasoning": {"effort": "low"}}),
        ("router", "off", {"reasoning": {"enabled": False}}),
        ("plain", None, {}),
        ("never", "high", {}),
    ],
)
async def test_effort_is_sent_in_the_providers_style(
    make_services, loopback, app_paths, provider, effort, expected
) -> None:
    write_providers(app_paths, loopback)
    body = await sent_with(make_services, loopback, provider, effort)
    sent = {key: body[key] for key in ("reasoning_effort", "reasoning") if key in body}
    assert sent == expected


async def refused(make_services, loopback, app_paths, error: dict):
    """What sending with effort "high" to the plain provider ends with, when the server answers 400 with `error`."""
    write_providers(app_paths, loopback)
    services = make_services(provider="plain", model="demo")
    conversations = await services.conversations()
    conversation = await conversations.create(provider="plain", model="demo")
    conversation = await conversations.set_reasoning_effort(conversation.id, "high")
    loopback.enqueue(Script(status=400, body={"error": error}))
    finished = await (await services.session()).send(conversation, "Think", Recorder())
    await services.aclose()
    return finished


async def test_a_400_about_the_effort_names_the_setting(make_services, loopback, app_paths) -> None:
    message = "Unsupported parameter: 'reasoning_effort' is not supported with this model."
    finished = await refused(make_services, loopback, app_paths, {"message": message, "param": "reasoning_effort"})
    assert finished.error is not None
    assert "Reasoning effort" in finished.error.hint and "F2" in finished.error.hint
    assert "reasoning_effort" in str(finished.error)


async def test_a_400_about_something_else_keeps_its_own_hint(make_services, loopback, app_paths) -> None:
    finished = await refused(make_services, loopback, app_paths, {"message": "Invalid 'messages'."})
    assert finished.error is not None and "Reasoning effort" not in finished.error.hint
