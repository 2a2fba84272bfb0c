"""The streamed-reply renderer: a live Markdown tail, frozen segments, and plain text past Markdown sizes.

Modules are imported where used (no imports here), so the chat's first frame does not wait for Markdown.
"""
