"""The tool loop against the loopback server: what the app sends back, what it stores, and a usage row per round."""

from __future__ import annotations

import json

from tests.loopback import Script
from tests.tools.helpers import Approver, Recorder, call, chat_requests, make_files, round_numbers, write_tool_config
from tui_chat.core.models import MessageStatus, Role
from tui_chat.services.conversation_export import export_dict, to_markdown
from tui_chat.services.events import ReplyFinished
from tui_chat.services.tools.events import ToolCallEnded, ToolCallStarted
from tui_chat.services.tools.loop import DENIED, ToolLimitReached

ALL = ["current_time", "read_file", "list_directory"]


async def start(make_services, app_paths, tmp_path, **tools):
    root = make_files(tmp_path / "files")
    write_tool_config(app_paths, {"enabled": ALL, "root": str(root), **tools})
    services = make_services()
    repository = await services.repository()
    conversation = await repository.create_conversation(provider="demo", model="demo")
    session = await services.session()
    return services, repository, conversation, session


async def test_single_call_is_run_sent_back_stored_and_replayed(make_services, app_paths, tmp_path, loopback) -> None:
    services, repository, conversation, session = await start(
        make_services, app_paths, tmp_path, always_allow=["read_file"]
    )
    loopback.enqueue(Script(tool_calls=[call("call_1", "read_file", {"path": "notes.txt"})], argument_chunk=3))
    loopback.enqueue(Script(text="The file says alpha."))
    recorder = Recorder()
    finished = await session.send(conversation, "What is in notes.txt?", recorder)

    first, second = chat_requests(loopback)
    assert sorted(tool["function"]["name"] for tool in first["tools"]) == sorted(ALL)
    assert second["messages"][1:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "read_file", "arguments": '{"path": "notes.txt"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": "alpha\nbeta\n"},
    ]
    [ended] = recorder.of(ToolCallEnded)
    assert (ended.call.status, ended.call.source) == ("ok", "built-in")
    assert ended.call.duration_ms is not None
    reply = finished.reply
    assert reply.content == "The file says alpha." and reply.status is MessageStatus.COMPLETE
    assert json.loads(reply.tool_rounds)[0]["calls"][0]["result"] == "alpha\nbeta\n"
    rows = await repository.usage_rows(conversation.id)
    assert [row.message_id for row in rows] == [reply.id, reply.id]
    assert await round_numbers(repository, reply.id) == [1, 2]
    assert rows[0].usage.input_tokens > 0 and rows[1].usage.input_tokens > rows[0].usage.input_tokens
    assert finished.rounds == 2
    assert finished.total.usage.input_tokens == rows[0].usage.input_tokens + rows[1].usage.input_tokens

    loopback.clear_log()
    await session.send(conversation, "Thanks", Recorder())
    [third] = chat_requests(loopback)
    assert [m["role"] for m in third["messages"]] == ["user", "assistant", "tool", "assistant", "user"]
    assert third["messages"][3] == {"role": "assistant", "content": "The file says alpha."}
    stored = await repository.messages(conversation.id)
    assert [m.role for m in stored] == [Role.USER, Role.ASSISTANT, Role.USER, Role.ASSISTANT]
    export = await repository.export_data(conversation.id)
    [exported] = export_dict(export)["messages"][1]["tool_calls"]
    assert (exported["round"], exported["name"], exported["result"]) == (1, "read_file", "alpha\nbeta\n")
    assert '- Tool `read_file` ({"path": "notes.txt"}): ok' in to_markdown(export)
    await services.aclose()


async def test_parallel_calls_each_get_their_result(make_services, app_paths, tmp_path, loopback) -> None:
    services, repository, conversation, session = await start(make_services, app_paths, tmp_path)
    session.tools.approver = approver = Approver("once", "once")
    loopback.enqueue(
        Script(
            tool_calls=[call("a", "list_directory", {}), call("b", "current_time", {"timezone": "Europe/Paris"})],
            argument_chunk=2,
        )
    )
    loopback.enqueue(Script(text="Done."))
    recorder = Recorder()
    await session.send(conversation, "Look around", recorder)

    assert [name for name, _ in approver.asked] == ["list_directory", "current_time"]
    tool_messages = [m for m in chat_requests(loopback)[1]["messages"] if m["role"] == "tool"]
    assert [m["tool_call_id"] for m in tool_messages] == ["a", "b"]
    assert tool_messages[0]["content"] == "notes.txt\nsub/"
    assert tool_messages[1]["content"].endswith(("+01:00", "+02:00"))
    assert [event.call.id for event in recorder.of(ToolCallStarted)] == ["a", "b", "a", "b"]
    await services.aclose()


async def test_unknown_tool_and_malformed_arguments_go_back_as_errors(
    make_services, app_paths, tmp_path, loopback
) -> None:
    services, repository, conversation, session = await start(make_services, app_paths, tmp_path)
    session.tools.approver = approver = Approver()
    loopback.enqueue(Script(tool_calls=[call("u", "launch_rockets", {}), call("m", "read_file", '{"path": "notes')]))
    loopback.enqueue(Script(text="Sorry."))
    finished = await session.send(conversation, "Go", Recorder())

    assert approver.asked == []
    unknown, malformed = [m for m in chat_requests(loopback)[1]["messages"] if m["role"] == "tool"]
    assert unknown["content"].startswith("Error: there is no tool named 'launch_rockets'")
    assert "current_time" in unknown["content"]
    assert malformed["content"].startswith("Error: the arguments are not valid JSON")
    assert finished.reply.status is MessageStatus.COMPLETE
    await services.aclose()


