"""Compare recorded spend with what the provider billed, per UTC day.

OpenAI: its organization costs API, which wants an organization admin key, kept in the keyring under
ADMIN_KEY_NAME like any key (or in OPENAI_ADMIN_KEY). OpenRouter: its per-generation stats, asked
for each stored reply's generation id with the provider's own key. Keys go only to the provider's
own base URL.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from tui_chat.core.errors import TuiChatError
from tui_chat.store.cost_queries import CostQueries, ReconciliationRecord

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices

ADMIN_KEY_NAME = "openai-admin"
ADMIN_KEY_ENV = "OPENAI_ADMIN_KEY"
PAGE_DAYS = 31
DAY_MS = 86_400_000
MOST_PAGES = 100
"""A bill longer than this many pages is a server that keeps saying "more": stop rather than loop."""


class ReconcileError(TuiChatError):
    """The provider's bill could not be read."""

    kind = "reconcile"
    title = "Reconciliation failed"


@dataclass(frozen=True, slots=True)
class DayLine:
    """One UTC day: what we recorded and what the provider billed."""

    day: date
    ours: Decimal
    billed: Decimal

    @property
    def difference(self) -> Decimal:
        """Billed less recorded: above zero is spend we did not record, below zero replies not billed."""
        return self.billed - self.ours


@dataclass(frozen=True, slots=True)
class Reconciled:
    """The day-by-day comparison, and the stored replies the provider has no record of (OpenRouter)."""

    lines: list[DayLine]
    unbilled: tuple[str, ...] = ()


def _get_json(url: str, key: str, timeout: float, missing_ok: bool = False) -> Any:
    """GET a JSON document with a bearer key (blocking; run in a thread); None for a 404 when `missing_ok`."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the provider's own URL
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if missing_ok and exc.code == 404:
            return None
        hint = "Check the admin key (tui-chat reconcile --set-admin-key)." if exc.code in (401, 403) else ""
        raise ReconcileError(f"The provider answered {exc.code} to the costs request.", hint=hint) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ReconcileError(f"The provider could not be reached ({getattr(exc, 'reason', exc)}).") from None
    except ValueError:
        raise ReconcileError("The provider's costs answer was not JSON.") from None


def _amount(result: Any) -> Decimal:
    """A cost result's dollars; anything unreadable is a clear error, never a silent zero."""
    try:
        value = Decimal(str(result["amount"]["value"]))
    except (KeyError, TypeError, InvalidOperation):
        raise ReconcileError("The provider's costs answer had a result without an amount.") from None
    if not value.is_finite():
        raise ReconcileError("The provider's costs answer had an amount that is not a number.")
    return value


async def openai_daily_costs(base_url: str, key: str, start: date, end: date) -> dict[date, Decimal]:
    """Billed dollars per UTC day in [start, end), following `next_page` until `has_more` is false."""
    start_time = int(datetime.combine(start, datetime.min.time(), UTC).timestamp())
    end_time = int(datetime.combine(end, datetime.min.time(), UTC).timestamp())
    billed: dict[date, Decimal] = {}
    page: str | None = None
    for _ in range(MOST_PAGES):
        query = {"start_time": start_time, "end_time": end_time, "bucket_width": "1d", "limit": PAGE_DAYS}
        if page:
            query["page"] = page
        url = f"{base_url.rstrip('/')}/organization/costs?{urlencode(query)}"
        document = await asyncio.to_thread(_get_json, url, key, 30.0)
        if not isinstance(document, dict) or not isinstance(document.get("data"), list):
            raise ReconcileError("The provider's costs answer had no list of days.")
        for bucket in document["data"]:
            day = datetime.fromtimestamp(int(bucket["start_time"]), UTC).date()
            billed[day] = billed.get(day, Decimal(0)) + sum(
                (_amount(result) for result in bucket.get("results") or ()), Decimal(0)
            )
        page = document.get("next_page")
        if not document.get("has_more") or not page:
            return billed
    raise ReconcileError(f"The provider kept sending pages of costs (more than {MOST_PAGES}).")


