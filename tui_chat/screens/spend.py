"""Spending totals for the sidebar and the budget gate in front of the send key."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tui_chat.core.budget import BudgetStatus, budget_status

if TYPE_CHECKING:
    from tui_chat.screens.confirm import ConfirmScreen
    from tui_chat.core.models import Conversation
    from tui_chat.services.container import AppServices
    from tui_chat.widgets.usage_sidebar import UsageSidebar


class SpendPanel:
    """Fills the sidebar's spend figures from the usage rows and applies the budget."""

    def __init__(self, services: AppServices) -> None:
        self.services = services
        self.status = BudgetStatus("", False, False)

    async def refresh(self, sidebar: UsageSidebar, conversation: Conversation | None) -> None:
        """Recompute this conversation's, today's and this month's spend."""
        from tui_chat.core.pricing import format_money

        repository = await self.services.repository()
        now = datetime.now().astimezone()
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        month_start = day_start.replace(day=1)
        if conversation is not None:
            spent = await repository.spend(conversation_id=conversation.id)
            sidebar.conversation_cost = money_with_unpriced(format_money(spent.cost), spent.unpriced_requests)
        else:
            sidebar.conversation_cost = "—"
        today = await repository.spend(since=day_start)
        month = await repository.spend(since=month_start)
        sidebar.today_cost = money_with_unpriced(format_money(today.cost), today.unpriced_requests)
        sidebar.month_cost = money_with_unpriced(format_money(month.cost), month.unpriced_requests)
        budget = self.services.settings.budget
        self.status = budget_status(today.cost, month.cost, budget.daily, budget.monthly)
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


