"""The live usage sidebar: model, context window, draft cost, this reply, and spending so far."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import var
from textual.widgets import ProgressBar, Static

from tui_chat.core.text import one_line, show_controls


def token_label(count: int, exact: bool) -> str:
    """A token count with thousands separators, prefixed by ≈ when approximated."""
    return f"{'' if exact else '≈'}{count:,}"


class UsageSidebar(VerticalScroll):
    """Shows what is being spent; every figure is a var set by the screen, so nothing polls.

    Vars rather than reactives: each watcher updates one label, so the sidebar itself never needs a
    repaint, and a label whose height stays the same is repainted without a layout of the screen.
    """

    provider: var[str] = var("")
    model: var[str] = var("")
    is_demo: var[bool] = var(False)
    context_used: var[int] = var(0)
    context_exact: var[bool] = var(True)
    context_window: var[int | None] = var(None)
    draft_tokens: var[int] = var(0)
    draft_exact: var[bool] = var(True)
    draft_cost: var[str] = var("")
    live_output_tokens: var[int] = var(0)
    reply_usage: var[str] = var("—")
    reply_cost: var[str] = var("—")
    conversation_cost: var[str] = var("—")
    today_cost: var[str] = var("—")
    month_cost: var[str] = var("—")
    budget_note: var[str] = var("")
    over_budget: var[bool] = var(False)

    def compose(self) -> ComposeResult:
        yield Static("Model", classes="sidebar-title")
        yield Static(id="sidebar-model")
        yield Static(id="sidebar-demo", classes="sidebar-demo")
        yield Static("Context", classes="sidebar-title")
        yield Static(id="sidebar-context")
        yield ProgressBar(id="sidebar-context-bar", show_eta=False, show_percentage=True)
        yield Static("Next message", classes="sidebar-title")
        yield Static(id="sidebar-draft")
        yield Static("This reply", classes="sidebar-title")
        yield Static(id="sidebar-reply-usage")
        yield Static(id="sidebar-reply-cost")
        yield Static("Spent", classes="sidebar-title")
        yield Static(id="sidebar-conversation")
        yield Static(id="sidebar-today")
        yield Static(id="sidebar-month")
        yield Static(id="sidebar-budget")

    def _set(self, widget_id: str, text: str) -> None:
        if not self.is_mounted:
            return
        label = self.query_one(f"#{widget_id}", Static)
        width, height = label.size
        label.update(Content(show_controls(text)), layout=False)
        if not width or label.visual.get_height(label.styles, width) != height:
            label.refresh(layout=True)

    def watch_provider(self) -> None:
        self._set("sidebar-model", one_line(f"{self.provider} · {self.model}"))

    watch_model = watch_provider

    def watch_is_demo(self, is_demo: bool) -> None:
        self._set("sidebar-demo", "Offline demo model: canned replies, no key needed." if is_demo else "")
        self.query_one("#sidebar-demo").display = is_demo

    def _show_context(self) -> None:
        used = token_label(self.context_used, self.context_exact)
        window = self.context_window
        bar = self.query_one("#sidebar-context-bar", ProgressBar)
        if window is None:
            self._set("sidebar-context", f"{used} tokens · window unknown")
            bar.display = False
            return
        bar.display = True
        bar.update(total=window, progress=min(self.context_used, window))
        text = f"{used} / {window:,} tokens"
        full = self.context_used >= window
        self.query_one("#sidebar-context").set_class(full, "-cost-warning")
        self._set("sidebar-context", text + (" · does not fit" if full else ""))

    watch_context_used = _show_context
    watch_context_exact = _show_context
    watch_context_window = _show_context

    def _show_draft(self) -> None:
        if not self.draft_cost:
            self._set("sidebar-draft", "type to see its size and cost")
            return
        if not self.draft_tokens:
            self._set("sidebar-draft", f"draft empty\nsending costs {self.draft_cost} (input)")
            return
        tokens = token_label(self.draft_tokens, self.draft_exact)
        self._set("sidebar-draft", f"draft {tokens} tokens\nsending costs {self.draft_cost} (input)")

    watch_draft_tokens = _show_draft
    watch_draft_exact = _show_draft
    watch_draft_cost = _show_draft

    def watch_live_output_tokens(self, count: int) -> None:
        if count:
            self._set("sidebar-reply-usage", f"out {count:,} tokens, streaming…")

    def watch_reply_usage(self, text: str) -> None:
        self._set("sidebar-reply-usage", text)

    def watch_reply_cost(self, text: str) -> None:
        self._set("sidebar-reply-cost", f"cost {text}")

    def watch_conversation_cost(self, text: str) -> None:
        self._set("sidebar-conversation", f"conversation {text}")

    def watch_today_cost(self, text: str) -> None:
        self._set("sidebar-today", f"today {text}")

    def watch_month_cost(self, text: str) -> None:
        self._set("sidebar-month", f"this month {text}")

    def _show_budget(self) -> None:
        note = self.query_one("#sidebar-budget", Static)
        note.display = bool(self.budget_note)
        note.set_class(self.over_budget, "-cost-warning")
        self._set("sidebar-budget", self.budget_note)

    watch_budget_note = _show_budget
    watch_over_budget = _show_budget
