"""Which servers this process serves: Discord's shards as a plain value. No discord here.

Discord sends a server's events to shard ``(guild_id >> 22) % shard_count``. A process started
with ``SHARD_IDS`` runs only those shards, so it plans and sends the announcements, the week at
a glance and the scheduled events of the servers on them, and leaves the others to the
processes that run their shards: :meth:`ShardScope.owns` says which. A process without
``SHARD_IDS`` runs every shard and serves every server, whatever the count.

A process given ``SHARD_IDS`` is one of a *cluster*: other processes share its database, so the
jobs that are not per server (catalogue syncs, followers' DMs) run in one of them at a time,
the holder of a lease (``bot.lease``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord routes a server to."""
    return (guild_id >> 22) % shard_count


@dataclass(frozen=True, slots=True)
class ShardScope:
    """The shards a process runs: ``ids`` of ``count``, or every shard (``ids`` None)."""

    count: int | None = None
    ids: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.count is not None and self.count < 1:
            raise ValueError(f"a shard count is 1 or more, not {self.count}")
        if self.ids is not None:
            if self.count is None:
                raise ValueError("shard ids need a shard count")
            if not self.ids:
                raise ValueError("no shard ids")
            wrong = sorted(i for i in self.ids if not 0 <= i < self.count)
            if wrong:
                raise ValueError(f"shard {wrong[0]} does not exist among {self.count} shards")

    @classmethod
    def of(cls, count: int | None, ids: Iterable[int] | None) -> ShardScope:
        return cls(count, None if ids is None else frozenset(ids))

    @property
    def cluster(self) -> bool:
        """Whether this process was told its shards: other processes may serve the rest."""
        return self.ids is not None

    @property
    def labels(self) -> tuple[str, ...]:
        """One name per shard served in a cluster (``"2/4"``: shard 2 of 4); none otherwise."""
        if self.ids is None:
            return ()
        return tuple(f"{i}/{self.count}" for i in sorted(self.ids))

    def owns(self, guild_id: int) -> bool:
        """Whether the server is on one of this process's shards."""
        if self.ids is None or self.count is None:
            return True
        return shard_of(guild_id, self.count) in self.ids

    def describe(self) -> str:
        if self.ids is None:
            return "every shard" if self.count is None else f"all {self.count} shards"
        return f"shards {', '.join(map(str, sorted(self.ids)))} of {self.count}"


EVERY_SHARD = ShardScope()


def parse_shard_ids(text: str, count: int) -> tuple[int, ...]:
    """``0-3``, ``0,2``, ``1`` or ``0-1,3`` as sorted shard ids, each below ``count``.

    Raises ValueError saying what is wrong."""
    found: set[int] = set()
    for part in text.replace(" ", "").split(","):
        low, dash, high = part.partition("-")
        if not (low.isascii() and low.isdigit()) or (dash and not (high.isascii() and high.isdigit())):
            raise ValueError(f"{part!r} is not a shard number or a range like 0-3")
        first, last = int(low), int(high) if dash else int(low)
        if last < first:
            raise ValueError(f"{part!r} runs backwards")
        if last >= count:
            raise ValueError(f"shard {last} does not exist among {count} (0 to {count - 1})")
        found.update(range(first, last + 1))
    return tuple(sorted(found))


__all__ = ["EVERY_SHARD", "ShardScope", "parse_shard_ids", "shard_of"]
