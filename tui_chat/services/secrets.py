"""API keys: the provider's environment variable first, then the system keyring; never plain text.

Keys are stored with `keyring` under the service "tui-chat", the provider name as the username.
Keyring calls block (D-Bus round trips, possibly an unlock prompt), so the async API runs them in
a thread. Any failure of the keyring itself becomes `KeyringUnavailable`; there is no fallback file.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from tui_chat.config import ProviderSettings
from tui_chat.core.errors import TuiChatError
from tui_chat.core.redaction import redact, remember_secret

SERVICE_NAME = "tui-chat"
MASK = "…"
MIN_MASKABLE_LENGTH = 16
REFUSED_BACKEND_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")

T = TypeVar("T")


class KeyringUnavailable(TuiChatError):
    """The system keyring is missing, locked or refusing; keys can only come from the environment."""

    kind = "keyring"
    title = "No usable keyring"


def keyring_hint(key_env: str | None = None) -> str:
    """What to do when there is no usable keyring, naming the provider's variable when known."""
    variable = key_env or "the provider's key variable (such as OPENAI_API_KEY)"
    return (
        f"Set {variable} in your environment, or install and unlock gnome-keyring or KWallet "
        "(tui-chat never stores keys in plain text)."
    )


NO_KEYRING = "No keyring is available on this system, so keys cannot be stored."


def mask(key: str | None) -> str:
    """A key shown safely: its first 3 and last 4 characters, or only "…" when it is short."""
    if not key:
        return ""
    if len(key) < MIN_MASKABLE_LENGTH:
        return MASK
    return f"{key[:3]}{MASK}{key[-4:]}"


def scrub(text: str, key: str | None) -> str:
    """The text with every occurrence of the key replaced by its masked form."""
    return text.replace(key, mask(key)) if key else text


@dataclass(frozen=True)
class ResolvedKey:
    """A key and where it came from ("env:NAME", "keyring" or None); its repr never shows the key."""

    value: str | None = field(repr=False)
    source: str | None
    problem: KeyringUnavailable | None = field(default=None, compare=False)
    """Why the keyring could not be asked, when it could not."""

    @property
    def masked(self) -> str:
        """The key masked for display, or "" when there is none."""
        return mask(self.value)


def backend_name(backend: Any) -> str:
    """The dotted class name of a keyring backend."""
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


