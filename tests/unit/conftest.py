"""Fixtures shared by the unit tests."""

from __future__ import annotations

import pytest

from tui_chat.store.db import Database
from tui_chat.store.usage_stats import UsageStats


@pytest.fixture
async def stats():
    """Usage queries over a fresh in-memory database."""
    database = await Database.open(None)
    yield UsageStats(database)
    await database.close()
