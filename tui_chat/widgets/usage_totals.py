"""The headline figures of a period: spend, requests, tokens, success, latency and retries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from tui_chat.store.usage_stats import PeriodTotals


def seconds_text(millis: int | None) -> str:
    """Milliseconds shown as seconds, "–" when unknown."""
    return "–" if millis is None else f"{millis / 1000:.2f} s"


def totals_text(totals: PeriodTotals) -> str:
    """Two plain-text lines of figures."""
    from tui_chat.core.pricing import format_money

    spend = format_money(totals.cost)
    if totals.estimated_requests:
        spend = f"≈ {spend}"
    if totals.unpriced_requests:
        spend += f" + {totals.unpriced_requests:,} unpriced"
    rate = totals.success_rate
    success = "–" if rate is None else f"{rate:.1%}"
    return (
        f"Spend {spend}   Requests {totals.requests:,}   Input {totals.input_tokens:,}   "
        f"Cached {totals.cached_tokens:,}   Output {totals.output_tokens:,}\n"
        f"Success {success}   Latency p50 {seconds_text(totals.median_latency_ms)}   "
        f"p95 {seconds_text(totals.p95_latency_ms)}   First token p50 {seconds_text(totals.median_ttft_ms)}   "
        f"Retries {totals.retries:,}"
    )


class UsageTotals(Static):
    """The period's totals, as plain text (never markup)."""

    def show(self, totals: PeriodTotals, answer_p50_ms: int | None = None) -> None:
        """Replace the figures; `answer_p50_ms` is the median time to the answer of replies that reasoned."""
        self.totals = totals
        text = totals_text(totals)
        if answer_p50_ms is not None:
            text += f"   First answer p50 (reasoning) {seconds_text(answer_p50_ms)}"
        self.update(Content(text))
