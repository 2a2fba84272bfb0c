"""The [tools] and [mcp.NAME] settings of config.toml: built-in tools, the tool loop's limits, MCP servers."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec
from msgspec import Meta, field

from tui_chat.config_checks import MAX_BUDGET, check_amount


class ToolSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Function calling: which built-in tools are on, their limits and what runs without asking."""

    enabled: list[str] = field(default_factory=list)
    """Built-in tools offered to the model: "current_time", "read_file", "list_directory" (all off by default)."""
    root: str | None = None
    """The directory read_file and list_directory may read under; the working directory when unset."""
    always_allow: list[str] = field(default_factory=list)
    """Tools that run without asking (meant for the read-only built-ins)."""
    max_rounds: Annotated[int, Meta(ge=1, le=50)] = 8
    """The most requests one reply may make while the model keeps calling tools."""
    max_cost_per_reply: Decimal | None = None
    """Stop the tool loop once one reply's requests have cost this much (USD)."""
    max_parallel: Annotated[int, Meta(ge=1, le=16)] = 4
    """The most tool calls of one response that run at the same time."""

    def __post_init__(self) -> None:
        check_amount("max_cost_per_reply", self.max_cost_per_reply, at_most=MAX_BUDGET, positive=True)


class McpServerSettings(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """One MCP server: a command run over stdio, or the URL of a streamable HTTP endpoint."""

    command: str | None = None
    """The program to start (stdio)."""
    args: list[str] = field(default_factory=list)
    """Its arguments."""
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment variables for it."""
    url: str | None = None
    """The streamable HTTP endpoint, instead of a command."""

    def __post_init__(self) -> None:
        if (self.command is None) == (self.url is None):
            raise ValueError("give either command or url")
