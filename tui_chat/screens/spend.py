"""Spending totals for the sidebar and the budget gate in front of the send key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.core.budget import BudgetStatus

if TYPE_CHECKING:
    from tui_chat.core.models import Conversation
    from tui_chat.screens.confirm import ConfirmScreen
    from tui_chat.services.conversations import ConversationService
    from tui_chat.widgets.usage_sidebar import UsageSidebar


class SpendPanel:
    """Fills the sidebar's spend figures from the usage rows and applies the budget."""

    def __init__(self) -> None:
        self.status = BudgetStatus("", False, False)

    async def refresh(
        self, sidebar: UsageSidebar, conversations: ConversationService, conversation: Conversation | None
    ) -> None:
        """Recompute this conversation's, today's and this month's spend."""
        from tui_chat.core.pricing import format_money

        spending = await conversations.spending(conversation.id if conversation is not None else None)
        spent, today, month = spending.conversation, spending.today, spending.month
        if spent is not None:
            sidebar.conversation_cost = money_with_unpriced(format_money(spent.cost), spent.unpriced_requests)
        else:
            sidebar.conversation_cost = "—"
        sidebar.today_cost = money_with_unpriced(format_money(today.cost), today.unpriced_requests)
        projected = spending.projected_month
        growing = projected is not None and projected > month.cost
        sidebar.month_cost = money_with_unpriced(format_money(month.cost), month.unpriced_requests) + (
            f"\n  month end ≈{format_money(projected)}" if growing else ""
        )
        self.status = spending.budget
        sidebar.budget_note = self.status.note
        sidebar.over_budget = self.status.warning

    def over_budget_question(self, status: BudgetStatus) -> ConfirmScreen:
        """The dialog asking whether to send although a budget is used up."""
        from tui_chat.screens.confirm import ConfirmScreen

        return ConfirmScreen(
            f"Budget used up.\n{status.note}\nSend this request anyway?",
            yes_label="Send anyway",
            no_label="Don't send",
        )


def money_with_unpriced(text: str, unpriced: int) -> str:
    """A money figure, noting requests whose model had no known price."""
    return f"{text} (+{unpriced} unpriced)" if unpriced else text
