"""`tui-chat keys ...` and `tui-chat doctor`: plain-text subcommands that never print a key or a traceback."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from tui_chat.config import ProviderSettings, Settings, load_settings
from tui_chat.core.errors import ConfigError, TuiChatError
from tui_chat.core.text import strip_control
from tui_chat.paths import AppPaths


class KeyInputError(TuiChatError):
    """The key typed or piped in cannot be used."""

    kind = "key_input"
    title = "Key not saved"


def add_subcommands(commands: argparse._SubParsersAction) -> None:
    """Register `keys` and `doctor` on the main parser's subcommands."""
    keys = commands.add_parser("keys", help="store, list or delete API keys in the system keyring")
    actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    set_key = actions.add_parser(
        "set", help="store a provider's key (asked for, or one line from stdin)",
        description="Store a provider's API key in the system keyring. The key is read from a hidden "
        "prompt, or one line of stdin when it is not a terminal; it is never taken from the command line.",
    )
    set_key.add_argument("provider", help="the provider name, e.g. openai")
    set_key.add_argument("--no-check", action="store_true", help="save without trying the key (GET /models)")
    actions.add_parser("list", help="show where each provider's key comes from, masked")
    delete = actions.add_parser("delete", help="remove a provider's key from the keyring")
    delete.add_argument("provider", help="the provider name")
    commands.add_parser("doctor", help="check config, storage, keyring, tokenizer and providers")


def run_command(args: argparse.Namespace, paths: AppPaths | None = None) -> int:
    """Run `keys` or `doctor` from parsed arguments and return the exit status."""
    paths = paths or AppPaths.default()
    try:
        if args.command == "doctor":
            from tui_chat.services.doctor import run_doctor

            return asyncio.run(run_doctor(paths, out=sys.stdout))
        settings, problems = _settings(paths)
        if args.keys_action == "set":
            return keys_set(settings, args.provider, check=not args.no_check, config_problems=problems)
        if args.keys_action == "list":
            return keys_list(settings)
        return keys_delete(settings, args.provider, config_problems=problems)
    except TuiChatError as exc:
        return report(exc)
    except KeyboardInterrupt:
        print("\ntui-chat: interrupted; nothing saved.", file=sys.stderr)
        return 130
    except Exception as exc:  # a clear message, never a traceback
        print(f"tui-chat: {strip_control(f'{type(exc).__name__}: {exc}')}", file=sys.stderr)
        return 1


def report(exc: TuiChatError) -> int:
    """Print an error, its detail and its next step on stderr as one line of plain text; return 1."""
    print(f"tui-chat: {exc.one_line()}", file=sys.stderr)
    return 1


def _settings(paths: AppPaths) -> tuple[Settings, list[ConfigError]]:
    """The settings and config problems, the problems shown as warnings (the built-in providers still work)."""
    settings, problems = load_settings(paths.config_file)
    for problem in problems:
        print(f"tui-chat: warning: {problem.one_line()}", file=sys.stderr)
    return settings, problems


def _provider(settings: Settings, name: str, config_problems: Sequence[ConfigError] = ()) -> ProviderSettings:
    """A provider by name, or an error listing the known ones (or naming why config.toml's was ignored)."""
    from tui_chat.services.providers import unknown_provider

    providers = settings.all_providers()
    if name not in providers:
        raise unknown_provider(name, providers, config_problems)
    return providers[name]


def read_key(prompt: str) -> str:
    """The key from a hidden prompt on a terminal, or the first line of stdin otherwise."""
    if sys.stdin.isatty():
        raw = getpass.getpass(prompt)
    else:
        raw = sys.stdin.readline()
    key = raw.strip()
    if not key:
        raise KeyInputError("The key is empty.", hint="Paste the key when asked, or pipe it on stdin.")
    if any(character.isspace() or not character.isprintable() for character in key):
        raise KeyInputError("The key contains spaces or control characters.", hint="Paste the key alone, on one line.")
    return key


def keys_set(settings: Settings, name: str, *, check: bool = True, config_problems: Sequence[ConfigError] = ()) -> int:
    """Read a key, optionally try it against the provider, and store it in the keyring."""
    from tui_chat.services.secrets import KeyStore, mask, validate_key

    provider = _provider(settings, name, config_problems)
    if not provider.needs_key or provider.base_url is None:
        raise KeyInputError(f"The provider '{name}' needs no key.", hint="Set needs_key = true in config.toml if it does.")
    store = KeyStore()
    store.check_usable(provider.key_env)
    key = read_key(f"API key for {name} (input hidden): ")
    if check:
        result = asyncio.run(validate_key(name, provider, provider.base_url, key))
        if not result.ok:
            raise KeyInputError(result.message, hint="Check the key, or pass --no-check to save it untried.")
        print(result.message)
    store.set_sync(name, key, provider.key_env)
    print(f"saved the key for {name} in the keyring ({mask(key)})")
    if store.env_key(provider) is not None:
        print(f"note: {provider.key_env} is set and takes precedence over the keyring")
    return 0


def keys_list(settings: Settings) -> int:
    """Print provider, source and masked key for every provider that needs a key."""
    from tui_chat.services.secrets import KeyStore

    store = KeyStore()
    problem = None
    for name, provider in sorted(settings.all_providers().items()):
        if not provider.needs_key:
            continue
        resolved = store.resolve_sync(name, provider)
        problem = problem or resolved.problem
        source = resolved.source or ("none (keyring unavailable)" if resolved.problem else "none")
        print(f"{name:<14} {source:<28} {resolved.masked or '-'}".rstrip())
    if problem is not None:
        print(f"tui-chat: warning: {problem.one_line()}", file=sys.stderr)
    return 0


def keys_delete(settings: Settings, name: str, *, config_problems: Sequence[ConfigError] = ()) -> int:
    """Remove a provider's key from the keyring; exit 1 when there was none."""
    from tui_chat.services.secrets import KeyStore

    provider = _provider(settings, name, config_problems)
    store = KeyStore()
    if not store.delete_sync(name, provider.key_env):
        print(f"tui-chat: no key for {name} in the keyring; nothing deleted.", file=sys.stderr)
        return 1
    print(f"deleted the key for {name} from the keyring")
    if store.env_key(provider) is not None:
        print(f"note: {provider.key_env} is still set and still provides a key")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run only these subcommands (for `python -m tui_chat.commands` before cli.py wires them)."""
    parser = argparse.ArgumentParser(prog="tui-chat")
    add_subcommands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    return run_command(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
