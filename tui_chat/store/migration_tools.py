"""The schema of tool calls: the rounds of a reply, the round of each usage row, per-conversation switches."""

from __future__ import annotations

TOOLS = """
ALTER TABLE messages ADD COLUMN tool_rounds TEXT NOT NULL DEFAULT '';
ALTER TABLE usage ADD COLUMN round_number INTEGER NOT NULL DEFAULT 0;
CREATE TABLE conversation_tools (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    tool TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    always_allow INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (conversation_id, tool)
);
"""
"""`tool_rounds` is a JSON list of the reply's tool rounds ('' for none); `round_number` counts a reply's
requests from 1 (0 for a reply without tools); `conversation_tools` holds a conversation's switches."""
