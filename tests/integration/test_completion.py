"""Shell completion: the scripts `tui-chat completion SHELL` prints, loaded and run by real bash, fish and zsh."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import subprocess_env
from tests.integration.test_cli_ask_options import EXECUTABLE, tui_chat
from tests.integration.test_newcomer_tmux import tmux  # noqa: F401  (the fixture)

XDG_VARIABLES = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


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


def test_zsh_completes_on_tab_in_a_real_interactive_shell(isolated_environment: Path, loopback, tmux) -> None:
    needs("zsh")
    folder = isolated_environment / "zsh"
    script = write_script(isolated_environment, "zsh", "zsh/functions/_tui-chat")
    syntax = subprocess.run(["zsh", "-n", str(script)], capture_output=True, text=True, timeout=60)
    assert syntax.returncode == 0 and syntax.stderr == ""
    asked = tui_chat(isolated_environment, "ask", "one", "--model", "demo-fast", "--base-url", loopback.base_url)
    assert asked.returncode == 0, asked.stderr
    env = shell_env(isolated_environment)
    exports = " ".join(f"{name}={shlex.quote(env[name])}" for name in ("PATH", *XDG_VARIABLES))
    (folder / ".zshrc").write_text(
        f"export {exports}\nPS1='%% '\nfpath=({folder / 'functions'} $fpath)\n"
        f"autoload -U compinit && compinit -u -d {folder / 'zcompdump'}\n"
    )
    tmux.start(f"env ZDOTDIR={shlex.quote(str(folder))} zsh -i")
    tmux.wait_for(lambda screen: screen.startswith("%"), "the zsh prompt")
    tmux.literal("tui-chat sh")
    tmux.keys("Tab")
    tmux.wait_for(lambda screen: "% tui-chat show" in screen, "the subcommand completed")
    tmux.keys("C-u")
    tmux.literal("tui-chat ask --provider dem")
    tmux.keys("Tab")
    tmux.wait_for(lambda screen: "% tui-chat ask --provider demo\n" in screen, "the provider completed")
    tmux.keys("C-u")
    tmux.literal("tui-chat show ")
    tmux.keys("Tab")
    tmux.wait_for(lambda screen: "% tui-chat show 1\n" in screen, "the conversation id completed")


def test_the_helper_is_hidden_from_help_and_prints_nothing_on_a_broken_database(
    isolated_environment: Path, app_paths
) -> None:
    help_text = tui_chat(isolated_environment, "--help").stdout
    assert "completion" in help_text and "models" in help_text and "__complete" not in help_text
    app_paths.database.parent.mkdir(parents=True, exist_ok=True)
    app_paths.database.write_bytes(b"this is not a database" * 100)
    broken = tui_chat(isolated_environment, "__complete", "conversations")
    assert (broken.returncode, broken.stdout, broken.stderr) == (1, "", "")
    assert tui_chat(isolated_environment, "__complete", "providers").stdout.split()[:2] == ["deepseek", "demo"]
