"""The live usage sidebar: model, context window, draft cost, this reply, and spending so far."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import var
from textual.widgets import Static

from tui_chat.core.text import one_line, show_controls

if TYPE_CHECKING:
    from tui_chat.services.estimate import PromptEstimate

NARROW_BELOW = 90
"""Terminal columns below which the sidebar would leave the chat cramped: it hides itself (ctrl+b still
shows it) and a one-line status bar carries the main figures."""

TITLE_STYLE = "bold $sidebar-accent"
WARNING_STYLE = "$cost-warning"
BAR_WIDTH = 20
"""Cells of the context-window bar."""


def token_label(count: int, exact: bool) -> str:
    """A token count with thousands separators, prefixed by ≈ when approximated."""
    return f"{'' if exact else '≈'}{count:,}"


def context_bar(used: int, window: int) -> str:
    """The share of the context window in use, as a bar of block characters and a percentage."""
    share = min(used / window, 1.0) if window > 0 else 1.0
    filled = round(share * BAR_WIDTH)
    return f"{'█' * filled}{'░' * (BAR_WIDTH - filled)} {share:.0%}"


class UsageSidebar(VerticalScroll):
    """Shows what is being spent; every figure is a var set by the screen, so nothing polls.

    The whole sidebar is one label painted from the vars: a single widget to mount, style and lay
    out, where one label per figure cost about twenty. A change repaints that label, and asks for a
    layout of the screen only when the number of lines changes.
    """

    provider: var[str] = var("", init=False)
    model: var[str] = var("", init=False)
    is_demo: var[bool] = var(False, init=False)
    context_used: var[int] = var(0, init=False)
    context_exact: var[bool] = var(True, init=False)
    context_window: var[int | None] = var(None, init=False)
    draft_tokens: var[int] = var(0, init=False)
    draft_exact: var[bool] = var(True, init=False)
    draft_cost: var[str] = var("", init=False)
    live_output_tokens: var[int] = var(0, init=False)
    live_reasoning_tokens: var[int] = var(0, init=False)
    reasoning_effort: var[str] = var("", init=False)
    reply_usage: var[str] = var("—", init=False)
    reply_cost: var[str] = var("—", init=False)
    conversation_cost: var[str] = var("—", init=False)
    today_cost: var[str] = var("—", init=False)
    month_cost: var[str] = var("—", init=False)
    budget_note: var[str] = var("", init=False)
    over_budget: var[bool] = var(False, init=False)

    status_bar: Static | None = None
    """The one-line status the screen shows instead of the sidebar, painted from the same vars."""
    wanted = True
    """Whether the reader wants the sidebar on a wide terminal (ctrl+b toggles it until the app quits)."""
    _narrow: bool | None = None

    def fit(self, width: int) -> None:
        """Hide on crossing below NARROW_BELOW columns; above it, show as the reader last chose."""
        narrow = width < NARROW_BELOW
        if narrow != self._narrow:
            self._narrow = narrow
            self.show(not narrow and self.wanted)

    def show(self, shown: bool) -> None:
        """Show the sidebar, or the status bar in its place."""
        self.display = shown
        if self.status_bar is not None:
            self.status_bar.display = not shown
            self.paint_status()

    def toggle(self) -> None:
        """Show or hide the sidebar (on a wide terminal, remembered as the reader's choice)."""
        shown = not self.display
        if not self._narrow:
            self.wanted = shown
        self.show(shown)

    def forget_reply(self) -> None:
        """Blank "This reply" when another conversation is shown: its figures belonged to the last one."""
        self.reply_usage = self.reply_cost = "—"
        self.live_output_tokens = 0

    def show_estimate(self, estimate: PromptEstimate, drafted: bool) -> None:
        """Show the size of the next request and what sending the draft (`drafted`: a non-empty one) costs."""
        from tui_chat.core.pricing import format_money

        self.context_used = estimate.prompt_tokens.tokens
        self.context_exact = estimate.prompt_tokens.exact
        self.context_window = estimate.context_window
        self.draft_tokens = estimate.draft_tokens.tokens if drafted else 0
        self.draft_exact = estimate.draft_tokens.exact
        cost = format_money(estimate.input_cost)
        exact = estimate.prompt_tokens.exact or not estimate.input_cost
        self.draft_cost = cost if exact else f"≈{cost}"

    def compose(self) -> ComposeResult:
        yield Static(self.content(), id="sidebar-text")

    def content(self) -> Content:
        """Every section of the sidebar, as literal text (model and server text never become markup)."""
        parts: list[str | tuple[str, str] | Content] = []

        def section(title: str, *lines: tuple[str, str] | str) -> None:
            if parts:
                parts.append("\n\n")
            parts.append((title, TITLE_STYLE))
            for line in lines:
                text, style = line if isinstance(line, tuple) else (line, "")
                if text:
                    parts.extend(("\n", (show_controls(text), style) if style else show_controls(text)))

        demo = "Offline demo model: canned replies, no key needed." if self.is_demo else ""
        effort = f"reasoning effort {self.reasoning_effort}" if self.reasoning_effort else ""
        section("Model", one_line(f"{self.provider} · {self.model}"), effort, (demo, WARNING_STYLE))
        section("Context", *self._context_lines())
        section("Next message", self._draft_text())
        live = self.live_output_tokens
        thinking = self.live_reasoning_tokens
        usage = f"out {live:,} tokens, streaming…" if live else ("" if thinking else self.reply_usage)
        if thinking:
            usage = f"thinking {thinking:,} tokens" + ("\n" + usage if usage else ", streaming…")
        section("This reply", usage, f"cost {self.reply_cost}")
        budget = (self.budget_note, WARNING_STYLE if self.over_budget else "")
        section(
            "Spent",
            f"conversation {self.conversation_cost}",
            f"today {self.today_cost}",
            f"this month {self.month_cost}",
            budget,
        )
        return Content.assemble(*parts)

    def status_content(self) -> Content:
        """The figures that matter most on one line: provider and model, context in use, this reply, today."""
        window = self.context_window
        if window:
            share = f"{'' if self.context_exact else '≈'}{self.context_used / window:.0%}"
            context = (share, WARNING_STYLE if self.context_used >= window else "")
        else:
            context = (f"{token_label(self.context_used, self.context_exact)} tokens", "")
        live = self.live_output_tokens
        reply = f"out {live:,}…" if live else self.reply_cost
        today = (self.today_cost, WARNING_STYLE if self.over_budget else "")
        return Content.assemble(
            (show_controls(one_line(f"{self.provider} · {self.model}")), "bold"),
            ("  ctx ", TITLE_STYLE),
            context,
            ("  reply ", TITLE_STYLE),
            show_controls(reply),
            ("  today ", TITLE_STYLE),
            today,
        )

    def paint_status(self) -> None:
        """Show the vars in the status bar, when it is shown."""
        status = self.status_bar
        if status is not None and status.display:
            status.update(self.status_content(), layout=False)

    def _context_lines(self) -> list[tuple[str, str] | str]:
        used = token_label(self.context_used, self.context_exact)
        window = self.context_window
        if window is None:
            return [f"{used} tokens · window unknown"]
        full = self.context_used >= window
        style = WARNING_STYLE if full else ""
        text = f"{used} / {window:,} tokens" + (" · does not fit" if full else "")
        return [(text, style), (context_bar(self.context_used, window), style or "$sidebar-accent")]

    def _draft_text(self) -> str:
        if not self.draft_cost:
            return "type to see its size and cost"
        if not self.draft_tokens:
            return f"draft empty\nsending costs {self.draft_cost} (input)"
        tokens = token_label(self.draft_tokens, self.draft_exact)
        return f"draft {tokens} tokens\nsending costs {self.draft_cost} (input)"

    def _paint(self) -> None:
        """Show the vars now; lay the screen out again only if the label's height changed."""
        if not self.is_mounted:
            return
        label = self.query_one("#sidebar-text", Static)
        width, height = label.size
        label.update(self.content(), layout=False)
        if not width or label.visual.get_height(label.styles, width) != height:  # type: ignore[arg-type]  # as Textual passes it
            label.refresh(layout=True)
        self.paint_status()

    watch_provider = watch_model = watch_is_demo = _paint
    watch_context_used = watch_context_exact = watch_context_window = _paint
    watch_draft_tokens = watch_draft_exact = watch_draft_cost = _paint
    watch_live_output_tokens = watch_reply_usage = watch_reply_cost = _paint
    watch_live_reasoning_tokens = watch_reasoning_effort = _paint
    watch_conversation_cost = watch_today_cost = watch_month_cost = _paint
    watch_budget_note = watch_over_budget = _paint
