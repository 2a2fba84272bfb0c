"""When the app asks the terminal about graphics for thumbnails (it must ask before it starts)."""

from __future__ import annotations

from tui_chat.widgets.thumbnails import thumbnail, worth_asking


def test_auto_asks_only_terminals_known_for_graphics() -> None:
    assert worth_asking("auto", {"TERM": "xterm-kitty"}, True)
    assert worth_asking("auto", {"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, True)
    assert worth_asking("auto", {"KITTY_WINDOW_ID": "1", "TERM": "xterm"}, True)
    assert not worth_asking("auto", {"TERM": "tmux-256color"}, True)
    assert not worth_asking("auto", {"TERM": "xterm-kitty"}, False)
    assert worth_asking("on", {"TERM": "dumb"}, True)
    assert not worth_asking("off", {"TERM": "xterm-kitty"}, True)


def test_no_thumbnail_without_a_graphics_protocol() -> None:
    assert thumbnail(b"\x89PNG not really") is None
