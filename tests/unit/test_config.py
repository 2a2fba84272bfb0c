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
    ("text", "expected"),
    [
        ("theme = \n", "invalid TOML"),
        ('theme = "x"\n[retry]\nattempts = "four"\n', "line 3: field 'retry.attempts'"),
        ("[network]\nstall_timeout = -1\n", "line 2: field 'network.stall_timeout'"),
        ('[providers.mine]\nbase_url = "http://x"\ncolour = "red"\n', "line 3: field 'providers.mine.colour': unknown field"),
        ("unknown_setting = 1\n", "line 1: field 'unknown_setting': unknown field"),
    ],
)
def test_bad_files_name_file_line_and_field_and_fall_back_to_defaults(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    settings, problems = load_settings(path)
    assert settings == Settings()
    assert len(problems) >= 1
    message = problems[0].message
    assert str(path) in message
    assert expected in message
    assert "using defaults" in message


def test_undecodable_file_is_reported_not_raised(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    settings, problems = load_settings(path)
    assert settings == Settings() and "cannot read" in problems[0].message
