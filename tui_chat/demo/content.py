"""Reply text and prompt accounting of the offline demo model."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from tui_chat.demo.corpus import markdown_corpus, split_tokens

LONG_REPLY_LIMIT = 200_000
LONG_COMMAND = re.compile(r"\s*/long\s+(\d+)(?:\s|$)")

DEMO_CODE_SAMPLE = '''```python
def greet(name: str) -> str:
    """Return a friendly greeting."""
    return f"Hello, {name}!"


print(greet("tui-chat"))
```'''


def count_prompt_tokens(messages: Iterable[Mapping[str, Any]]) -> int:
    """A deterministic prompt token count: pieces of every message plus 4 per message plus 3, plus images by the tile rule."""
    from tui_chat.demo.images import image_prompt_tokens

    messages = list(messages)
    total = 3 + image_prompt_tokens(messages)
    for message in messages:
        total += 4 + len(split_tokens(message_text(message)))
    return total


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a chat message whose content is a string or a list of content parts."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") for part in content if isinstance(part, dict) and isinstance(part.get("text"), str)
        )
    return ""


def last_user_text(messages: Iterable[Mapping[str, Any]]) -> str:
    """The text of the last user message, or an empty string when there is none."""
    prompt = ""
    for message in messages:
        if message.get("role") == "user":
            prompt = message_text(message)
    return prompt


def reply_for_prompt(prompt: str) -> str:
    """The demo model's reply: a long corpus for `/long N`, otherwise the fixed demo answer."""
    long_command = LONG_COMMAND.match(prompt)
    if long_command:
        return markdown_corpus(min(int(long_command.group(1)), LONG_REPLY_LIMIT))
    return demo_reply(prompt)


def demo_reply(prompt: str) -> str:
    """A deterministic Markdown answer that quotes the prompt and explains how to use a real model."""
    prompt_lines = prompt.replace("\r\n", "\n").split("\n")
    quoted_prompt = "\n".join(f"> {line}" for line in prompt_lines)
    word_count = len(prompt.split())
    return f"""## Offline demo reply

This answer comes from the **offline demo model** of tui-chat. Nothing was sent over the internet: \
the text is generated on your computer, so you can try the interface without an account.

You wrote:

{quoted_prompt}

To chat with a real model:

- run `tui-chat keys set openai` in a terminal and paste your API key,
- or open the setup screen and enter the key there,
- then choose a model with the model picker.

| Your message | Value |
| --- | --- |
| Characters | {len(prompt)} |
| Words | {word_count} |
| Lines | {len(prompt_lines)} |
| Tokens (approx.) | {len(split_tokens(prompt))} |

Here is a small code block to show syntax highlighting:

{DEMO_CODE_SAMPLE}

Send `/long 2000` to get a long reply for trying scrolling and streaming speed.
"""
