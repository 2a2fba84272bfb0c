"""Billing endpoints on the loopback server with their real field names: OpenAI's organization costs
(paged) and OpenRouter's per-generation stats."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

COSTS_PATH = "/v1/organization/costs"
GENERATION_PATH = "/v1/generation"
DAY_SECONDS = 86_400


class Billing:
    """What the provider billed per UTC day (set by a test), answered as GET /v1/organization/costs pages."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.daily: dict[int, Decimal] = {}
        """Billed dollars by the Unix time of each UTC day's start."""
        self.admin_key: str | None = None
        """When set, the bearer key the endpoint requires (OpenAI wants an admin key for it)."""
        self.generations: dict[str, Decimal] = {}
        """OpenRouter's `total_cost` by generation id; an id not here is answered 404."""

    def reset(self) -> None:
        with self._lock:
            self.daily.clear()
            self.generations.clear()
            self.admin_key = None

    def handles(self, method: str, path: str) -> bool:
        return method == "GET" and path in (COSTS_PATH, GENERATION_PATH)

    def answer(self, target: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
        """The status and body of a costs page or a generation's stats."""
        if urlsplit(target).path == GENERATION_PATH:
            return self.generation(target)
        return self.costs(target, headers)

    def generation(self, target: str) -> tuple[int, dict[str, Any]]:
        """OpenRouter's stats of one generation (GET /generation?id=), 404 for an id it never served."""
        generation_id = parse_qs(urlsplit(target).query).get("id", [""])[-1]
        with self._lock:
            cost = self.generations.get(generation_id)
        if cost is None:
            return 404, {"error": {"message": "Generation not found", "code": 404}}
        data = {
            "id": generation_id,
            "total_cost": float(cost),
            "model": "openai/gpt-4o",
            "created_at": "2026-01-01T00:00:00.000Z",
            "tokens_prompt": 0,
            "tokens_completion": 0,
            "streamed": True,
            "cancelled": False,
        }
        return 200, {"data": data}

    def costs(self, target: str, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
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
