"""The port to Discord: what a post is, what the Discord adapter must do, and how it fails.

``bot/delivery.py`` implements :class:`Poster` with discord.py and translates Discord's answers
into these errors; tests implement it in memory. Nothing here imports discord.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

Embed = dict[str, Any]


class DeliveryError(Exception):
    """A post could not be delivered; ``reason`` is one short line for the ledger and admins."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ChannelBroken(DeliveryError):
    """The channel is gone or the bot lost a permission there (403 50013/50001, 404 10003)."""


class ChannelGone(ChannelBroken):
    """The channel was deleted (404 10003): its settings go, and nothing is ever posted there."""


class RecipientClosed(ChannelBroken):
    """A member does not take DMs from the bot (Discord's 50007): their follows pause."""


class TransientDeliveryError(DeliveryError):
    """A server error or a timeout: worth a bounded retry."""


@dataclass(frozen=True, slots=True)
class Post:
    channel_id: int
    content: str
    embeds: list[Embed]
    role_id: int | None  # the only mention the message may ping
    nonce: str | None
    thread_name: str | None = None
    reminder: bool = False  # a reminder ahead of a release: never crossposted, no thread


class Poster(Protocol):
    async def send(self, post: Post) -> int: ...  # the message id; raises DeliveryError
    async def publish(self, channel_id: int, message_id: int) -> None: ...
    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None: ...
    async def notify_owner(
        self,
        guild_id: int,
        channel_id: int,
        reason: str,
        *,
        channel_name: str | None = None,
        gone: bool = False,
    ) -> None: ...  # ``channel_name``: the name last seen, for a channel Discord no longer has
    async def find_recent(self, post: Post) -> int | None: ...  # a message already carrying this post
    # The DM channel with a member (one request; the run remembers it). A DM is then a post to
    # that channel, which raises RecipientClosed when the member's DMs are closed to the bot.
    async def open_dm(self, user_id: int) -> int: ...


__all__ = [
    "ChannelBroken",
    "ChannelGone",
    "DeliveryError",
    "Embed",
    "Post",
    "Poster",
    "RecipientClosed",
    "TransientDeliveryError",
]
