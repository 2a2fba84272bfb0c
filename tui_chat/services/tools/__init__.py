"""Function calling: the tool registry, the built-in tools, MCP servers and the loop that runs a reply's tool calls.

Nothing here is imported at start-up; the loop loads the first time a conversation offers tools.
"""