class KeyStore:
    """Reads and writes API keys in the system keyring and resolves a provider's key."""

    def __init__(self, *, service: str = SERVICE_NAME, environ: Mapping[str, str] | None = None) -> None:
        self.service = service
        self._environ = os.environ if environ is None else environ

    # Blocking keyring access; every call goes through _guarded.

    def _backend(self, key_env: str | None = None) -> Any:
        """The active keyring backend, refused when it cannot keep a key safely."""
        import keyring

        backend = keyring.get_keyring()
        name = backend_name(backend)
        chained = getattr(backend, "backends", None)
        if name.startswith(REFUSED_BACKEND_MODULES) or "plaintext" in name.lower() or chained == []:
            raise KeyringUnavailable(NO_KEYRING, hint=keyring_hint(key_env))
        return backend

    def _guarded(self, action: Callable[[Any], T], key_env: str | None = None, secret: str | None = None) -> T:
        """Run one keyring action, turning any failure of the keyring into KeyringUnavailable."""
        from keyring.errors import PasswordDeleteError

        try:
            return action(self._backend(key_env))
        except (KeyringUnavailable, PasswordDeleteError):
            raise
        except Exception as exc:  # D-Bus, Secret Service and keyring errors alike
            from tui_chat.core.text import strip_control

            remember_secret(secret)
            reason = redact(strip_control(f"{type(exc).__name__}: {exc}"))[:300]
            raise KeyringUnavailable(
                f"The keyring refused the request ({reason}).", hint=keyring_hint(key_env)
            ) from None

    def backend_description(self) -> str:
        """The active backend's class name, for diagnostics."""
        import keyring

        try:
            return backend_name(keyring.get_keyring())
        except Exception as exc:
            return f"unknown ({type(exc).__name__})"

    def get_sync(self, provider: str, key_env: str | None = None) -> str | None:
        """The stored key of a provider, or None."""
        value = self._guarded(lambda backend: backend.get_password(self.service, provider), key_env)
        remember_secret(value)
        return value or None

    def set_sync(self, provider: str, key: str, key_env: str | None = None) -> None:
        """Store a provider's key, then read it back so a silently dropped write is caught."""
        self._guarded(lambda backend: backend.set_password(self.service, provider, key), key_env, key)
        if self.get_sync(provider, key_env) != key:
            raise KeyringUnavailable(
                "The keyring accepted the key but did not return it when asked.", hint=keyring_hint(key_env)
            )

    def delete_sync(self, provider: str, key_env: str | None = None) -> bool:
        """Remove a provider's stored key; False when there was none."""
        from keyring.errors import PasswordDeleteError

        try:
            self._guarded(lambda backend: backend.delete_password(self.service, provider), key_env)
        except PasswordDeleteError:
            return False
        return True

    def check_usable(self, key_env: str | None = None) -> str:
        """Raise KeyringUnavailable unless a backend that can keep keys is active; its name otherwise."""
        return backend_name(self._guarded(lambda backend: backend, key_env))

    def env_key(self, provider: ProviderSettings) -> ResolvedKey | None:
        """The key from the provider's environment variable, if set."""
        if provider.key_env:
            value = self._environ.get(provider.key_env, "").strip()
            remember_secret(value)
            if value:
                return ResolvedKey(value, f"env:{provider.key_env}")
        return None

    def remember_env_keys(self, providers: Mapping[str, ProviderSettings]) -> None:
        """Register every provider's key from the environment, so any text holding one is redacted."""
        for provider in providers.values():
            self.env_key(provider)

    def rejected_key_hint(self, provider: ProviderSettings, *, command_line_name: str | None = None) -> str:
        """What to do about a key the provider refused: fix the variable it came from, or replace the stored one.

        With `command_line_name` (the provider's name) the advice is for a shell, not the app's keys.
        """
        if self.env_key(provider) is not None:
            if command_line_name is not None:
                return (
                    f"The key comes from {provider.key_env}: put a working key there, or unset it to use a stored key."
                )
            return (
                f"The key comes from the environment variable {provider.key_env}, which ctrl+k cannot change: "
                f"put a working key in {provider.key_env} (or unset it to use a stored key) and restart tui-chat."
            )
        if command_line_name is not None:
            return f"Set a working key with `tui-chat keys set {command_line_name}`."
        return "Press ctrl+k to set a working key."

    def resolve_sync(self, provider_name: str, provider: ProviderSettings) -> ResolvedKey:
        """The provider's key: its environment variable first, then the keyring."""
        from_env = self.env_key(provider)
        if from_env is not None:
            return from_env
        try:
            value = self.get_sync(provider_name, provider.key_env)
        except KeyringUnavailable as exc:
            return ResolvedKey(None, None, problem=exc)
        return ResolvedKey(value, "keyring" if value else None)

    # The async API: the same calls, off the event loop.

    async def get(self, provider: str) -> str | None:
        """The stored key of a provider, or None."""
        return await asyncio.to_thread(self.get_sync, provider)

    async def set(self, provider: str, key: str, key_env: str | None = None) -> None:
        """Store a provider's key in the keyring; `key_env` names the alternative in errors."""
        await asyncio.to_thread(self.set_sync, provider, key, key_env)

    async def delete(self, provider: str, key_env: str | None = None) -> bool:
        """Remove a provider's stored key; False when there was none."""
        return await asyncio.to_thread(self.delete_sync, provider, key_env)

    async def resolve(self, provider_name: str, provider: ProviderSettings) -> ResolvedKey:
        """The provider's key: its environment variable first, then the keyring."""
        from_env = self.env_key(provider)
        if from_env is not None:
            return from_env
        return await asyncio.to_thread(self.resolve_sync, provider_name, provider)

    async def lookup(self, provider_name: str, provider: ProviderSettings) -> str | None:
        """A ProviderRegistry key lookup: the key, or None (the registry then says a key is missing)."""
        from_env = self.env_key(provider)
        if from_env is not None:
            return from_env.value
        if not provider.needs_key:
            return None
        return (await self.resolve(provider_name, provider)).value


@dataclass(frozen=True)
class KeyCheck:
    """The outcome of trying a key against a provider's GET /models."""

    ok: bool
    message: str
    model_count: int | None = None
    status: int | None = None


CHECK_CONNECT_TIMEOUT = 5.0
"""Seconds a key check waits for a connection."""
CHECK_STALL_TIMEOUT = 10.0
"""Seconds a key check waits for the model list once connected."""


async def validate_key(provider_name: str, provider: ProviderSettings, base_url: str, key: str | None) -> KeyCheck:
    """Try a key by listing the provider's models; the message is plain text and never holds the key."""
    from tui_chat.config import NetworkSettings
    from tui_chat.core.text import strip_control
    from tui_chat.services.errors import ProviderFailure, translate_error
    from tui_chat.services.llm import ProviderClient

    network = NetworkSettings(connect_timeout=CHECK_CONNECT_TIMEOUT, stall_timeout=CHECK_STALL_TIMEOUT)
    client = ProviderClient(provider_name, provider, base_url=base_url, api_key=key, network=network)
    try:
        models = await client.list_models()
    except Exception as exc:
        failure = exc if isinstance(exc, ProviderFailure) else translate_error(exc)
        detail = redact(scrub(strip_control(failure.detail or failure.title), key))
        if failure.kind == "auth":
            message = f"key rejected: {detail}"
        elif failure.kind in {"offline", "connect_timeout", "read_timeout", "dropped"}:
            message = f"cannot reach {base_url}: {detail}"
        else:
            message = f"{failure.title}: {detail}"
        return KeyCheck(False, message, None, failure.status)
    finally:
        await client.aclose()
    return KeyCheck(True, f"key works: {len(models)} models", len(models), 200)
