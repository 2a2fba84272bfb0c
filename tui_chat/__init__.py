"""tui-chat: a terminal chat client for OpenAI-compatible endpoints."""

__version__ = "0.1.0"
