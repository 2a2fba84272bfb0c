"""The usage screen's Cost tab: loads its figures for the screen's period and answers what-ifs, off the handlers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import TabPane

from tui_chat.core.redaction import redact
from tui_chat.widgets.cost_panel import CostPanel, what_if_text

if TYPE_CHECKING:
    from tui_chat.screens.usage import UsageScreen

TAB_ID = "tab-cost"


class CostTab:
    """Fills the Cost tab of a usage screen: mounted on first use, refreshed with the period."""

    def __init__(self, screen: UsageScreen) -> None:
        self.screen = screen

    async def _panel(self) -> CostPanel:
        found = self.screen.query(CostPanel)
        if found:
            return found.first(CostPanel)
        panel = CostPanel(id="cost-panel")
        await self.screen.query_one(f"#{TAB_ID}", TabPane).mount(panel)
        return panel

    def show(self) -> None:
        """Load and show the figures of the screen's period."""
        self.screen.run_worker(self._show(), exclusive=True, group="usage-cost", exit_on_error=False)

    async def _show(self) -> None:
        from tui_chat.core.errors import TuiChatError
        from tui_chat.services.cost_report import cost_figures

        screen, period = self.screen, self.screen.period
        if period is None:
            return
        panel = await self._panel()
        try:
            figures = await cost_figures(screen.services, period.bounds(screen.zone))
        except TuiChatError as exc:
            panel.show_message(exc.one_line())
            return
        except Exception as exc:  # noqa: BLE001 - shown, not swallowed by the worker, never a traceback
            panel.show_message(redact(f"The cost figures could not be read: {type(exc).__name__}: {exc}"))
            return
        panel.show_figures(figures, period.label)

    def what_if(self, model: str) -> None:
        """Reprice the period's recorded tokens at `model`'s prices and show the answer."""
        self.screen.run_worker(self._what_if(model), exclusive=True, group="usage-what-if", exit_on_error=False)

    async def _what_if(self, model: str) -> None:
        from tui_chat.core.errors import TuiChatError
        from tui_chat.core.what_if import NoPrice
        from tui_chat.services.cost_report import what_if

        screen, period = self.screen, self.screen.period
        if period is None:
            return
        panel = await self._panel()
        panel.show_what_if("Repricing…")
        try:
            result = await what_if(screen.services, model, period.bounds(screen.zone))
        except NoPrice as exc:
            panel.show_what_if(str(exc))
            return
        except TuiChatError as exc:
            panel.show_what_if(exc.one_line())
            return
        except Exception as exc:  # noqa: BLE001 - shown, not swallowed by the worker, never a traceback
            panel.show_what_if(redact(f"The what-if could not be computed: {type(exc).__name__}: {exc}"))
            return
        panel.show_what_if(what_if_text(result, period.label))
