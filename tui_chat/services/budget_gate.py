"""The one budget check in front of every request: the TUI's send, retry, continue and edit, and `ask`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tui_chat.core.budget import BudgetStatus, budget_status
from tui_chat.core.conversation_budget import combined, conversation_status
from tui_chat.core.errors import TuiChatError

if TYPE_CHECKING:
    from tui_chat.config import BudgetSettings
    from tui_chat.store.repository import Repository


class OverBudget(TuiChatError):
    """A budget is used up and the request was not confirmed (or the config says refuse)."""

    kind = "over_budget"
    title = "Budget used up"

    def __init__(self, status: BudgetStatus, *, can_confirm: bool) -> None:
        note = "; ".join(status.note.splitlines())
        super().__init__(
            f"Not sent: {note}.",
            hint="Raise the limit under [budget] in config.toml (or the conversation's in F2) to send more.",
        )
        self.status = status
        self.can_confirm = can_confirm


async def spending_status(repository: Repository, budget: BudgetSettings, now: datetime | None = None) -> BudgetStatus:
    """Today's and this month's spending (local time) against the limits in `budget`."""
    now = now or datetime.now().astimezone()
    day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    today = await repository.spend(since=day_start)
    month = await repository.spend(since=day_start.replace(day=1))
    return budget_status(today.cost, month.cost, budget.daily, budget.monthly)


async def check_budget(
    repository: Repository, budget: BudgetSettings, *, confirmed: bool = False, conversation_id: int | None = None
) -> BudgetStatus:
    """The spending status; OverBudget when a limit is reached, unless the user `confirmed` and the config allows it.

    With `conversation_id`, that conversation's own budget (set in F2) is a limit too.
    """
    from tui_chat.store.cost_queries import CostQueries

    limit = (
        None if conversation_id is None else await CostQueries(repository.database).conversation_budget(conversation_id)
    )
    if budget.daily is None and budget.monthly is None and limit is None:
        return BudgetStatus("", False, False)
    status = await spending_status(repository, budget)
    if limit is not None:
        spent = await repository.spend(conversation_id=conversation_id)
        status = combined(status, conversation_status(spent.cost, limit))
    can_confirm = budget.over_budget == "confirm"
    if status.exceeded and not (confirmed and can_confirm):
        raise OverBudget(status, can_confirm=can_confirm)
    return status
