"""KeyStore, masking and key resolution against in-memory and broken keyring backends."""

from __future__ import annotations

from collections.abc import Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from tui_chat.config import ProviderSettings
from tui_chat.services.secrets import SERVICE_NAME, KeyringUnavailable, KeyStore, ResolvedKey, mask, scrub

PROVIDER = ProviderSettings(base_url="http://127.0.0.1:9/v1", key_env="TUICHAT_UNIT_KEY")
LONG_KEY = "sk-unit-0123456789abcdef"


class MemoryKeyring(KeyringBackend):
    """A keyring kept in a dict, so tests never touch a real one."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such entry")


class LockedKeyring(MemoryKeyring):
    """A keyring that refuses every request, as a locked Secret Service does."""

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked(f"Failed to unlock the collection for {password}!")


class ForgetfulKeyring(MemoryKeyring):
    """A keyring that accepts writes and keeps nothing."""

    def set_password(self, service: str, username: str, password: str) -> None:
        return None


@pytest.fixture
def use_backend() -> Iterator:
    """Install a keyring backend for one test and restore the previous one afterwards."""
    previous = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)


def test_mask_shows_only_the_ends_of_a_long_key() -> None:
    assert mask("sk-proj-0123456789abcd") == "sk-…abcd"
    assert mask("sk-short") == "…"
    assert mask("") == "" and mask(None) == ""
    assert scrub(f"bad key {LONG_KEY}!", LONG_KEY) == "bad key sk-…cdef!"


def test_resolved_key_repr_never_shows_the_key() -> None:
    resolved = ResolvedKey(LONG_KEY, "keyring")
    assert LONG_KEY not in repr(resolved) and LONG_KEY not in str(resolved)
    assert resolved.masked == "sk-…cdef"


async def test_set_get_delete_round_trip(use_backend) -> None:
    backend = use_backend(MemoryKeyring())
    store = KeyStore()
    await store.set("openai", LONG_KEY)
    assert backend.entries == {(SERVICE_NAME, "openai"): LONG_KEY}
    assert await store.get("openai") == LONG_KEY
    assert await store.delete("openai") is True
    assert await store.delete("openai") is False
    assert await store.get("openai") is None


async def test_environment_wins_over_the_keyring(use_backend) -> None:
    use_backend(MemoryKeyring())
    store = KeyStore(environ={"TUICHAT_UNIT_KEY": " sk-from-env-0123456789 "})
    await store.set("custom", LONG_KEY)
    resolved = await store.resolve("custom", PROVIDER)
    assert (resolved.value, resolved.source) == ("sk-from-env-0123456789", "env:TUICHAT_UNIT_KEY")
    resolved = await KeyStore(environ={}).resolve("custom", PROVIDER)
    assert (resolved.value, resolved.source) == (LONG_KEY, "keyring")
    assert await KeyStore(environ={}).resolve("other", PROVIDER) == ResolvedKey(None, None)


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring(), LockedKeyring()], ids=["fail", "null", "locked"])
async def test_no_usable_keyring_is_a_clear_error_and_resolve_still_reads_the_environment(use_backend, backend) -> None:
    use_backend(backend)
    store = KeyStore(environ={"TUICHAT_UNIT_KEY": "sk-from-env-0123456789"})
    with pytest.raises(KeyringUnavailable) as caught:
        await store.set("custom", LONG_KEY)
    assert caught.value.title == "No usable keyring"
    assert "gnome-keyring" in caught.value.hint and "KWallet" in caught.value.hint
    assert LONG_KEY not in caught.value.message
    assert caught.value.__cause__ is None and (caught.value.__context__ is None or caught.value.__suppress_context__)
    with pytest.raises(KeyringUnavailable):
        await store.get("custom")
    assert (await store.resolve("custom", PROVIDER)).source == "env:TUICHAT_UNIT_KEY"
    keyless = await KeyStore(environ={}).resolve("custom", PROVIDER)
    assert keyless.value is None and keyless.source is None and isinstance(keyless.problem, KeyringUnavailable)


async def test_a_write_the_keyring_drops_is_reported(use_backend) -> None:
    use_backend(ForgetfulKeyring())
    with pytest.raises(KeyringUnavailable, match="did not return it"):
        await KeyStore().set("custom", LONG_KEY)


async def test_registry_lookup_without_a_keyring_still_reads_the_environment(use_backend) -> None:
    use_backend(fail.Keyring())
    store = KeyStore(environ={})
    assert await store.lookup("custom", PROVIDER) is None
    assert await store.lookup("local", ProviderSettings(base_url="http://127.0.0.1:9/v1", needs_key=False)) is None
    with_env = KeyStore(environ={"TUICHAT_UNIT_KEY": "sk-from-env-0123456789"})
    assert await with_env.lookup("custom", PROVIDER) == "sk-from-env-0123456789"
