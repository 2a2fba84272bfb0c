"""config.toml: defaults, strict validation, and messages that name the file, line and field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from tui_chat.config import BUILTIN_PROVIDERS, Settings, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file_means_defaults_and_the_demo_provider(tmp_path: Path) -> None:
    settings, problems = load_settings(tmp_path / "absent.toml")
    assert problems == []
    assert settings == Settings()
    assert settings.default_provider == "demo"


def test_valid_file_is_read_with_exact_prices_and_user_providers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'default_provider = "local"\n[retry]\nattempts = 2\n'
        '[providers.local]\nbase_url = "http://127.0.0.1:8080/v1"\nneeds_key = false\ndefault_model = "qwen"\n'
        '[prices."gpt-4o"]\ninput = "2.50"\noutput = 10\n',
    )
    settings, problems = load_settings(path)
    assert problems == []
    assert settings.retry.attempts == 2
    assert settings.all_providers()["local"].base_url == "http://127.0.0.1:8080/v1"
    assert set(BUILTIN_PROVIDERS) <= set(settings.all_providers())
    assert settings.prices["gpt-4o"].input == Decimal("2.50")


@pytest.mark.parametrize(
    ("text", "expected", "ignoring"),
    [
        ("theme = \n", "invalid TOML", "using defaults"),
        ('theme = "x"\n[retry]\nattempts = "four"\n', "line 3: field 'retry.attempts'", "Ignoring 'retry.attempts'"),
        (
            "[network]\nstall_timeout = -1\n",
            "line 2: field 'network.stall_timeout'",
            "Ignoring 'network.stall_timeout'",
        ),
        (
            '[providers.mine]\nbase_url = "http://x"\ncolour = "red"\n',
            "line 3: field 'providers.mine.colour': unknown field",
            "Ignoring [providers.mine]",
        ),
        ("unknown_setting = 1\n", "line 1: field 'unknown_setting': unknown field", "Ignoring 'unknown_setting'"),
    ],
)
def test_bad_files_name_file_line_and_field_and_what_is_ignored(
    tmp_path: Path, text: str, expected: str, ignoring: str
) -> None:
    path = write(tmp_path, text)
    settings, problems = load_settings(path)
    assert len(problems) == 1
    message = problems[0].message
    assert str(path) in message
    assert expected in message
    assert ignoring in message
    assert settings.retry == Settings().retry and settings.network == Settings().network and settings.providers == {}


def test_one_bad_field_is_dropped_and_every_valid_section_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'show_sidebar = "yes"\ntheme = "nord"\n[retry]\nattempts = "four"\nbase_delay = 2.0\n'
        '[providers.mine]\nbase_url = "http://127.0.0.1:9/v1"\nneeds_key = false\n'
        '[providers.broken]\nbase_url = "ftp://x"\n[prices.m]\ninput = 1\noutput = 2\n'
        '[budget]\ndaily = "-1"\nover_budget = "refuse"\n[keymap]\n"chat.search" = 3\n"chat.new" = "ctrl+t"\n',
    )
    settings, problems = load_settings(path)
    assert settings.theme == "nord" and settings.show_sidebar is True
    assert settings.retry.base_delay == 2.0 and settings.retry.attempts == 4
    assert set(settings.providers) == {"mine"} and settings.providers["mine"].base_url == "http://127.0.0.1:9/v1"
    assert settings.prices["m"].output == Decimal(2)
    assert settings.budget.over_budget == "refuse" and settings.budget.daily is None
    assert settings.keymap == {"chat.new": "ctrl+t"}
    fields = [problem.location for problem in problems]
    assert fields == [
        ("show_sidebar",),
        ("retry", "attempts"),
        ("providers", "broken", "base_url"),
        ("budget", "daily"),
        ("keymap", "chat.search"),
    ]
    assert "line 1: field 'show_sidebar'" in problems[0].message


@pytest.mark.parametrize(
    "text",
    [
        '[keymap]\nchat.new = "ctrl+t"\n',
        '[keymap]\n"chat.new" = "ctrl+t"\n',
        'keymap.chat.new = "ctrl+t"\n',
        "[keymap.chat]\nnew = 'ctrl+t'\n",
    ],
)
def test_a_keymap_id_may_be_written_dotted_or_quoted(tmp_path: Path, text: str) -> None:
    settings, problems = load_settings(write(tmp_path, text))
    assert problems == []
    assert settings.keymap == {"chat.new": "ctrl+t"}


def test_undecodable_file_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    settings, problems = load_settings(path)
    assert settings == Settings() and "cannot read" in problems[0].message


def test_a_built_in_provider_table_changes_only_the_fields_it_sets(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[providers.openai]\nbase_url = "http://127.0.0.1:9/v1"\n[providers.mine]\nbase_url = "http://127.0.0.1:8/v1"\n'
    )
    settings, problems = load_settings(path)
    assert problems == []
    openai = settings.all_providers()["openai"]
    assert openai.base_url == "http://127.0.0.1:9/v1"
    assert openai.key_env == BUILTIN_PROVIDERS["openai"].key_env == "OPENAI_API_KEY"
    assert openai.default_model == BUILTIN_PROVIDERS["openai"].default_model
    assert settings.all_providers()["mine"].key_env is None
