"""`tui-chat doctor`: check config, storage, keyring, tokenizer and providers, one plain line each."""

from __future__ import annotations

import asyncio
import importlib
import secrets as random_tokens
import tempfile
import time
from dataclasses import dataclass

from tui_chat.config import ProviderSettings, Settings, load_settings
from tui_chat.core.text import strip_control
from tui_chat.paths import AppPaths, ensure_private_dir
from tui_chat.services.secrets import KeyringUnavailable, KeyStore, keyring_hint, validate_key

PROVIDER_CHECK_SECONDS = 8.0


@dataclass(frozen=True)
class CheckResult:
    """One line of the report: what was checked, whether it is fine, and how to fix it if not."""

    name: str
    status: str
    """"ok", "problem", or a neutral word such as "no key" or "off" that is not a failure."""
    detail: str
    fix: str = ""
    needed: bool = False
    """Whether the default provider needs this to work, so a problem makes doctor fail."""

    @property
    def failed(self) -> bool:
        """Whether this is a problem that breaks the default provider."""
        return self.status == "problem" and self.needed

    def line(self) -> str:
        """The result as one plain-text line."""
        text = f"{self.status:<8} {self.name}: {self.detail}"
        if self.fix:
            text += f" -- fix: {self.fix}"
        return strip_control(text).replace("\n", " ")


def check_config(paths: AppPaths) -> tuple[Settings, list[CheckResult]]:
    """The settings, and whether config.toml parsed."""
    settings, problems = load_settings(paths.config_file)
    if problems:
        return settings, [
            CheckResult("config", "problem", problem.detail, problem.hint or "fix the file", needed=True)
            for problem in problems
        ]
    if not paths.config_file.exists():
        return settings, [CheckResult("config", "ok", f"no file at {paths.config_file}; using defaults")]
    return settings, [CheckResult("config", "ok", f"{paths.config_file} parsed")]


