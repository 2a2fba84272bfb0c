"""`tui-chat prices MODEL` as a user runs it: genai-prices' rates, an override, local, tiers, an unknown model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import genai_prices
import genai_prices.data_snapshot as snapshot

from tests.integration.test_cli import run


def genai_rates(provider: str, model: str) -> dict[str, object]:
    found = snapshot.find_provider_by_id(snapshot.get_snapshot().providers, provider)
    assert found is not None
    info = found.find_model(model, all_providers=snapshot.get_snapshot().providers)
    assert info is not None
    return vars(info.get_prices(datetime.now(UTC)))


def test_prices_of_a_listed_model_are_genai_prices_figures(isolated_environment: Path) -> None:
    rates = genai_rates("openai", "gpt-4o")
    done = run(isolated_environment, "prices", "--provider", "openai", "gpt-4o")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "gpt-4o at openai, dollars per million tokens"
    assert lines[1].split() == ["input", f"${rates['input_mtok']:.2f}"]
    assert lines[2].split() == ["cached", "input", f"${rates['cache_read_mtok']:.2f}"]
    assert lines[3].split() == ["output", f"${rates['output_mtok']:.2f}"]
    assert lines[-1] == f"source: genai-prices {genai_prices.__version__}:openai/gpt-4o"


def test_tiers_are_shown(isolated_environment: Path) -> None:
    done = run(isolated_environment, "prices", "--provider", "openrouter", "anthropic/claude-sonnet-4.5")
    assert done.returncode == 0, done.stderr
    assert "cache write" in done.stdout
    assert "from 200,000 input tokens" in done.stdout


def test_an_override_wins_and_says_so(isolated_environment: Path) -> None:
    config = isolated_environment / "config" / "tui-chat" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[prices."gpt-4o"]\ninput = "2.125"\noutput = "9"\n')
    done = run(isolated_environment, "prices", "--provider", "openai", "gpt-4o")
    assert done.returncode == 0, done.stderr
    assert "$2.125" in done.stdout and "$9.00" in done.stdout
    assert "source: config override" in done.stdout


def test_local_and_unknown_models(isolated_environment: Path) -> None:
    local = run(isolated_environment, "prices", "--provider", "ollama", "llama3.2")
    assert local.returncode == 0 and "source: local (free)" in local.stdout
    unknown = run(isolated_environment, "prices", "--provider", "openai", "no-such-model\x1b[31m")
    assert unknown.returncode == 2 and unknown.stdout == ""
    assert "No price is known" in unknown.stderr and "\x1b" not in unknown.stderr and "Traceback" not in unknown.stderr
    bad_provider = run(isolated_environment, "prices", "--provider", "nowhere", "gpt-4o")
    assert bad_provider.returncode == 1 and "Traceback" not in bad_provider.stderr
