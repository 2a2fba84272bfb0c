"""The live usage sidebar: model, this reply, this conversation, today and this month."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static


class UsageSidebar(VerticalScroll):
    """Shows what is being spent; every number is a reactive, so nothing polls."""

    provider: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    is_demo: reactive[bool] = reactive(False)
    live_output_tokens: reactive[int] = reactive(0)
    reply_usage: reactive[str] = reactive("—")
    reply_cost: reactive[str] = reactive("—")
    conversation_cost: reactive[str] = reactive("—")
    today_cost: reactive[str] = reactive("—")
    month_cost: reactive[str] = reactive("—")

    def compose(self) -> ComposeResult:
        yield Static("Model", classes="sidebar-title")
        yield Static(id="sidebar-model")
        yield Static(id="sidebar-demo", classes="sidebar-demo")
        yield Static("This reply", classes="sidebar-title")
        yield Static(id="sidebar-reply-usage")
        yield Static(id="sidebar-reply-cost")
        yield Static("Spent", classes="sidebar-title")
        yield Static(id="sidebar-conversation")
        yield Static(id="sidebar-today")
        yield Static(id="sidebar-month")

    def _set(self, widget_id: str, text: str) -> None:
        if self.is_mounted:
            self.query_one(f"#{widget_id}", Static).update(Content(text))

    def watch_provider(self) -> None:
        self._set("sidebar-model", f"{self.provider} · {self.model}")

    watch_model = watch_provider

    def watch_is_demo(self, is_demo: bool) -> None:
        self._set("sidebar-demo", "Offline demo model: canned replies, no key needed." if is_demo else "")
        self.query_one("#sidebar-demo").display = is_demo

    def watch_live_output_tokens(self, count: int) -> None:
        if count:
            self._set("sidebar-reply-usage", f"out {count:,} tokens (streaming)")

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
