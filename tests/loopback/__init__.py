"""The loopback server of the network tests: the product's demo server plus scripts, a request log and control routes."""

from tests.loopback.script import LoggedRequest, Script
from tests.loopback.server import LoopbackServer

__all__ = ["LoggedRequest", "LoopbackServer", "Script"]
