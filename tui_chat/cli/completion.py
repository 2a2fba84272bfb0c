"""`tui-chat completion SHELL`: a bash, zsh or fish completion script made by shtab from the argument parser.

Commands and options come from the parser itself; provider names, model ids and conversation ids are
asked of the hidden `tui-chat __complete KIND` at each Tab, so they are the ones of the moment.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, TextIO

from tui_chat.cli import output

if TYPE_CHECKING:
    from tui_chat.services.container import AppServices

SHELLS = ("bash", "zsh", "fish")
KINDS = ("providers", "models", "conversations")
COMPLETED_BY_DEST = {"provider": "providers", "model": "models", "conversation": "conversations"}
"""Which options and arguments (by their dest) complete with which kind of value."""
COMPLETED_POSITIONALS = {("show", "conversation_id"), ("export", "conversation_id")}

INSTALL_HELP = """\
Load it in the current shell, or install it for every new one:
  bash: eval "$(tui-chat completion bash)"   or  tui-chat completion bash > ~/.local/share/bash-completion/completions/tui-chat
  zsh:  tui-chat completion zsh > "${fpath[1]}/_tui-chat"   (then start a new shell)
  fish: tui-chat completion fish > ~/.config/fish/completions/tui-chat.fish"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `completion` and the hidden `__complete` on the main parser's subcommands."""
    completion = commands.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh or fish)",
        description="Print a completion script covering commands, options, providers, models and conversation ids.",
        epilog=INSTALL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    hidden = commands.add_parser("__complete", description="Values for shell completion, one a line.")
    hidden.add_argument("kind", choices=KINDS)


def script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of `parser` for `shell`, dynamic values wired to `tui-chat __complete`."""
    import shtab

    _attach(parser, subcommand=None)
    return shtab.complete(parser, shell=shell)


def _attach(parser: argparse.ArgumentParser, *, subcommand: str | None) -> None:
    """Give each option or argument naming a provider, model or conversation its dynamic completion."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                _attach(child, subcommand=name)
            continue
        kind = COMPLETED_BY_DEST.get(action.dest) if action.option_strings else None
        if not action.option_strings and (subcommand, action.dest) in COMPLETED_POSITIONALS:
            kind = "conversations"
        if kind is not None:
            action.complete = dynamic(kind)  # type: ignore[attr-defined]


def dynamic(kind: str) -> dict[str, object]:
    """shtab's completion spec for values of `kind`: a shell function that asks `tui-chat __complete` at each Tab.

    A function, not a command substitution in the spec: zsh would run one of those for every option
    each time it loads the completion, before the first Tab could answer.
    """
    function = f"_tui_chat_complete_{kind}"
    ask = f"tui-chat __complete {kind} 2>/dev/null"
    return {
        "bash": function,
        "zsh": function,
        "fish": f"({ask})",
        "preamble": {
            "bash": f'{function}() {{\n  compgen -W "$({ask})" -- "$1"\n}}',
            "zsh": f'{function}() {{\n  local -a values\n  values=(${{(f)"$({ask})"}})\n  compadd -V {kind} -- $values\n}}',
        },
    }


def run_completion(parser: argparse.ArgumentParser, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the completion script for `args.shell`."""
    (out or sys.stdout).write(script(parser, args.shell))
    return output.OK


async def run_complete(services: AppServices, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the values of one kind, one a line; nothing at all when they cannot be read (a Tab never fails loudly)."""
    out = out or sys.stdout
    try:
        values = await _values(services, args.kind)
    except Exception:  # completion is best effort: a broken database must not spill into the command line
        return output.FAILED
    finally:
        await services.aclose()
    out.write("".join(f"{value}\n" for value in values))
    return output.OK


async def _values(services: AppServices, kind: str) -> list[str]:
    """Provider names, model ids (configured and recently used) or conversation ids (newest first)."""
    registry = services.registry
    if kind == "providers":
        return sorted(registry.providers)
    if not services.paths.database.exists():  # a Tab creates no database
        recent: dict[str, list[str]] = {}
        summaries = []
    else:
        conversations = await services.conversations()
        recent = {name: await conversations.recent_models(name) for name in registry.providers}
        summaries = await conversations.summaries() if kind == "conversations" else []
    if kind == "conversations":
        return [str(summary.conversation.id) for summary in summaries]
    models = [services.settings.default_model, *(provider.default_model for provider in registry.providers.values())]
    models += [model for names in recent.values() for model in names]
    return sorted({model for model in models if model and model.strip() == model and " " not in model})
