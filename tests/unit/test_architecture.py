"""The layering rules hold: import-linter's contracts in pyproject.toml are all kept."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


def test_start_up_does_not_import_the_heavy_modules() -> None:
    code = (
        "import sys; import tui_chat.cli, tui_chat.app; from tui_chat.services.bootstrap import build_services;"
        "heavy = [m for m in ('openai', 'genai_prices', 'tiktoken', 'aiosqlite', 'pydantic') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
