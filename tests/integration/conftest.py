"""Fixtures that run the offline demo server, the loopback endpoint of every network test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.loopback import LoopbackServer

UNTHROTTLED: dict[str, float | None] = {"demo": None, "demo-fast": None}


@pytest.fixture
def demo_server_factory() -> Iterator[Callable[..., LoopbackServer]]:
    """Start demo servers with custom options (unthrottled unless told otherwise); all stop after the test."""
    started: list[LoopbackServer] = []

    def start(**options: Any) -> LoopbackServer:
        options.setdefault("tokens_per_second", dict(UNTHROTTLED))
        server = LoopbackServer(**options)
        server.start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def demo_server(demo_server_factory: Callable[..., LoopbackServer]) -> LoopbackServer:
    """A running, unthrottled demo server."""
    return demo_server_factory()
