"""`ask`'s options: declared in one place, parsed into one `AskOptions`, checked by the F2 dialog's validator.

To add an option: declare it in `add_options`, give `AskOptions` a field with a default, and read it in
`AskOptions.from_args`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from tui_chat.core.conversation_settings import SettingsOverride, parse_max_tokens, parse_temperature

FORMATS = ("text", "json", "jsonl")

EXIT_STATUSES = """\
The prompt is the argument; text piped on stdin comes first, then a blank line, then the argument
(`git diff | tui-chat ask "review this"`). With `-` or no argument, stdin alone is the prompt.

exit status:
  0    the reply finished (a truncated one too, with a warning on stderr)
  1    the request failed (server, network, key); the reply so far is kept
  2    usage error: bad option, empty prompt, unknown conversation or preset
  3    refused by the budget (raise it under [budget] in config.toml)
  130  cancelled with Ctrl-C; the reply so far is kept, marked cancelled
Every failure prints one line on stderr, `tui-chat: <reason>`."""


DEFAULT_CACHE_TTL = 30 * 86_400.0
"""How old a cached reply `ask --cache` uses may be when --cache-ttl is not given: 30 days."""


@dataclass(frozen=True, slots=True)
class AskOptions:
    """What `ask` was asked to do, checked; None for a setting keeps the conversation's own."""

    prompt: str | None = None
    """The prompt argument; None or `-` means stdin alone."""
    conversation_id: int | None = None
    continue_last: bool = False
    """Continue the most recently active conversation (-c); a new one when there is none."""
    system: str | None = None
    preset: str | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    stream: bool = True
    format: str = "text"
    quiet: bool = False
    tools: bool = False
    """Offer the configured tools, asking before each call (--tools)."""
    approve_all: bool = False
    """Approve every tool call of this run (--yes)."""
    files: tuple[str, ...] = ()
    """Files to attach (-a, repeatable)."""
    cache_ttl: float | None = None
    """With --cache: answer an identical earlier request from its stored reply at most this many seconds old."""

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> AskOptions:
        """The options of a parsed command line; ValueError names the first one that cannot be used."""
        conversation_id = getattr(args, "conversation", None)
        resume = getattr(args, "resume", None)
        if conversation_id is not None and resume is not None:
            flag = "-c/--continue" if resume == "continue" else "--new"
            raise ValueError(f"give either --conversation or {flag}, not both.")
        system, preset = getattr(args, "system", None), getattr(args, "preset", None)
        if system is not None and preset is not None:
            raise ValueError("give either -s/--system or --preset, not both.")
        text_format = getattr(args, "format", "text")
        quiet = bool(getattr(args, "quiet", False))
        if quiet and text_format != "text":
            raise ValueError(f"--quiet prints only the reply; it cannot be used with --format {text_format}.")
        cache, cache_ttl = bool(getattr(args, "cache", False)), getattr(args, "cache_ttl", None)
        if cache_ttl is not None and (not cache or not 0 < cache_ttl < 1e12):
            raise ValueError("--cache-ttl needs --cache and a number of seconds above 0.")
        if cache and getattr(args, "attach", None):
            raise ValueError("--cache answers only prompts without attachments; leave out -a or --cache.")
        return cls(
            prompt=getattr(args, "prompt", None),
            conversation_id=conversation_id,
            continue_last=resume == "continue",
            system=system,
            preset=preset,
            temperature=parse_temperature(getattr(args, "temperature", None) or ""),
            max_tokens=parse_max_tokens(getattr(args, "max_tokens", None) or "", None),
            stream=not getattr(args, "no_stream", False),
            format=text_format,
            quiet=quiet,
            tools=bool(getattr(args, "tools", False)),
            approve_all=bool(getattr(args, "yes", False)),
            files=tuple(getattr(args, "attach", None) or ()),
            cache_ttl=(cache_ttl or DEFAULT_CACHE_TTL) if cache else None,
        )

    def override(self, presets: Mapping[str, str]) -> SettingsOverride:
        """The settings this request sets; ValueError for a preset that is not configured."""
        system = self.system
        if self.preset is not None:
            if self.preset not in presets:
                known = ", ".join(sorted(presets)) or "none configured; add them under [presets] in config.toml"
                raise ValueError(f"no preset called '{self.preset}' (presets: {known}).")
            system = presets[self.preset]
        return SettingsOverride(system, self.temperature, self.max_tokens)


def add_options(ask: argparse.ArgumentParser) -> None:
    """Declare `ask`'s prompt and options on its parser."""
    ask.add_argument("prompt", nargs="?", help="the prompt; - (or nothing) reads it from stdin alone")
    ask.add_argument("--conversation", type=int, metavar="ID", help="continue this conversation")
    ask.add_argument(
        "-c",
        "--continue",
        dest="resume",
        action="store_const",
        const="continue",
        help="continue the most recently active conversation",
    )
    ask.add_argument(
        "--new", dest="resume", action="store_const", const="new", help="start a new conversation (the default)"
    )
    ask.add_argument("-s", "--system", metavar="TEXT", help="the system prompt (kept by the conversation)")
    ask.add_argument("--preset", metavar="NAME", help="the system prompt named NAME under [presets] in config.toml")
    ask.add_argument("--temperature", metavar="T", help="sampling temperature, 0 to 2")
    ask.add_argument("--max-tokens", metavar="N", help="the longest reply, in tokens")
    ask.add_argument("--no-stream", action="store_true", help="print the reply once it has finished")
    ask.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (the default); json: one object with the reply, usage, cost and timings; jsonl: one event a line",
    )
    ask.add_argument("-q", "--quiet", action="store_true", help="print only the reply: no warnings, no retry countdown")
    ask.add_argument("--tools", action="store_true", help="offer the configured tools, asking before each call")
    ask.add_argument("--yes", action="store_true", help="with --tools: approve every tool call of this run")
    ask.add_argument(
        "--cache",
        action="store_true",
        help="answer an identical earlier request (temperature 0) from the stored reply, at no cost",
    )
    ask.add_argument("--cache-ttl", type=float, metavar="SECONDS", help="with --cache: only replies this recent")
    ask.add_argument(
        "-a",
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="attach an image, text file or PDF (repeatable)",
    )


def read_prompt(argument: str | None, stdin: TextIO | None) -> str:
    """The prompt: piped stdin, a blank line, then the argument; stdin alone for `-` or no argument.

    A terminal on stdin is read only for `-` or no argument (the user types the prompt and Ctrl-D).
    Trailing line breaks of piped text are dropped before the blank line is added. ValueError when
    the prompt is not text (bytes that are not UTF-8, which Python keeps as lone surrogates).
    """
    if argument is None or argument == "-":
        prompt = stdin.read() if stdin is not None else ""
    elif stdin is None or stdin.isatty():
        prompt = argument
    else:
        piped = stdin.read().rstrip("\r\n")
        prompt = f"{piped}\n\n{argument}" if piped.strip() else argument
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the prompt is not UTF-8 text (binary input?).") from None
    return prompt
