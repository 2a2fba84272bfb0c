"""`make run` installs only the app, `make test` the test tools too; the stamps let either follow the other."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh copy of the Makefile and pyproject.toml, as a new clone has them (no .venv)."""
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def planned(clone: Path, target: str) -> str:
    """The commands `make -n target` would run."""
    result = subprocess.run(["make", "-n", target], cwd=clone, capture_output=True, text=True, check=True)
    return result.stdout


def installed(clone: Path, *stamps: str) -> None:
    """Make the venv look set up, with these stamps newer than pyproject.toml."""
    (clone / ".venv" / "bin").mkdir(parents=True, exist_ok=True)
    (clone / ".venv" / "bin" / "python").touch()
    later = (clone / "pyproject.toml").stat().st_mtime + 10
    for stamp in stamps:
        path = clone / ".venv" / stamp
        path.touch()
        os.utime(path, (later, later))


def test_a_fresh_clone_runs_with_the_app_alone_and_tests_with_the_tools(clone: Path) -> None:
    run = planned(clone, "run")
    assert "-m venv" in run and "pip install --quiet -e .\n" in run and "[test]" not in run
    test = planned(clone, "test")
    assert "pip install --quiet -e '.[test]'" in test


def test_test_after_run_installs_the_tools_and_run_after_test_installs_nothing(clone: Path) -> None:
    installed(clone, ".installed-app")
    assert "pip install" not in planned(clone, "run")
    assert "'.[test]'" in planned(clone, "test")
    installed(clone, ".installed-app", ".installed")
    assert "pip install" not in planned(clone, "run")
    assert "pip install" not in planned(clone, "test")


def test_a_changed_pyproject_reinstalls_for_both(clone: Path) -> None:
    installed(clone, ".installed-app", ".installed")
    later = (clone / ".venv" / ".installed").stat().st_mtime + 10
    os.utime(clone / "pyproject.toml", (later, later))
    assert "pip install --quiet -e .\n" in planned(clone, "run")
    assert "'.[test]'" in planned(clone, "test")
