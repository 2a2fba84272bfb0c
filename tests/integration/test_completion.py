"""Shell completion: the scripts `tui-chat completion SHELL` prints, loaded and run by real bash, fish and zsh."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.integration.test_cli_ask_options import EXECUTABLE, tui_chat


def shell_env(home: Path) -> dict[str, str]:
    """The isolated environment with the installed `tui-chat` first on PATH, as a user's shell has it."""
    env = subprocess_env(home)
    env["PATH"] = f"{EXECUTABLE.parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def needs(shell: str) -> str:
    found = shutil.which(shell)
    if found is None:
        pytest.skip(f"{shell} is not installed")
    return found


def bash_complete(home: Path, script: Path, line: str) -> list[str]:
    """What bash offers for Tab at the end of `line`, through the function the script registers."""
    program = f"""
source {script}
function_name=$(complete -p tui-chat | sed -E 's/.* -F ([^ ]+) .*/\\1/')
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="$LINE"
COMP_POINT=${{#LINE}}
"$function_name" tui-chat "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    env = shell_env(home) | {"LINE": line}
    done = subprocess.run([needs("bash"), "--norc", "-c", program], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    return [word.strip() for word in done.stdout.splitlines() if word.strip()]


def write_script(home: Path, shell: str, name: str) -> Path:
    result = tui_chat(home, "completion", shell)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    path = home / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(result.stdout)
    return path


def test_bash_completes_commands_options_and_live_values(isolated_environment: Path, loopback) -> None:
    script = write_script(isolated_environment, "bash", "tui-chat.bash")
    assert bash_complete(isolated_environment, script, "tui-chat sh") == ["show"]
    assert "models" in bash_complete(isolated_environment, script, "tui-chat mo")
    assert bash_complete(isolated_environment, script, "tui-chat __") == []  # the hidden helper stays hidden
    assert "--temperature" in bash_complete(isolated_environment, script, "tui-chat ask --te")
    assert bash_complete(isolated_environment, script, "tui-chat ask --provider dem") == ["demo"]
    assert bash_complete(isolated_environment, script, "tui-chat completion f") == ["fish"]
    assert bash_complete(isolated_environment, script, "tui-chat show ") == []  # no conversation yet
    assert not (isolated_environment / "data" / "tui-chat" / "tui-chat.db").exists()  # a Tab creates nothing
    for prompt in ("one", "two"):
        asked = tui_chat(isolated_environment, "ask", prompt, "--model", "demo-fast", "--base-url", loopback.base_url)
        assert asked.returncode == 0, asked.stderr
    assert bash_complete(isolated_environment, script, "tui-chat show ") == ["2", "1"]
    assert bash_complete(isolated_environment, script, "tui-chat ask --conversation ") == ["2", "1"]
    assert "demo-fast" in bash_complete(isolated_environment, script, "tui-chat ask --model demo")


def test_fish_completes_commands_and_providers(isolated_environment: Path) -> None:
    script = write_script(isolated_environment, "fish", "tui-chat.fish")

    def complete(line: str) -> list[str]:
        done = subprocess.run(
            [needs("fish"), "--no-config", "-c", f"source {script}; complete -C '{line}'"],
            capture_output=True,
            text=True,
            env=shell_env(isolated_environment),
            timeout=60,
        )
        assert done.returncode == 0 and done.stderr == "", done.stderr
        return [row.split("\t")[0] for row in done.stdout.splitlines()]

    assert complete("tui-chat sh") == ["show"]
    assert complete("tui-chat ask --provider dem") == ["demo"]
    assert "--max-tokens" in complete("tui-chat ask --max")


def test_zsh_registers_the_completion_from_fpath_and_from_eval(isolated_environment: Path) -> None:
    folder = isolated_environment / "zsh-functions"
    script = write_script(isolated_environment, "zsh", "zsh-functions/_tui-chat")
    zsh = needs("zsh")
    syntax = subprocess.run([zsh, "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert syntax.returncode == 0 and syntax.stderr == ""
    dump = isolated_environment / "zcompdump"
    program = f"""
fpath=({folder} $fpath)
autoload -U compinit && compinit -u -d {dump}
print -r -- "fpath: $_comps[tui-chat]"
eval "$(tui-chat completion zsh)"
print -r -- "eval: $_comps[tui-chat]"
"""
    done = subprocess.run(
        [zsh, "-f", "-c", program], capture_output=True, text=True, env=shell_env(isolated_environment), timeout=60
    )
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.splitlines() == ["fpath: _tui-chat", "eval: _shtab_tui_chat"]
