"""Themes in the running app: every built-in renders the chat, and a switch is remembered."""

from __future__ import annotations

import tomllib

import pytest
from msgspec.structs import replace

from tests.loopback import Script
from tests.ui.pilot import prompt_ready, send, wait_for_reply, wait_until
from tui_chat.app import ChatApp
from tui_chat.theming import load_themes

BUILT_IN = [theme.name for theme in load_themes(None)[0]]
REPLY = """## Results

| model | tokens | cost |
| --- | ---: | ---: |
| gpt-4o | 1,234 | $0.0123 |
| demo | 56 | $0.00 |

```python
def total(costs: list[float]) -> float:
    return sum(costs)  # "exact" in the app: Decimal
```
"""


@pytest.mark.parametrize("theme", BUILT_IN)
def test_chat_screen_in_every_built_in_theme(snap_compare, make_services, loopback, theme: str) -> None:
    """You should see a finished reply holding a table and a highlighted Python block, the prompt
    box and the sidebar, all in the named built-in theme, with readable text everywhere."""
    services = make_services()
    services.settings = replace(services.settings, theme=theme)

    async def run_before(pilot) -> None:
        (await prompt_ready(pilot)).cursor_blink = False
        loopback.enqueue(Script(text=REPLY))
        await send(pilot, "Summarise my spending")
        await wait_for_reply(pilot)

    assert snap_compare(ChatApp(services), terminal_size=(100, 34), run_before=run_before)


async def test_switching_theme_is_remembered_in_config(make_services, app_paths) -> None:
    app = ChatApp(make_services())
    async with app.run_test() as pilot:
        assert app.theme == "tui-chat-dark"
        app.theme = "tui-chat-light"
        await wait_until(pilot, lambda: app_paths.config_file.exists())
        await app.workers.wait_for_complete()
    assert tomllib.loads(app_paths.config_file.read_text())["theme"] == "tui-chat-light"
    again = ChatApp(make_services())
    async with again.run_test():
        assert again.theme == "tui-chat-light"
