"""`ask`'s options: the prompt from stdin and the argument, and the checks made before anything is sent."""

from __future__ import annotations

import argparse
import io

import pytest

from tui_chat.cli.ask_options import AskOptions, add_options, read_prompt
from tui_chat.core.conversation_settings import SettingsOverride


class Terminal(io.StringIO):
    """Stdin as a terminal: never read unless the prompt is to come from it."""

    def isatty(self) -> bool:
        return True

    def read(self, *args: object) -> str:
        raise AssertionError("a terminal was read for a prompt given as an argument")


def parse(*argv: str) -> AskOptions:
    parser = argparse.ArgumentParser()
    add_options(parser)
    return AskOptions.from_args(parser.parse_args(argv))


@pytest.mark.parametrize(
    ("argument", "piped", "prompt"),
    [
        ("ARG", "STDIN", "STDIN\n\nARG"),
        ("ARG", "STDIN\n", "STDIN\n\nARG"),
        ("ARG", "STDIN\r\n\n", "STDIN\n\nARG"),
        ("ARG", "  first line indented\n", "  first line indented\n\nARG"),
        ("ARG", "", "ARG"),
        ("ARG", " \n\t\n", "ARG"),
        ("-", "only stdin\n", "only stdin\n"),
        (None, "only stdin\n", "only stdin\n"),
    ],
)
def test_piped_text_comes_first_then_a_blank_line_then_the_argument(
    argument: str | None, piped: str, prompt: str
) -> None:
    assert read_prompt(argument, io.StringIO(piped)) == prompt


def test_a_terminal_is_not_read_when_the_prompt_is_an_argument() -> None:
    assert read_prompt("ARG", Terminal()) == "ARG"
    assert read_prompt("ARG", None) == "ARG" and read_prompt(None, None) == ""


def test_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(ValueError, match="not UTF-8"):
        read_prompt("ARG", io.StringIO("\udcff\udcfe"))
    with pytest.raises(ValueError, match="not UTF-8"):
        read_prompt("bad \udce9", io.StringIO(""))


def test_options_are_parsed_and_checked() -> None:
    options = parse("hi", "-s", "Be brief.", "--temperature", "0.5", "--max-tokens", "1_000", "--no-stream", "-q")
    assert (options.prompt, options.system, options.temperature, options.max_tokens) == ("hi", "Be brief.", 0.5, 1000)
    assert options.stream is False and options.quiet is True and options.format == "text"
    assert options.override({}) == SettingsOverride("Be brief.", 0.5, 1000)
    assert not parse("hi").override({}) and parse("hi").stream is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("x", "-c", "--conversation", "3"), "either --conversation or -c/--continue"),
        (("x", "--new", "--conversation", "3"), "either --conversation or --new"),
        (("x", "-s", "a", "--preset", "b"), "either -s/--system or --preset"),
        (("x", "-q", "--format", "jsonl"), "cannot be used with --format jsonl"),
        (("x", "--temperature", "2.01"), "Temperature must be from 0 to 2"),
        (("x", "--max-tokens", "-5"), "Max tokens must be at least 1"),
    ],
)
def test_conflicting_or_bad_options_name_the_problem(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(*argv)


def test_the_later_of_continue_and_new_wins() -> None:
    assert parse("x", "--new", "-c").continue_last is True
    assert parse("x", "-c", "--new").continue_last is False


def test_a_preset_becomes_the_system_prompt_and_an_unknown_one_lists_the_known() -> None:
    options = parse("x", "--preset", "terse")
    assert options.override({"terse": "Answer in one line."}).system_prompt == "Answer in one line."
    with pytest.raises(ValueError, match=r"no preset called 'terse' \(presets: a, b\)"):
        options.override({"b": "", "a": ""})


def test_options_other_features_add_are_fields_of_the_same_options() -> None:
    options = parse("hi", "-a", "a.png", "-a", "b.md", "--tools", "--yes")
    assert (options.files, options.tools, options.approve_all, options.cache_ttl) == (
        ("a.png", "b.md"),
        True,
        True,
        None,
    )
    assert parse("hi", "--cache-ttl", "60", "--cache").cache_ttl == 60
    assert parse("hi", "--cache").cache_ttl == 30 * 86_400
    assert parse("hi").cache_ttl is None


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("hi", "--cache-ttl", "60"), "--cache-ttl needs --cache"),
        (("hi", "--cache", "--cache-ttl", "0"), "--cache-ttl needs --cache"),
        (("hi", "--cache", "-a", "a.png"), "--cache answers only prompts without attachments"),
    ],
)
def test_the_cache_refuses_what_its_key_does_not_cover(argv: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(*argv)
