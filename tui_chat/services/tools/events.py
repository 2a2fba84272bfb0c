"""What the tool loop reports: pieces of streamed tool calls, and each call as it starts and ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

CallStatus = Literal["pending", "running", "ok", "error", "denied", "cancelled"]


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a streamed tool call: the call at `index` gets this id, name or more argument text."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(slots=True)
class ToolCall:
    """One call the model asked for, and (once run, denied or refused) its result."""

    id: str
    name: str
    arguments: str
    round_number: int = 1
    status: CallStatus = "pending"
    result: str = ""
    duration_ms: int | None = None
    source: str = ""
    """Where the tool lives: "built-in" or the MCP server's name ("" for an unknown tool)."""

    def to_dict(self) -> dict[str, Any]:
        """The call as stored in the reply's rounds."""
        return {
            "id": self.id,
            "name": self.name,
            "arguments": self.arguments,
            "status": self.status,
            "result": self.result,
            "duration_ms": self.duration_ms,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], round_number: int) -> ToolCall:
        """A stored call; missing fields take harmless defaults."""
        return cls(
            id=str(data.get("id", "")),
            name=str(data.get("name", "")),
            arguments=str(data.get("arguments", "")),
            round_number=round_number,
            status=data.get("status", "cancelled"),
            result=str(data.get("result", "")),
            duration_ms=data.get("duration_ms"),
            source=str(data.get("source", "")),
        )


@dataclass(slots=True)
class ToolRound:
    """One response that asked for tools: the text it carried and its calls."""

    text: str
    calls: list[ToolCall] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ToolCallStarted:
    """A call is about to run (or be answered with an error or a denial)."""

    call: ToolCall


@dataclass(frozen=True, slots=True)
class ToolCallEnded:
    """A call has its result, its status and its duration."""

    call: ToolCall
