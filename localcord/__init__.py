"""localcord: a Discord-compatible server on loopback for testing discord.py bots."""

from . import permissions
from .core import Limits, RequestRecord
from .installs import CommandUnavailable
from .invocations import InteractionResult, InteractionTimeout
from .server import LocalDiscord

__all__ = [
    "LocalDiscord",
    "Limits",
    "InteractionResult",
    "InteractionTimeout",
    "CommandUnavailable",
    "RequestRecord",
    "permissions",
]