def check_data_dir(paths: AppPaths) -> CheckResult:
    """Whether the data directory can be written (a temporary file is created and removed)."""
    try:
        ensure_private_dir(paths.data_dir)
        with tempfile.NamedTemporaryFile(dir=paths.data_dir, prefix=".doctor-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as exc:
        return CheckResult(
            "data dir", "problem", f"{paths.data_dir}: {exc.strerror or exc}", "make it writable", needed=True
        )
    return CheckResult("data dir", "ok", f"{paths.data_dir} is writable")


async def check_database(paths: AppPaths) -> CheckResult:
    """The database's schema version and SQLite's quick check of every page, opening it only when it exists."""
    from tui_chat.core.errors import TuiChatError
    from tui_chat.store.db import Database
    from tui_chat.store.failures import CorruptDatabaseError
    from tui_chat.store.migrations import SCHEMA_VERSION

    if not paths.database.exists():
        return CheckResult("database", "ok", f"none yet at {paths.database}; created on first use")
    try:
        database = await Database.open(paths.database)
        try:
            version = await database.schema_version()
            damage = await database.quick_check()
        finally:
            await database.close()
        if damage:
            raise CorruptDatabaseError(paths.database, f"quick_check: {damage[0]}")
    except TuiChatError as exc:
        return CheckResult(
            "database", "problem", f"{exc.title}: {exc.detail}", exc.hint or "move the file aside", needed=True
        )
    return CheckResult(
        "database", "ok", f"{paths.database}, schema version {version} of {SCHEMA_VERSION}, quick_check ok"
    )


def check_keyring(store: KeyStore, key_needed: bool) -> CheckResult:
    """The keyring backend, proven by storing, reading and deleting a throwaway entry."""
    backend = store.backend_description()
    probe_user = f"tui-chat-doctor-{random_tokens.token_hex(6)}"
    probe_value = random_tokens.token_hex(16)
    try:
        store.set_sync(probe_user, probe_value)
        store.delete_sync(probe_user)
    except KeyringUnavailable as exc:
        detail = exc.detail if backend in exc.detail else f"{backend}: {exc.detail}"
        return CheckResult("keyring", "problem", detail, keyring_hint(), needed=key_needed)
    return CheckResult("keyring", "ok", f"{backend} stores, returns and deletes keys")


def check_tokenizer() -> CheckResult:
    """Whether the o200k and cl100k encodings load offline and count exactly."""
    from tui_chat.core.tokens import count_text

    try:
        counts = {model: count_text(model, "hello") for model in ("gpt-4o", "gpt-4")}
    except Exception as exc:
        return CheckResult("tokenizer", "problem", f"{type(exc).__name__}: {exc}", "reinstall tui-chat", needed=True)
    inexact = [model for model, count in counts.items() if not count.exact]
    if inexact:
        return CheckResult(
            "tokenizer", "problem", f"no exact encoding for {', '.join(inexact)}", "reinstall tui-chat", needed=True
        )
    return CheckResult("tokenizer", "ok", "o200k_base and cl100k_base available offline")


async def check_provider(name: str, provider: ProviderSettings, store: KeyStore, *, is_default: bool) -> CheckResult:
    """Whether a provider answers GET /models with its key, with status code and latency."""
    label = f"provider {name}"
    resolved = await store.resolve(name, provider) if provider.needs_key else None
    if resolved is not None and resolved.value is None:
        fix = f"run `tui-chat keys set {name}`" + (f" or set {provider.key_env}" if provider.key_env else "")
        if resolved.problem is not None:
            fix = f"set {provider.key_env} (no usable keyring)" if provider.key_env else "fix the keyring"
        return CheckResult(label, "problem" if is_default else "no key", "no key available", fix, needed=is_default)
    server = None
    base_url = provider.base_url
    if base_url is None:
        from tui_chat.demo.server import DemoServer

        server = DemoServer()
        base_url = await server.start_async()
    started = time.perf_counter()
    try:
        key = resolved.value if resolved is not None else None
        result = await asyncio.wait_for(validate_key(name, provider, base_url, key), PROVIDER_CHECK_SECONDS)
    except TimeoutError:
        result = None
    finally:
        if server is not None:
            await server.stop_async()
    millis = (time.perf_counter() - started) * 1000
    source = f", key from {resolved.source}" if resolved is not None else ""
    if result is not None and result.ok:
        return CheckResult(
            label, "ok", f"{base_url} answered 200 in {millis:.0f} ms, {result.model_count} models{source}"
        )
    message = result.message if result is not None else f"no answer from {base_url} in {PROVIDER_CHECK_SECONDS:g} s"
    status_code = f" (HTTP {result.status})" if result is not None and result.status else ""
    builtin_local = provider.local and not provider.needs_key and not is_default
    if builtin_local and result is not None and message.startswith("cannot reach"):
        return CheckResult(label, "off", f"not running at {base_url}", "start it to use it")
    fix = f"run `tui-chat keys set {name}`" if "rejected" in message else "check base_url and that the server runs"
    return CheckResult(label, "problem", f"{message}{status_code}", fix, needed=is_default)


async def run_checks(paths: AppPaths, store: KeyStore | None = None) -> list[CheckResult]:
    """Every check, the network ones in parallel."""
    store = store or KeyStore()
    settings, results = check_config(paths)
    providers = settings.all_providers()
    default_name = settings.default_provider
    default_provider = providers.get(default_name)
    results.append(check_data_dir(paths))
    results.append(await check_database(paths))
    key_needed = default_provider is not None and default_provider.needs_key and store.env_key(default_provider) is None
    keyring_result, tokenizer_result, _ = await asyncio.gather(
        asyncio.to_thread(check_keyring, store, key_needed),
        asyncio.to_thread(check_tokenizer),
        asyncio.to_thread(importlib.import_module, "openai"),  # so latencies below exclude the import
    )
    results.extend([keyring_result, tokenizer_result])
    if default_provider is None:
        results.append(
            CheckResult(
                f"provider {default_name}", "problem", "unknown default_provider", "fix config.toml", needed=True
            )
        )
    checks = [
        check_provider(name, provider, store, is_default=name == default_name)
        for name, provider in sorted(providers.items())
    ]
    results.extend(await asyncio.gather(*checks))
    if settings.mcp:
        from tui_chat.services.tools.doctor_mcp import check_mcp_servers

        results.extend(await check_mcp_servers(settings))
    return results
