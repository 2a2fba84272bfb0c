"""`tui-chat last` and `tui-chat show`: stored replies in the terminal, Markdown rendered there, plain text in a pipe.

Model text is made safe first (`core/text.py`), then handed to rich as Markdown: rich never reads it as
markup, and no escape sequence of the model's reaches the terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output
from tui_chat.core.errors import TuiChatError
from tui_chat.core.models import Message, MessageStatus, Role
from tui_chat.core.text import one_line, show_controls, strip_control

if TYPE_CHECKING:
    from tui_chat.core.models import Conversation
    from tui_chat.services.container import AppServices
    from tui_chat.services.conversations import ConversationService


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of what is printed: a heading line (may be empty) and a Markdown body."""

    heading: str
    body: str


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `last` and `show` on the main parser's subcommands."""
    last = commands.add_parser(
        "last",
        help="print the last reply",
        description="Print the last reply of the most recently active conversation (or of --conversation ID).",
    )
    last.add_argument("--conversation", type=int, metavar="ID", help="the last reply of this conversation")
    show = commands.add_parser(
        "show",
        help="print a whole conversation",
        description="Print a conversation: Markdown rendered on a terminal, plain text when piped.",
    )
    show.add_argument("conversation_id", type=int, metavar="ID", help="the conversation's id (see `tui-chat list`)")


def render(blocks: Sequence[Block], out: TextIO) -> None:
    """Print the blocks: with rich (headings bold, bodies as Markdown) on a terminal, else as plain text."""
    if not out.isatty():
        for index, block in enumerate(blocks):
            lines = [one_line(block.heading)] if block.heading else []
            body = strip_control(block.body).rstrip("\n")
            text = "\n".join([*lines, body] if body else lines)
            out.write(("\n" if index else "") + text + "\n")
        return
    from rich.console import Console
    from rich.markdown import Markdown
    from rich.text import Text

    console = Console(file=out, highlight=False, emoji=False, markup=False)
    for index, block in enumerate(blocks):
        if index:
            console.print()
        if block.heading:
            console.print(Text(one_line(block.heading.lstrip("# ")), style="bold"))
        if block.body.strip():
            console.print(Markdown(show_controls(block.body)))


def message_block(message: Message) -> Block:
    """A message under a heading: who wrote it, when, and how it ended when not complete."""
    who = "You" if message.role is Role.USER else (message.model or message.role.value)
    parts = [who, message.created_at.astimezone().strftime("%Y-%m-%d %H:%M")]
    if message.status is not MessageStatus.COMPLETE:
        parts.append(message.status.value)
    body = message.content
    if message.error:
        body = f"{body}\n\n(error: {one_line(message.error)})" if body else f"(error: {one_line(message.error)})"
    return Block(f"## {' · '.join(parts)}", body)


async def conversation_blocks(conversations: ConversationService, conversation: Conversation) -> list[Block]:
    """The whole conversation: a title block with its model and cost, the system prompt, each message."""
    from tui_chat.core.pricing import format_money

    messages = await conversations.messages(conversation.id)
    spent = (await conversations.spending(conversation.id)).conversation
    cost = "" if spent is None else f" · {format_money(spent.cost)}{'+' if spent.unpriced_requests else ''}"
    details = (
        f"conversation {conversation.id} · {conversation.provider} / {conversation.model} · "
        f"{len(messages)} messages{cost}"
    )
    blocks = [Block(f"# {one_line(conversation.title) or '(untitled)'}", details)]
    if conversation.system_prompt:
        blocks.append(Block("## System prompt", conversation.system_prompt))
    return blocks + [message_block(message) for message in messages]


async def run_last(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the last reply of a conversation; a reply that did not complete says so on stderr."""
    out = out or sys.stdout
    conversation_id: int | None = getattr(args, "conversation", None)
    try:
        conversations = await services.conversations()
        if conversation_id is None:
            latest = await conversations.latest()
            if latest is None:
                return output.fail("no conversation yet; `tui-chat ask` starts one.")
            conversation_id = latest.id
        elif await conversations.get(conversation_id) is None:
            return output.fail(f"no conversation with id {conversation_id}.", output.USAGE)
        reply = await conversations.last_message(conversation_id, Role.ASSISTANT)
    except TuiChatError as exc:
        return output.fail(exc)
    finally:
        await services.aclose()
    if reply is None:
        return output.fail(f"conversation {conversation_id} has no reply yet.")
    if reply.status is not MessageStatus.COMPLETE:
        output.warn(f"this reply is {reply.status.value}" + (f": {reply.error}" if reply.error else "."))
    render([Block("", reply.content)], out)
    return output.OK


async def run_show(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print a whole conversation."""
    out = out or sys.stdout
    try:
        conversations = await services.conversations()
        conversation = await conversations.get(args.conversation_id)
        blocks = None if conversation is None else await conversation_blocks(conversations, conversation)
    except TuiChatError as exc:
        return output.fail(exc)
    finally:
        await services.aclose()
    if blocks is None:
        return output.fail(f"no conversation with id {args.conversation_id}.", output.USAGE)
    render(blocks, out)
    return output.OK
