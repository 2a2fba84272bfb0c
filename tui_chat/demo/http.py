"""Minimal HTTP/1.1 request parsing and response writing on asyncio streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

MAX_BODY_BYTES = 64 * 1024 * 1024
BATCH_EVENTS = 64
BATCH_BYTES = 16 * 1024


class BadRequest(Exception):
    """The bytes on the connection are not a request this server can read."""


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One parsed HTTP request."""

    method: str
    target: str
    version: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        """The request target without its query string."""
        return self.target.split("?", 1)[0]

    @property
    def keep_alive(self) -> bool:
        """Whether the client wants the connection kept open after this request."""
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> HttpRequest | None:
    """Read the next request, or return None when the client closed the connection between requests."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial.strip():
            raise BadRequest("incomplete request head") from error
        return None
    except asyncio.LimitOverrunError as error:
        raise BadRequest("request head too large") from error
    lines = head.decode("latin-1").lstrip("\r\n").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"malformed request line {lines[0]!r}")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, separator, value = line.partition(":")
        if not separator:
            raise BadRequest(f"malformed header line {line!r}")
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    if headers.get("expect", "").lower() == "100-continue":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    body = await _read_body(reader, headers)
    return HttpRequest(parts[0].upper(), parts[1], parts[2], headers, body)


async def _read_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        pieces: list[bytes] = []
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while await reader.readuntil(b"\r\n") != b"\r\n":
                    pass
                return b"".join(pieces)
            pieces.append(await reader.readexactly(size))
            await reader.readexactly(2)
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as error:
        raise BadRequest("invalid Content-Length") from error
    if length < 0 or length > MAX_BODY_BYTES:
        raise BadRequest("unacceptable Content-Length")
    return await reader.readexactly(length) if length else b""


def merge_headers(defaults: Mapping[str, str], overrides: Mapping[str, str]) -> dict[str, str]:
    """Header names and values, the overrides replacing defaults whatever the case of their names."""
    merged = {name.lower(): (name, value) for name, value in defaults.items()}
    merged.update({name.lower(): (name, str(value)) for name, value in overrides.items()})
    return dict(merged.values())


def response_head(status: int, headers: Mapping[str, str]) -> bytes:
    """The status line and headers of a response."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send_body(
    writer: asyncio.StreamWriter,
    status: int,
    body: bytes,
    *,
    content_type: str,
    keep_alive: bool,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send a whole response with a Content-Length."""
    defaults = {
        "Content-Type": content_type,
        "Content-Length": str(len(body)),
        "Connection": "keep-alive" if keep_alive else "close",
    }
    all_headers = merge_headers(defaults, headers or {})
    all_headers["Content-Length"] = str(len(body))
    writer.write(response_head(status, all_headers) + body)
    await writer.drain()


async def send_json(
    writer: asyncio.StreamWriter,
    status: int,
    payload: Any,
    *,
    keep_alive: bool,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Send a JSON response with a Content-Length."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    await send_body(writer, status, body, content_type="application/json", keep_alive=keep_alive, headers=headers)


class ChunkedBody:
    """A `Transfer-Encoding: chunked` response body that batches queued pieces into few writes."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self._writer = writer
        self._pending: list[bytes] = []
        self._pending_bytes = 0

    async def start(self, status: int, headers: Mapping[str, str]) -> None:
        """Send the status line and headers announcing a chunked body."""
        all_headers = merge_headers(headers, {"Transfer-Encoding": "chunked"})
        all_headers.pop("Content-Length", None)
        self._writer.write(response_head(status, all_headers))
        await self._writer.drain()

    async def queue(self, data: bytes) -> None:
        """Add data to the body, sending a batch once enough has piled up."""
        self._pending.append(data)
        self._pending_bytes += len(data)
        if len(self._pending) >= BATCH_EVENTS or self._pending_bytes >= BATCH_BYTES:
            await self.flush()

    async def flush(self) -> None:
        """Send everything queued as one chunk and wait until the transport can take more."""
        if self._pending:
            self._writer.write(self._take_chunk())
        await self._writer.drain()
        await asyncio.sleep(0)

    async def finish(self) -> None:
        """Send everything queued and the terminating empty chunk in one write."""
        self._writer.write(self._take_chunk() + b"0\r\n\r\n")
        await self._writer.drain()

    def _take_chunk(self) -> bytes:
        if not self._pending:
            return b""
        payload = b"".join(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
        return b"%x\r\n%s\r\n" % (len(payload), payload)
