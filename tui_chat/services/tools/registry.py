"""Tools the model may call: each a name, a description, a JSON schema of its arguments and a coroutine to run it.

A built-in's schema is generated from its typed Python signature with pydantic, which also checks the
arguments the model sends before the function runs.
"""

from __future__ import annotations

import asyncio
import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

BUILT_IN = "built-in"


class ToolError(Exception):
    """A tool could not do what was asked; the message goes back to the model as the call's result."""


@dataclass(frozen=True, slots=True)
class Tool:
    """One callable tool as the model sees it, and how to run it."""

    name: str
    description: str
    parameters: dict[str, Any]
    run: Callable[[dict[str, Any]], Awaitable[str]]
    source: str = BUILT_IN
    read_only: bool = False

    def spec(self) -> dict[str, Any]:
        """The tool in the form the chat completions API takes in `tools`."""
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


def function_tool(function: Callable[..., Any], *, read_only: bool = False) -> Tool:
    """A tool from a typed function: its name, its docstring's first paragraph, and a schema of its parameters."""
    import pydantic

    hints = typing.get_type_hints(function, include_extras=True)
    fields: dict[str, Any] = {}
    for name, parameter in inspect.signature(function).parameters.items():
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[name] = (hints.get(name, Any), default)
    arguments_model = pydantic.create_model(
        f"{function.__name__}_arguments", __config__=pydantic.ConfigDict(extra="forbid"), **fields
    )
    schema = arguments_model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)

    async def run(arguments: dict[str, Any]) -> str:
        try:
            checked = arguments_model.model_validate(arguments)
        except pydantic.ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(part) for part in problem['loc']) or 'arguments'}: {problem['msg']}"
                for problem in error.errors()
            )
            raise ToolError(f"invalid arguments: {problems}") from None
        values = {name: getattr(checked, name) for name in fields}
        if inspect.iscoroutinefunction(function):
            return str(await function(**values))
        return str(await asyncio.to_thread(function, **values))

    description = inspect.cleandoc(function.__doc__ or "").split("\n\n")[0].replace("\n", " ")
    return Tool(function.__name__, description, schema, run, BUILT_IN, read_only)


class ToolRegistry:
    """The tools known by name; a later tool with a taken name is refused."""

    def __init__(self) -> None:
        self._tools: dict[str, Tool] = {}

    def add(self, tool: Tool) -> bool:
        """Register a tool; False (and nothing changes) when its name is taken."""
        if tool.name in self._tools:
            return False
        self._tools[tool.name] = tool
        return True

    def get(self, name: str) -> Tool | None:
        """The tool of this name, or None."""
        return self._tools.get(name)

    def all(self) -> list[Tool]:
        """Every tool, in the order they were added."""
        return list(self._tools.values())
