"""Value checks for config.toml fields that a type alone cannot express; each raises ValueError.

msgspec turns a ValueError raised in a settings struct's `__post_init__` into a ValidationError
at that struct, so these messages reach the user with the file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import urlsplit

MAX_PRICE_PER_MTOK = Decimal(10_000)
"""The highest accepted price for a million tokens (real ones stay under $1,000); it keeps the
picodollar cost of even a ten-million-token request inside SQLite's 64-bit integers."""
MAX_DECIMAL_PLACES = 12
"""Amounts are picodollars at their finest."""
MAX_BUDGET = Decimal(1_000_000_000)
"""The highest accepted spending limit, in dollars."""

_HOST_NAME = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")
_IPV4_LIKE = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"(?:[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?)?")


def check_amount(name: str, value: Decimal | None, *, at_most: Decimal, positive: bool = False) -> None:
    """A dollar amount must be finite, from 0 (or above 0) up to `at_most`, to at most 12 decimal places."""
    if value is None:
        return
    low = "above 0" if positive else "0 or more"
    if (
        not value.is_finite()
        or value < 0
        or (positive and value.is_zero())
        or value > at_most
        or decimal_places(value) > MAX_DECIMAL_PLACES
    ):
        raise ValueError(
            f"`{name}` must be a number {low}, at most {at_most:,}, with at most {MAX_DECIMAL_PLACES} decimals, not {value}"
        )


def decimal_places(value: Decimal) -> int:
    """The decimals a finite value needs, trailing zeros aside (computed without a Decimal context)."""
    _, digits, exponent = value.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return 0
    return max(0, -(int(exponent) + len(digits) - len(significant)))


def check_base_url(url: str) -> None:
    """An API root must be an http(s) URL with a host and a valid port, in printable characters."""
    problem = f"`base_url` must be an http:// or https:// URL such as https://api.openai.com/v1, not {url!r}"
    if not url or any(not char.isprintable() or char.isspace() for char in url):
        raise ValueError(problem)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(problem) from None
    if parts.scheme.lower() not in {"http", "https"} or not _valid_host(parts.hostname or "") or port == 0:
        raise ValueError(problem + " (write a non-ASCII host name in its xn-- form)" if not url.isascii() else problem)


def _valid_host(host: str) -> bool:
    """An IP address or an ASCII host name, as the HTTP client accepts them."""
    if ":" in host or _IPV4_LIKE.fullmatch(host):
        import ipaddress

        try:
            ipaddress.ip_address(host)
        except ValueError:
            return False
        return True
    return bool(_HOST_NAME.fullmatch(host))


def check_env_name(value: str | None) -> None:
    """The variable that may carry a key must be a plain environment variable name."""
    if value is not None and not _ENV_NAME.fullmatch(value):
        raise ValueError(f"`key_env` must be a variable name such as OPENAI_API_KEY, not {value!r}")


def check_headers(headers: Mapping[str, str]) -> None:
    """Extra headers must be HTTP tokens with printable ASCII values, as HTTP/1.1 sends them."""
    for name, value in headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"`headers` must have HTTP header names, not {name!r}")
        if not _HEADER_VALUE.fullmatch(value):
            raise ValueError(f"`headers` must have values in printable ASCII on one line, not {value!r} for {name!r}")


def check_keymap(keymap: Mapping[str, str]) -> None:
    """Each remap must be keys separated by commas, such as "ctrl+f" or "ctrl+f,f3"."""
    for binding_id, keys in keymap.items():
        parts = [part.strip() for part in keys.split(",")]
        if not all(part and part.isprintable() and not any(char.isspace() for char in part) for part in parts):
            raise ValueError(
                f'`keymap` must map {binding_id!r} to keys separated by commas, such as "ctrl+f,f3", not {keys!r}'
            )
