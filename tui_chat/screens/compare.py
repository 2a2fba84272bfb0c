"""Compare mode: the replies of 2 to 4 models to one prompt, streaming side by side (stacked when narrow)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container
from textual.content import Content
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from tui_chat.core.models import Conversation, MessageStatus
from tui_chat.core.text import one_line
from tui_chat.services.events import ReplyFinished, SessionEvent, StreamFinished
from tui_chat.widgets.compare_column import BLIND_LABELS, ColumnState, CompareColumn

if TYPE_CHECKING:
    from tui_chat.services.compare import CompareService, Comparison, Pane

NARROW = 100
"""Terminal columns below which the replies are stacked instead of side by side."""
REFRESH_SECONDS = 0.2
"""How often the columns show the text and figures that arrived: a few times a second, never per token."""
PICKABLE = (MessageStatus.COMPLETE, MessageStatus.TRUNCATED, MessageStatus.CANCELLED)


def pane_title(comparison: Comparison, index: int) -> str:
    """The model's name, or "Model A" and so on in blind mode until a pick is made."""
    pane = comparison.panes[index]
    if comparison.blind and comparison.picked is None:
        return f"{index + 1} · Model {BLIND_LABELS[index]}"
    return f"{index + 1} · {pane.contender.label}"


def pane_status(pane: Pane) -> str:
    """Streaming, or how the reply ended (a failure with its reason, keys masked by the error layer)."""
    from tui_chat.core.errors import TuiChatError

    status = pane.status
    if status is MessageStatus.STREAMING:
        return "streaming…" if pane.fragments else "waiting for the first token…"
    error = pane.error
    if error is not None:
        reason = error.one_line() if isinstance(error, TuiChatError) else type(error).__name__
        return f"failed: {reason}"
    return status.value


def column_state(comparison: Comparison, index: int, running: bool) -> ColumnState:
    pane = comparison.panes[index]
    figures = pane.figures()
    text = f"TTFT {figures.ttft} · {figures.rate}\n{figures.tokens_in} → {figures.tokens_out} tok · {figures.cost}"
    pickable = not running and pane.reply is not None and bool(pane.text) and pane.status in PICKABLE
    return ColumnState(
        pane_title(comparison, index), text, pane_status(pane), pane.text, pane.outcome is not None, pickable
    )


class CompareScreen(Screen[Conversation | None]):
    """Runs one comparison; dismisses with the conversation once a reply is picked, or None when left unpicked."""

    DEFAULT_CSS = """
    CompareScreen #compare-prompt { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    CompareScreen #compare-hint { height: 1; padding: 0 1; color: $text-accent; }
    CompareScreen #columns { layout: horizontal; height: 1fr; }
    CompareScreen #columns.-stacked { layout: vertical; overflow-y: auto; }
    CompareScreen #columns.-stacked CompareColumn { height: 16; }
    """

    BINDINGS = [
        Binding("escape", "stop", "Stop / close", id="compare.stop"),
        *(Binding(str(n), f"pick({n - 1})", f"Pick {n}", show=False, id=f"compare.pick_{n}") for n in range(1, 5)),
    ]

    def __init__(self, service: CompareService, comparison: Comparison, *, confirmed: bool = False) -> None:
        """`confirmed`: the user chose to send although a budget is used up."""
        super().__init__()
        self.service = service
        self.comparison = comparison
        self.confirmed = confirmed
        self.running = True

    def compose(self) -> ComposeResult:
        yield Static(Content(one_line(f"> {self.comparison.prompt.content}")), id="compare-prompt")
        yield Static(Content("Streaming… Esc stops them all, keeping what arrived."), id="compare-hint")
        with Container(id="columns"):
            for index in range(len(self.comparison.panes)):
                yield CompareColumn(index, id=f"compare-column-{index}")
        yield Footer()

    def on_mount(self) -> None:
        self._fit(self.app.size.width)
        self._ticker = self.set_interval(REFRESH_SECONDS, self.refresh_columns)
        self.run_comparison()

    def on_resize(self, event: Resize) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        self.query_one("#columns").set_class(width < NARROW, "-stacked")

    def refresh_columns(self) -> None:
        """Show each pane's text and figures as they are now."""
        for column in self.query(CompareColumn):
            column.show(column_state(self.comparison, column.index, self.running))

    @work(exclusive=True, group="compare", exit_on_error=False)
    async def run_comparison(self) -> None:
        """Stream every reply and store them; then the user picks one."""
        try:
            await self.service.run(self.comparison, self._pane_event, confirmed=self.confirmed)
        finally:
            self.running = False
            self._ticker.stop()
            self.refresh_columns()
            if any(pane.reply is not None and pane.text for pane in self.comparison.panes):
                hint = "Pick the best reply: press its number or its button. Esc closes without picking."
            else:
                hint = "No reply to pick. Esc closes."
            self.query_one("#compare-hint", Static).update(Content(hint))

    async def _pane_event(self, index: int, event: SessionEvent) -> None:
        """A pane's stream ended: show its last text now rather than at the next tick."""
        if isinstance(event, StreamFinished | ReplyFinished):
            self.refresh_columns()

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """A comparison or a pick that met a problem (the database, say) says so; what arrived is kept."""
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.app.show_error(event.worker.error)  # type: ignore[attr-defined]  # the ChatApp's one error display

    def action_stop(self) -> None:
        """Stop the replies still streaming (what arrived is kept); when none is, close without picking."""
        if self.running:
            self.comparison.cancel()
        else:
            self.dismiss(None)

    @on(CompareColumn.PickPressed)
    def _pick_pressed(self, event: CompareColumn.PickPressed) -> None:
        self.action_pick(event.index)

    def action_pick(self, index: int) -> None:
        """Make that reply the conversation's; refused while replies stream or when it has nothing to pick."""
        if index >= len(self.comparison.panes):
            return
        if self.running:
            self.notify("The replies are still streaming: wait, or press Esc to stop them.", markup=False)
            return
        if not column_state(self.comparison, index, False).pickable:
            self.notify("That model gave no reply to pick.", markup=False)
            return
        self.pick(index)

    @work(exclusive=True, group="pick", exit_on_error=False)
    async def pick(self, index: int) -> None:
        conversation = await self.service.pick(self.comparison, index)
        label = self.comparison.panes[index].contender.label
        blind = f"Model {BLIND_LABELS[index]} was " if self.comparison.blind else ""
        self.notify(f"Picked: {blind}{label}. It answers from now on.", markup=False)
        self.dismiss(conversation)
