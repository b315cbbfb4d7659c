"""localcord: a Discord-compatible server on loopback for testing discord.py bots."""

from . import permissions
from .server import InteractionResult, InteractionTimeout, Limits, LocalDiscord, RequestRecord

__all__ = [
    "LocalDiscord",
    "Limits",
    "InteractionResult",
    "InteractionTimeout",
    "RequestRecord",
    "permissions",
]
