"""Test doubles with the real interfaces: sample catalogue records and an in-memory Poster."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.announce.port import (
    ChannelBroken,
    ChannelGone,
    DeliveryError,
    Post,
    RecipientClosed,
    TransientDeliveryError,
)
from bot.models import Kind, Release, Scope, Show, ShowRecord, When


def aoad() -> ShowRecord:
    """All of Us Are Dead: the whole season on Netflix at 17:00 in Seoul (08:00 UTC)."""
    show = Show(
        "all-of-us-are-dead",
        "All of Us Are Dead",
        Kind.SERIES,
        original_title="지금 우리 학교는",
        platform="Netflix",
        country="KR",
        episode_count=12,
        season_count=1,
        synopsis="A high school becomes ground zero for a zombie virus outbreak.",
    )
    rel = Release(
        show.id, When.parse("2022-01-28T17:00", "Asia/Seoul"), Scope.SEASON, season=1, platform="Netflix"
    )
    return ShowRecord(show, releases=[rel])


def aoad_as_episodes() -> ShowRecord:
    """The same drop as twelve episode releases at one instant (the way an episode feed lists it)."""
    rec = aoad()
    when = When.parse("2022-01-28T17:00", "Asia/Seoul")
    rels = [Release(rec.show.id, when, Scope.EPISODE, 1, n, "Netflix") for n in range(1, 13)]
    return ShowRecord(rec.show, releases=rels)


def weekly() -> ShowRecord:
    """A weekly show: episode 1 and 2 on 2022-01-28 08:00 UTC, then one a week (Disney+)."""
    show = Show("snowdrop", "Snowdrop", Kind.SERIES, platform="Disney+", episode_count=16, season_count=1)
    rels = [
        Release(show.id, When.parse("2022-01-28T08:00", "UTC"), Scope.EPISODE, 1, 1, "Disney+"),
        Release(show.id, When.parse("2022-01-28T08:00", "UTC"), Scope.EPISODE, 1, 2, "Disney+", region="KR"),
        Release(show.id, When.parse("2022-02-04T08:00", "UTC"), Scope.EPISODE, 1, 3, "Disney+"),
    ]
    return ShowRecord(show, releases=rels)


def film(date_text: str = "2022-02-10", zone: str = "Asia/Seoul") -> ShowRecord:
    show = Show("the-film", "The Film", Kind.FILM, platform="Netflix")
    return ShowRecord(
        show, releases=[Release(show.id, When.parse(date_text, zone), Scope.SHOW, platform="Netflix")]
    )


DM_BASE = 10**15  # the fake DM channel of member N is DM_BASE + N


@dataclass
class FakePoster:
    """Behaves like Discord for the service: a repeated nonce returns the original message."""

    sent: list[Post] = field(default_factory=list)
    by_nonce: dict[str, int] = field(default_factory=dict)
    published: list[int] = field(default_factory=list)
    threads: list[tuple[int, int, str]] = field(default_factory=list)
    owner_dms: list[tuple[int, int, str]] = field(default_factory=list)
    owner_dm_names: list[tuple[str | None, bool]] = field(default_factory=list)  # (channel name, gone)
    broken: dict[int, str] = field(default_factory=dict)  # channel -> reason
    deleted: set[int] = field(default_factory=set)  # channels Discord answers 404 Unknown Channel for
    transient: dict[int, int] = field(default_factory=dict)  # channel -> failures left
    calls: int = 0
    crash_after: int | None = None  # raise CancelledError-like crash after this many real sends
    next_id: int = 1000
    dms_closed: set[int] = field(default_factory=set)  # members whose DMs answer 50007
    dm_opened: list[int] = field(default_factory=list)  # members a DM channel was opened for

    async def open_dm(self, user_id: int) -> int:
        """A member's DM channel: ``DM_BASE + user id`` (DMs to it fail when theirs are closed)."""
        self.calls += 1
        self.dm_opened.append(user_id)
        return DM_BASE + user_id

    def dms_to(self, user_id: int) -> list[Post]:
        return [p for p in self.sent if p.channel_id == DM_BASE + user_id]

    async def send(self, post: Post) -> int:
        self.calls += 1
        if post.channel_id - DM_BASE in self.dms_closed:
            raise RecipientClosed(
                "the member's DMs are closed to the bot (Cannot send messages to this user)"
            )
        if post.channel_id in self.deleted:
            raise ChannelGone("the channel was deleted (Unknown Channel)")
        if post.channel_id in self.broken:
            raise ChannelBroken(self.broken[post.channel_id])
        if self.transient.get(post.channel_id, 0) > 0:
            self.transient[post.channel_id] -= 1
            raise TransientDeliveryError("Discord had a server error (503)")
        if post.nonce and post.nonce in self.by_nonce:
            return self.by_nonce[post.nonce]
        if len(post.embeds) > 10:
            raise DeliveryError("too many embeds")
        self.next_id += 1
        self.sent.append(post)
        if post.nonce:
            self.by_nonce[post.nonce] = self.next_id
        if self.crash_after is not None and len(self.sent) >= self.crash_after:
            raise Crash()
        return self.next_id

    async def publish(self, channel_id: int, message_id: int) -> None:
        self.published.append(message_id)

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None:
        self.threads.append((channel_id, message_id, name))

    async def notify_owner(
        self,
        guild_id: int,
        channel_id: int,
        reason: str,
        *,
        channel_name: str | None = None,
        gone: bool = False,
    ) -> None:
        self.owner_dms.append((guild_id, channel_id, reason))
        self.owner_dm_names.append((channel_name, gone))

    async def find_recent(self, post: Post) -> int | None:
        return self.by_nonce.get(post.nonce or "")

    def posts_in(self, channel_id: int) -> list[Post]:
        return [p for p in self.sent if p.channel_id == channel_id]


class Crash(BaseException):
    """Stands for the process dying right after Discord accepted a message."""
