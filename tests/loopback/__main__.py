"""`python -m tests.loopback [--control] [--port N] [--api-key KEY]`: the loopback server in its own process."""

from __future__ import annotations

import argparse
import asyncio
import signal
from contextlib import suppress

from tests.loopback.server import LoopbackServer


async def _serve_until_signalled(server: LoopbackServer) -> None:
    print(await server.start_async(), flush=True)
    stop_requested = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        with suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal_number, stop_requested.set)
    try:
        await stop_requested.wait()
    finally:
        await server.stop_async()


def main(argv: list[str] | None = None) -> int:
    """Serve the loopback server in the foreground, printing the base URL as the first line of output."""
    parser = argparse.ArgumentParser(prog="python -m tests.loopback", description=main.__doc__)
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--control", action="store_true", help="enable the /_demo/ script and log routes")
    parser.add_argument("--api-key", default=None, help="require this Bearer key on /v1 routes")
    args = parser.parse_args(argv)
    server = LoopbackServer(port=args.port, api_key=args.api_key, control=args.control)
    with suppress(KeyboardInterrupt):
        asyncio.run(_serve_until_signalled(server))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
