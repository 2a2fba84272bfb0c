"""OpenAI's organization costs endpoint on the loopback server, paged and with its real field names."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

COSTS_PATH = "/v1/organization/costs"
DAY_SECONDS = 86_400


class Billing:
    """What the provider billed per UTC day (set by a test), answered as GET /v1/organization/costs pages."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.daily: dict[int, Decimal] = {}
        """Billed dollars by the Unix time of each UTC day's start."""
        self.admin_key: str | None = None
        """When set, the bearer key the endpoint requires (OpenAI wants an admin key for it)."""

    def reset(self) -> None:
        with self._lock:
            self.daily.clear()
            self.admin_key = None

    def handles(self, method: str, path: str) -> bool:
        return method == "GET" and path == COSTS_PATH

    def answer(self, target: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The status and body for one page of daily cost buckets from `start_time` (limit and page as OpenAI's)."""
        if self.admin_key is not None and headers.get("authorization") != f"Bearer {self.admin_key}":
            error = {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": None}
            return 401, {"error": error}
        query = {name: values[-1] for name, values in parse_qs(urlsplit(target).query).items()}
        start = int(query["start_time"])
        end = int(query.get("end_time", start + 180 * DAY_SECONDS))
        limit = int(query.get("limit", "7"))
        first = int(query.get("page", start))
        days = list(range(first, end, DAY_SECONDS))
        page, rest = days[:limit], days[limit:]
        with self._lock:
            buckets = [
                {
                    "object": "bucket",
                    "start_time": day,
                    "end_time": day + DAY_SECONDS,
                    "results": [
                        {
                            "object": "organization.costs.result",
                            "amount": {"value": float(self.daily[day]), "currency": "usd"},
                            "line_item": None,
                            "project_id": None,
                        }
                    ]
                    if day in self.daily
                    else [],
                }
                for day in page
            ]
        return 200, {
            "object": "page",
            "data": buckets,
            "has_more": bool(rest),
            "next_page": str(rest[0]) if rest else None,
        }
