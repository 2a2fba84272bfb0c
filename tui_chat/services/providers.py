"""Resolve a provider name to a ready client: base URL, key and, for the demo, a running server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui_chat.config import ProviderSettings, Settings
from tui_chat.core.errors import ConfigError, TuiChatError

if TYPE_CHECKING:
    from tui_chat.core.pricing import PriceOverride, ProviderRef
    from tui_chat.demo.server import DemoServer
    from tui_chat.services.llm import ProviderClient

KeyLookup = Callable[[str, ProviderSettings], Awaitable[str | None]]


class UnknownProviderError(TuiChatError):
    """A provider name that is neither built in nor in config.toml."""

    kind = "unknown_provider"
    title = "Unknown provider"


class MissingKeyError(TuiChatError):
    """A provider that needs a key has none."""

    kind = "auth"
    title = "No API key"


async def env_key(name: str, provider: ProviderSettings) -> str | None:
    """The key from the provider's environment variable, if set."""
    if provider.key_env:
        value = os.environ.get(provider.key_env, "").strip()
        return value or None
    return None


def unknown_provider(
    name: str, known: Iterable[str], config_problems: Sequence[ConfigError] = ()
) -> UnknownProviderError:
    """The error for a provider name not found, naming the config.toml field that made its section ignored."""
    for problem in config_problems:
        if tuple(getattr(problem, "location", ()))[:2] == ("providers", name):
            return UnknownProviderError(
                f"No provider named '{name}': its config.toml section was ignored ({problem.detail.rstrip('.')}).",
                hint="Fix that field in config.toml.",
            )
    return UnknownProviderError(f"No provider named '{name}'.", hint=f"Known providers: {', '.join(sorted(known))}.")


@dataclass(frozen=True)
class Target:
    """Where the next request goes: a provider and a model."""

    provider: str
    model: str


class ProviderRegistry:
    """Creates one client per provider on first use and closes them all on exit."""

    def __init__(
        self,
        settings: Settings,
        *,
        key_lookup: KeyLookup = env_key,
        base_url_overrides: dict[str, str] | None = None,
        demo_server: DemoServer | None = None,
        config_problems: Sequence[ConfigError] = (),
    ) -> None:
        """`config_problems` (from load_settings) explain a provider whose section was ignored."""
        self.settings = settings
        self.config_problems = list(config_problems)
        self.providers = settings.all_providers()
        self._key_lookup = key_lookup
        self._base_url_overrides = dict(base_url_overrides or {})
        self._clients: dict[str, ProviderClient] = {}
        self._lock = asyncio.Lock()
        self._demo_server = demo_server
        self._owns_demo_server = demo_server is None

    @property
    def price_overrides(self) -> dict[str, PriceOverride]:
        """The user's per-model prices from config.toml."""
        from tui_chat.core.pricing import PriceOverride

        return {
            model: PriceOverride(input_mtok=price.input, output_mtok=price.output, cached_input_mtok=price.cached_input)
            for model, price in self.settings.prices.items()
        }

    def provider(self, name: str) -> ProviderSettings:
        """The settings of a provider by name."""
        try:
            return self.providers[name]
        except KeyError:
            raise unknown_provider(name, self.providers, self.config_problems) from None

    def ref(self, name: str) -> ProviderRef:
        """What pricing needs to know about a provider."""
        from tui_chat.core.pricing import ProviderRef

        provider = self.provider(name)
        return ProviderRef(
            name=name, base_url=self._base_url_overrides.get(name, provider.base_url), local=provider.local
        )

    def is_demo(self, name: str) -> bool:
        """Whether a provider is the built-in offline demo server."""
        return name == "demo" and name not in self._base_url_overrides

    async def client(self, name: str) -> ProviderClient:
        """The client for a provider, starting the demo server if that is the one asked for."""
        async with self._lock:
            if name in self._clients:
                return self._clients[name]
            provider = self.provider(name)
            base_url = self._base_url_overrides.get(name) or provider.base_url
            if base_url is None:
                base_url = await self._start_demo()
            key = await self._key_lookup(name, provider)
            if provider.needs_key and not key:
                env_hint = f" or set {provider.key_env}" if provider.key_env else ""
                raise MissingKeyError(
                    f"The provider '{name}' needs an API key.",
                    hint=f"Run `tui-chat keys set {name}`{env_hint}, or use the demo model.",
                )
            from tui_chat.services.llm import ProviderClient

            client = ProviderClient(name, provider, base_url=base_url, api_key=key, network=self.settings.network)
            self._clients[name] = client
            return client

    async def forget(self, name: str) -> None:
        """Drop a provider's client so the next request picks up a changed key."""
        async with self._lock:
            client = self._clients.pop(name, None)
        if client is not None:
            await client.aclose()

    def base_url(self, name: str) -> str | None:
        """The API root a provider is reached at for this run (None: the demo server, not started)."""
        if name in self._base_url_overrides:
            return self._base_url_overrides[name]
        return self.provider(name).base_url

    async def resolved_base_url(self, name: str) -> str:
        """The API root, starting the demo server if that is the provider."""
        return self.base_url(name) or await self._start_demo()

    async def _start_demo(self) -> str:
        from tui_chat.demo.server import DemoServer

        if self._demo_server is None:
            server = DemoServer()
            await asyncio.to_thread(server.start)
            self._demo_server = server
        return self._demo_server.base_url

    async def aclose(self) -> None:
        """Close every client and stop the demo server."""
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()
        if self._demo_server is not None and self._owns_demo_server:
            await asyncio.to_thread(self._demo_server.stop)
            self._demo_server = None


class ConcurrencyLimits:
    """One semaphore per provider, so several streaming conversations share its rate fairly."""

    def __init__(self, per_provider: int) -> None:
        self.per_provider = per_provider
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    def slot(self, provider: str) -> asyncio.Semaphore:
        """The semaphore guarding requests to `provider`."""
        if provider not in self._semaphores:
            self._semaphores[provider] = asyncio.Semaphore(self.per_provider)
        return self._semaphores[provider]
