"""The usage screen's Cost tab: prices as of, forecast, prompt-cache savings, reported-cost checks and a what-if."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from tui_chat.core.text import show_controls

if TYPE_CHECKING:
    from tui_chat.core.what_if import WhatIf
    from tui_chat.services.cost_report import CostFigures


def figures_text(figures: CostFigures, period_label: str) -> str:
    """The Cost tab's figures as plain text."""
    from datetime import UTC, datetime

    from tui_chat.core.forecast import forecast_lines
    from tui_chat.core.pricing import format_money

    lines = [f"Prices as of {figures.prices_version} (the price data bundled with it)", "", "Forecast"]
    lines += [f"  {line}" for line in forecast_lines(figures.forecast)]
    lines += ["", f"Prompt cache, {period_label}", f"  {figures.cache.line()}", ""]
    if figures.mismatch_count:
        lines.append(f"⚠ {figures.mismatch_count:,} replies' reported cost differs from ours by more than 1 %:")
        for created_ms, model, reported, computed in figures.mismatches:
            moment = datetime.fromtimestamp(created_ms / 1000, UTC).astimezone().strftime("%Y-%m-%d %H:%M")
            lines.append(f"  {moment} {model}: reported {format_money(reported)}, ours {format_money(computed)}")
    else:
        lines.append("Reported costs: none differs from ours by more than 1 %")
    lines += ["", f"Last reconciliation: {figures.last_reconciliation or 'none yet (tui-chat reconcile)'}"]
    return "\n".join(show_controls(line) for line in lines)


def what_if_text(result: WhatIf, period_label: str) -> str:
    """A what-if's answer as plain text."""
    from tui_chat.core.what_if import what_if_lines

    return "\n".join(show_controls(line) for line in [f"What if, {period_label}", *what_if_lines(result)])


class CostPanel(VerticalScroll):
    """Shows the cost figures it is given; typing a model and Enter asks for a what-if (WhatIfAsked)."""

    DEFAULT_CSS = """
    CostPanel { height: 1fr; padding: 0 1; }
    CostPanel #cost-figures { height: auto; }
    CostPanel #cost-what-if { width: 60; margin-top: 1; }
    CostPanel #cost-what-if-result { height: auto; }
    """

    @dataclass
    class WhatIfAsked(Message):
        """The reader asked what the period would have cost at `model`'s prices."""

        model: str

    def compose(self) -> ComposeResult:
        yield Static("Loading…", id="cost-figures")
        yield Input(placeholder="what if on model… e.g. gpt-4o-mini (Enter)", id="cost-what-if")
        yield Static("", id="cost-what-if-result")

    def show_figures(self, figures: CostFigures, period_label: str) -> None:
        """Replace the figures."""
        self.query_one("#cost-figures", Static).update(Content(figures_text(figures, period_label)))

    def show_message(self, text: str) -> None:
        """Show why there are no figures."""
        self.query_one("#cost-figures", Static).update(Content(show_controls(text)))

    def show_what_if(self, text: str) -> None:
        """Show a what-if's answer (or why there is none)."""
        self.query_one("#cost-what-if-result", Static).update(Content(show_controls(text)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        model = event.value.strip()
        if model:
            self.post_message(self.WhatIfAsked(model))
