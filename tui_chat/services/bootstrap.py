"""Build the app's services from the config file, the environment and this run's options."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.config import load_settings
from tui_chat.paths import AppPaths
from tui_chat.services.container import AppServices
from tui_chat.services.providers import ProviderRegistry, Target
from tui_chat.services.secrets import KeyStore

if TYPE_CHECKING:
    from tui_chat.demo.server import DemoServer


def build_services(
    *,
    provider: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    paths: AppPaths | None = None,
    demo_server: DemoServer | None = None,
) -> AppServices:
    """Settings, provider registry and storage location for one run; nothing is opened yet."""
    paths = paths or AppPaths.default()
    settings, problems = load_settings(paths.config_file)
    provider_name = provider or settings.default_provider
    overrides = {provider_name: base_url} if base_url else {}
    keys = KeyStore()
    keys.remember_env_keys(settings.all_providers())
    registry = ProviderRegistry(
        settings,
        key_lookup=keys.lookup,
        base_url_overrides=overrides,
        demo_server=demo_server,
        config_problems=problems,
    )
    provider_settings = registry.provider(provider_name)
    if model:
        chosen_model = model
    elif provider is None and settings.default_model:
        chosen_model = settings.default_model
    else:
        chosen_model = provider_settings.default_model
    return AppServices(
        settings=settings,
        paths=paths,
        registry=registry,
        keys=keys,
        target=Target(provider_name, chosen_model),
        database_path=paths.database,
        startup_problems=list(problems),
    )