async def test_denied_and_always_allowed_calls(make_services, app_paths, tmp_path, loopback) -> None:
    services, repository, conversation, session = await start(make_services, app_paths, tmp_path)
    session.tools.approver = approver = Approver("deny", "always")
    loopback.enqueue(Script(tool_calls=[call("d", "read_file", {"path": "notes.txt"})]))
    loopback.enqueue(Script(tool_calls=[call("e", "current_time", {})]))
    loopback.enqueue(Script(tool_calls=[call("f", "current_time", {})]))
    loopback.enqueue(Script(text="Fine."))
    await session.send(conversation, "Go", Recorder())

    last = chat_requests(loopback)[-1]["messages"]
    results = {m["tool_call_id"]: m["content"] for m in last if m["role"] == "tool"}
    assert results["d"] == DENIED
    assert results["e"] == results["f"] or results["f"].startswith("20")
    assert [name for name, _ in approver.asked] == ["read_file", "current_time"]
    switches = await repository.tool_switches(conversation.id)
    assert switches["current_time"].always_allow is True
    await services.aclose()


async def test_a_path_outside_the_root_is_refused(make_services, app_paths, tmp_path, loopback) -> None:
    services, repository, conversation, session = await start(
        make_services, app_paths, tmp_path, always_allow=["read_file"]
    )
    loopback.enqueue(Script(tool_calls=[call("x", "read_file", {"path": "../secret.txt"})]))
    loopback.enqueue(Script(text="Ok."))
    await session.send(conversation, "Read the secret", Recorder())
    [result] = [m for m in chat_requests(loopback)[1]["messages"] if m["role"] == "tool"]
    assert "outside the directory" in result["content"] and "do not read" not in result["content"]
    await services.aclose()


async def test_more_rounds_than_allowed_stops_and_keeps_everything(
    make_services, app_paths, tmp_path, loopback
) -> None:
    services, repository, conversation, session = await start(
        make_services, app_paths, tmp_path, always_allow=["current_time"], max_rounds=2
    )
    for index in range(2):
        loopback.enqueue(Script(tool_calls=[call(f"c{index}", "current_time", {})]))
    recorder = Recorder()
    finished = await session.send(conversation, "Loop forever", recorder)

    assert len(chat_requests(loopback)) == 2
    assert isinstance(finished.error, ToolLimitReached)
    assert "2 rounds" in finished.error.detail
    reply = finished.reply
    assert reply.status is MessageStatus.PARTIAL and "Tool loop stopped" in reply.error
    rounds = json.loads(reply.tool_rounds)
    assert [c["status"] for r in rounds for c in r["calls"]] == ["ok", "cancelled"]
    assert await round_numbers(repository, reply.id) == [1, 2]
    assert len(recorder.of(ReplyFinished)) == 1
    loopback.clear_log()
    loopback.enqueue(Script(text="Going on."))
    continued = await session.continue_reply(conversation, Recorder())
    [next_request] = chat_requests(loopback)
    assert [m["role"] for m in next_request["messages"]] == ["user", "assistant", "tool", "assistant", "tool", "user"]
    assert continued.reply.content == "Going on." and continued.reply.status is MessageStatus.COMPLETE
    await services.aclose()


async def test_cost_cap_stops_the_loop(make_services, app_paths, tmp_path, loopback) -> None:
    services, repository, conversation, session = await start(
        make_services, app_paths, tmp_path, always_allow=["current_time"], max_cost_per_reply="0.000001"
    )
    with app_paths.config_file.open("a", encoding="utf-8") as config:
        config.write('[prices.demo]\ninput = "1000"\noutput = "1000"\n')
    await services.aclose()
    services = make_services()
    session = await services.session()
    loopback.enqueue(Script(tool_calls=[call("c", "current_time", {})]))
    finished = await session.send(conversation, "Spend", Recorder())

    assert len(chat_requests(loopback)) == 1
    assert isinstance(finished.error, ToolLimitReached) and "cap of $0.000001" in finished.error.detail
    [row] = await (await services.repository()).usage_rows(conversation.id)
    assert row.cost > 0
    await services.aclose()


async def test_a_reasoning_models_thinking_in_a_tool_loop_is_shown_stored_and_never_resent(
    make_services, app_paths, tmp_path, loopback
) -> None:
    from tui_chat.services.events import ReasoningDelta

    services, repository, conversation, session = await start(
        make_services, app_paths, tmp_path, always_allow=["current_time"]
    )
    loopback.enqueue(Script(reasoning="The clock will know.", tool_calls=[call("call_1", "current_time", {})]))
    loopback.enqueue(Script(reasoning=" Now I can answer.", text="It is noon."))
    recorder = Recorder()
    finished = await session.send(conversation, "What time is it?", recorder)

    shown = "".join(event.text for event in recorder.of(ReasoningDelta))
    assert shown == "The clock will know. Now I can answer."
    reply = finished.reply
    assert (reply.content, reply.thinking) == ("It is noon.", shown)
    [stored] = [m for m in await repository.messages(conversation.id) if m.id == reply.id]
    assert stored.thinking == shown
    loopback.clear_log()
    loopback.enqueue(Script(text="You are welcome."))
    await session.send(conversation, "Thanks", Recorder())
    [request] = chat_requests(loopback)
    assert "clock will know" not in json.dumps(request["messages"])
    await services.aclose()
