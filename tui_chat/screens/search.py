"""Search every message: type words, see matching excerpts, open the conversation at the match."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.core.text import one_line, show_controls

if TYPE_CHECKING:
    from tui_chat.core.models import SearchHit

SearchMessages = Callable[[str], Awaitable[Sequence["SearchHit"]]]
TYPING_PAUSE_SECONDS = 0.15


def hit_prompt(hit: SearchHit) -> Content:
    """A result: the conversation title and role, then the excerpt with the matched words highlighted."""
    title = one_line(hit.conversation_title) or "(untitled)"
    excerpt = Content(show_controls(hit.excerpt))
    for start, end in hit.highlights:
        shown_start, shown_end = (len(show_controls(hit.excerpt[:index])) for index in (start, end))
        excerpt = excerpt.stylize("reverse", shown_start, shown_end)
    when = hit.created_at.astimezone().strftime("%Y-%m-%d")
    return Content.assemble((title, "bold"), (f" · {hit.role.value} · {when}", "dim"), "\n", excerpt)


class SearchScreen(ModalScreen[tuple[int, int] | None]):
    """Dismisses with (conversation id, message id) of the chosen match, or None."""

    DEFAULT_CSS = """
    SearchScreen { align: center middle; }
    SearchScreen > Vertical {
        width: 90%; max-width: 110; height: 80%; padding: 0 1;
        background: $panel; border: thick $accent 50%;
    }
    SearchScreen #search-status { color: $text-muted; padding: 0 1; }
    SearchScreen OptionList { height: 1fr; border: none; background: $panel; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close", id="search.close"),
        Binding("down", "cursor_down", "Next", show=False, id="search.down"),
        Binding("up", "cursor_up", "Previous", show=False, id="search.up"),
    ]
    AUTO_FOCUS = "Input"

    def __init__(self, search_messages: SearchMessages, *, initial_text: str = "") -> None:
        super().__init__()
        self.search_messages = search_messages
        self.initial_text = initial_text
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Input(self.initial_text, placeholder="Search every message", id="search-text")
            yield Static(Content("Type to search."), id="search-status")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        if self.initial_text:
            self.run_search(self.initial_text, pause=False)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.run_search(event.value)

    @work(exclusive=True, group="search", exit_on_error=False)
    async def run_search(self, text: str, pause: bool = True) -> None:
        """Search after a short pause in typing; a newer keystroke cancels this one."""
        if pause:
            await asyncio.sleep(TYPING_PAUSE_SECONDS)
        status = self.query_one("#search-status", Static)
        if not text.strip():
            self.show_hits([])
            status.update(Content("Type to search."))
            return
        try:
            hits = list(await self.search_messages(text))
        except Exception as exc:  # a search error is shown in place, never a crash
            status.update(Content(one_line(f"Search failed: {exc}")))
            return
        self.show_hits(hits)
        status.update(Content(f"{len(hits)} match{'es' if len(hits) != 1 else ''}" if hits else "No matches."))

    def show_hits(self, hits: list[SearchHit]) -> None:
        """Replace the results."""
        self.hits = hits
        results = self.query_one("#search-results", OptionList)
        results.set_options(Option(hit_prompt(hit), id=str(index)) for index, hit in enumerate(hits))
        if hits:
            results.highlighted = 0

    def choose(self, index: int | None) -> None:
        """Open the match at `index`."""
        if index is not None and 0 <= index < len(self.hits):
            hit = self.hits[index]
            self.dismiss((hit.conversation_id, hit.message_id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.choose(self.query_one("#search-results", OptionList).highlighted)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.choose(event.option_index)

    def action_cursor_down(self) -> None:
        """Move to the next match."""
        self.query_one("#search-results", OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        """Move to the previous match."""
        self.query_one("#search-results", OptionList).action_cursor_up()

    def action_close(self) -> None:
        """Close without opening anything."""
        self.dismiss(None)
