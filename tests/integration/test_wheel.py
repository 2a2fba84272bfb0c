"""The built wheel carries the stylesheet and the built-in themes from themes/."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_themes_and_stylesheet(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    [wheel] = tmp_path.glob("tui_chat-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    built_in = sorted(path.name for path in (ROOT / "themes").glob("*.toml"))
    assert len(built_in) >= 4
    for name in built_in:
        assert f"tui_chat/themes/{name}" in names
    assert "tui_chat/app.tcss" in names
