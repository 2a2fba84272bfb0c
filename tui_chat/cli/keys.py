"""`tui-chat keys set|list|delete`: API keys in the system keyring, never printed whole, never a traceback."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui_chat.cli import output
from tui_chat.core.errors import ConfigError, TuiChatError

if TYPE_CHECKING:
    from tui_chat.config import ProviderSettings, Settings
    from tui_chat.paths import AppPaths


class KeyInputError(TuiChatError):
    """The key typed or piped in cannot be used."""

    kind = "key_input"
    title = "Key not saved"


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register `keys` and its actions on the main parser's subcommands."""
    keys = commands.add_parser("keys", help="store, list or delete API keys in the system keyring")
    actions = keys.add_subparsers(dest="keys_action", metavar="ACTION", required=True)
    set_key = actions.add_parser(
        "set",
        help="store a provider's key (asked for, or one line from stdin)",
        description="Store a provider's API key in the system keyring. The key is read from a hidden "
        "prompt, or one line of stdin when it is not a terminal; it is never taken from the command line.",
    )
    set_key.add_argument("provider", help="the provider name, e.g. openai")
    set_key.add_argument("--no-check", action="store_true", help="save without trying the key (GET /models)")
    actions.add_parser("list", help="show where each provider's key comes from, masked")
    delete = actions.add_parser("delete", help="remove a provider's key from the keyring")
    delete.add_argument("provider", help="the provider name")


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    """Run a `keys` action from parsed arguments and return the exit status."""
    try:
        settings, problems = _settings(paths)
        if args.keys_action == "set":
            return keys_set(settings, args.provider, check=not args.no_check, config_problems=problems)
        if args.keys_action == "list":
            return keys_list(settings)
        return keys_delete(settings, args.provider, config_problems=problems)
    except TuiChatError as exc:
        return output.fail(exc)
    except KeyboardInterrupt:
        return output.fail("interrupted; nothing saved.", output.CANCELLED, fresh_line=True)
    except Exception as exc:  # a clear message, never a traceback
        return output.fail(exc)


def _settings(paths: AppPaths) -> tuple[Settings, list[ConfigError]]:
    """The settings and config problems, the problems shown as warnings (the built-in providers still work)."""
    from tui_chat.config import load_settings

    settings, problems = load_settings(paths.config_file)
    for problem in problems:
        output.warn(problem)
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
        raise KeyInputError(
            f"The provider '{name}' needs no key.", hint="Set needs_key = true in config.toml if it does."
        )
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
        output.warn(problem)
    return output.OK


def keys_delete(settings: Settings, name: str, *, config_problems: Sequence[ConfigError] = ()) -> int:
    """Remove a provider's key from the keyring; exit 1 when there was none."""
    from tui_chat.services.secrets import KeyStore

    provider = _provider(settings, name, config_problems)
    store = KeyStore()
    if not store.delete_sync(name, provider.key_env):
        return output.fail(f"no key for {name} in the keyring; nothing deleted.")
    print(f"deleted the key for {name} from the keyring")
    if store.env_key(provider) is not None:
        print(f"note: {provider.key_env} is still set and still provides a key")
    return 0
