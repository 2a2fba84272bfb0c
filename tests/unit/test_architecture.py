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


LOADED_ON_DEMAND = (
    "openai",
    "genai_prices",
    "tiktoken",
    "aiosqlite",
    "pydantic",
    "httpx",
    "email.utils",
    "tui_chat.services.llm",
    "tui_chat.services.conversation_export",
    "tui_chat.store",
    "tui_chat.widgets.conversation_list",
    "tui_chat.screens.confirm",
    "tui_chat.screens.search",
    "tui_chat.screens.model_picker",
    "tui_chat.screens.choice_picker",
    "tui_chat.screens.conversation_settings",
)
"""Not needed for the first frame: each is imported when first used (the start-up benchmark times the rest)."""


def test_start_up_does_not_import_what_the_first_frame_does_not_need() -> None:
    code = (
        "import sys; import tui_chat.cli, tui_chat.app; tui_chat.cli.build_parser().parse_args([]);"
        "from tui_chat.services.bootstrap import build_services;"
        f"print(','.join(m for m in {LOADED_ON_DEMAND!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