async def admin_key(services: AppServices) -> str | None:
    """The organization admin key: from OPENAI_ADMIN_KEY, else the keyring."""
    import os

    from tui_chat.core.redaction import remember_secret

    key = os.environ.get(ADMIN_KEY_ENV)
    if not key:
        try:
            key = await services.keys.get(ADMIN_KEY_NAME)
        except TuiChatError:  # no usable keyring: the same as no key stored, said with the way forward
            key = None
    remember_secret(key)
    return key


async def reconcile(services: AppServices, provider: str, since: date, today: date) -> Reconciled:
    """Our spend and the provider's bill for each UTC day from `since` to `today`, stored as the latest comparison."""
    if provider == "openrouter":
        return await _reconcile_openrouter(services, provider, since, today)
    if provider != "openai":
        raise ReconcileError(f"Reconciling with {provider} is not supported: openai and openrouter are.")
    base_url = services.registry.base_url(provider)
    key = await admin_key(services)
    if not base_url or not key:
        raise ReconcileError(
            "No OpenAI admin key is stored.",
            hint=f"Run `tui-chat reconcile --set-admin-key` (or set {ADMIN_KEY_ENV}); the costs API needs an admin key.",
        )
    billed = await openai_daily_costs(base_url, key, since, today + timedelta(days=1))
    repository = await services.repository()
    queries = CostQueries(repository.database)
    ours = await queries.daily_spend(provider, *_bounds(since, today))
    return await _compared(queries, provider, since, today, ours, billed)


def _bounds(since: date, today: date) -> tuple[int, int]:
    """The UTC millisecond range of the days `since` to `today` inclusive."""
    start = datetime.combine(since, datetime.min.time(), UTC)
    return int(start.timestamp() * 1000), int((start + timedelta(days=(today - since).days + 1)).timestamp() * 1000)


async def _compared(
    queries: CostQueries,
    provider: str,
    since: date,
    today: date,
    ours: dict[int, Decimal],
    billed: dict[date, Decimal],
    unbilled: tuple[str, ...] = (),
) -> Reconciled:
    """A line per UTC day, kept as the latest reconciliation."""
    start_ms, end_ms = _bounds(since, today)
    lines = [
        DayLine(day, ours.get(day_ms, Decimal(0)), billed.get(day, Decimal(0)))
        for day_ms in range(start_ms, end_ms, DAY_MS)
        for day in [datetime.fromtimestamp(day_ms / 1000, UTC).date()]
    ]
    await queries.save_reconciliation(
        ReconciliationRecord(
            provider,
            int(datetime.now(UTC).timestamp() * 1000),
            since.isoformat(),
            today.isoformat(),
            sum((line.ours for line in lines), Decimal(0)),
            sum((line.billed for line in lines), Decimal(0)),
            sum(1 for line in lines if line.difference),
        )
    )
    return Reconciled(lines, unbilled)


async def _reconcile_openrouter(services: AppServices, provider: str, since: date, today: date) -> Reconciled:
    """Each stored reply's generation looked up at OpenRouter: its `total_cost` summed per UTC day beside ours."""
    settings = services.registry.provider(provider)
    base_url = services.registry.base_url(provider)
    key = await services.keys.lookup(provider, settings)
    if not base_url or not key:
        raise ReconcileError(f"No API key for {provider}.", hint=f"Run `tui-chat keys set {provider}`.")
    repository = await services.repository()
    queries = CostQueries(repository.database)
    start_ms, end_ms = _bounds(since, today)
    billed: dict[date, Decimal] = {}
    unbilled: list[str] = []
    for created_ms, generation_id, _cost in await queries.generations(provider, start_ms, end_ms):
        url = f"{base_url.rstrip('/')}/generation?{urlencode({'id': generation_id})}"
        document = await asyncio.to_thread(_get_json, url, key, 30.0, True)
        if document is None:
            unbilled.append(generation_id)
            continue
        try:
            total = Decimal(str(document["data"]["total_cost"]))
        except (KeyError, TypeError, InvalidOperation):
            raise ReconcileError("The provider's generation answer had no total_cost.") from None
        if not total.is_finite():
            raise ReconcileError("The provider's generation answer had a total_cost that is not a number.")
        day = datetime.fromtimestamp(created_ms / 1000, UTC).date()
        billed[day] = billed.get(day, Decimal(0)) + total
    ours = await queries.daily_spend(provider, start_ms, end_ms)
    return await _compared(queries, provider, since, today, ours, billed, tuple(unbilled))
