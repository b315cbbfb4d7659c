"""In-memory model of the Discord objects localcord serves.

Every object keeps its data in Python attributes and renders Discord's documented
JSON shape through ``to_dict()``. Messages are stored as ready-made dicts (the
shape returned by the REST API) in per-channel insertion-ordered dicts, so
creating, looking up and deleting a message are O(1).
"""

from __future__ import annotations

import datetime as _dt
import secrets
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

DISCORD_EPOCH = 1420070400000

TEXT = 0
DM = 1
VOICE = 2
GROUP_DM = 3
CATEGORY = 4
ANNOUNCEMENT = 5
ANNOUNCEMENT_THREAD = 10
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12
THREAD_TYPES = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
PRIVATE_TYPES = (DM, GROUP_DM)

# Interaction contexts (where an interaction happens) and installation contexts (how the app is
# installed there): interactions/receiving-and-responding and resources/application.
GUILD_CONTEXT = 0
BOT_DM_CONTEXT = 1
PRIVATE_CHANNEL_CONTEXT = 2
GUILD_INSTALL = 0
USER_INSTALL = 1


Ref = int | str | Any
"""A Discord object (localcord's own, a discord.py one, or its JSON) or its id."""


def ref_id(ref: Ref) -> int:
    """The id of an object, a dict with an ``id``, or an id given as an int or a string."""
    if isinstance(ref, bool):
        raise TypeError("expected an id or object")
    if isinstance(ref, int):
        return ref
    if isinstance(ref, str):
        return int(ref)
    if isinstance(ref, dict):
        return int(ref["id"])
    return int(ref.id)


def iso(ts: float | None = None) -> str:
    """ISO-8601 timestamp the way Discord writes them."""
    if ts is None:
        ts = time.time()
    return _dt.datetime.fromtimestamp(ts, _dt.UTC).isoformat()


class Snowflakes:
    """Strictly increasing snowflake ids (timestamp << 22 | worker | process | increment)."""

    def __init__(self, worker: int = 1, process: int = 0) -> None:
        self._suffix = ((worker & 0x1F) << 17) | ((process & 0x1F) << 12)
        self._last_ms = 0
        self._inc = 0

    def next(self, *, distinct_ms: bool = False) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH
        if ms <= self._last_ms:
            if distinct_ms:
                ms = self._last_ms + 1
                self._inc = 0
            else:
                ms = self._last_ms
                self._inc += 1
                if self._inc > 0xFFF:
                    ms += 1
                    self._inc = 0
        else:
            self._inc = 0
        self._last_ms = ms
        return (ms << 22) | self._suffix | self._inc

    @staticmethod
    def timestamp(snowflake: int) -> float:
        return ((snowflake >> 22) + DISCORD_EPOCH) / 1000.0


@dataclass
class User:
    id: int
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None
    dms_open: bool = True

    @property
    def name(self) -> str:
        return self.username

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": str(self.id),
            "username": self.username,
            "discriminator": "0",
            "global_name": self.global_name,
            "avatar": self.avatar,
            "public_flags": 0,
            "flags": 0,
        }
        if self.bot:
            d["bot"] = True
        return d


@dataclass
class Role:
    id: int
    guild_id: int
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    managed: bool = False
    mentionable: bool = False
    bot_id: int | None = None
    premium_subscriber: bool = False  # the server's booster role (managed by Discord)

    @property
    def mention(self) -> str:
        return f"<@&{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "color": self.color,
            "colors": {"primary_color": self.color, "secondary_color": None, "tertiary_color": None},
            "hoist": self.hoist,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": self.mentionable,
            "flags": 0,
        }
        if self.bot_id is not None:
            d["tags"] = {"bot_id": str(self.bot_id)}
        elif self.premium_subscriber:
            d["tags"] = {"premium_subscriber": None}
        return d


@dataclass
class Member:
    guild_id: int
    user: User
    roles: list[int] = field(default_factory=list)
    nick: str | None = None
    joined_at: str = field(default_factory=iso)

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def name(self) -> str:
        return self.user.username

    @property
    def mention(self) -> str:
        return f"<@{self.user.id}>"

    def to_dict(self, *, with_user: bool = True, permissions: int | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "roles": [str(r) for r in self.roles],
            "nick": self.nick,
            "avatar": None,
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if with_user:
            d["user"] = self.user.to_dict()
        if permissions is not None:
            d["permissions"] = str(permissions)
        return d


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass(eq=False)
class Channel:
    id: int
    type: int
    name: str | None
    guild_id: int | None = None
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    nsfw: bool = False
    rate_limit_per_user: int = 0
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    recipients: list[User] = field(default_factory=list)
    last_message_id: int | None = None
    # threads
    owner_id: int | None = None
    archived: bool = False
    auto_archive_duration: int = 1440
    created_at: str = field(default_factory=iso)
    message_count: int = 0
    # message store: id -> message dict, in creation order
    messages: dict[int, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def is_thread(self) -> bool:
        return self.type in THREAD_TYPES

    @property
    def is_private(self) -> bool:
        """A DM or a group DM (no guild)."""
        return self.type in PRIVATE_TYPES

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    def to_dict(self) -> dict[str, Any]:
        if self.type == DM:
            return {
                "id": str(self.id),
                "type": DM,
                "name": None,
                "last_message_id": _sid(self.last_message_id),
                "recipients": [u.to_dict() for u in self.recipients],
                "flags": 0,
            }
        if self.type == GROUP_DM:
            return {
                "id": str(self.id),
                "type": GROUP_DM,
                "name": self.name,
                "icon": None,
                "owner_id": _sid(self.owner_id),
                "last_message_id": _sid(self.last_message_id),
                "recipients": [u.to_dict() for u in self.recipients],
                "flags": 0,
            }
        d: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "parent_id": _sid(self.parent_id),
            "last_message_id": _sid(self.last_message_id),
            "rate_limit_per_user": self.rate_limit_per_user,
            "flags": 0,
        }
        if self.is_thread:
            d.update(
                {
                    "owner_id": _sid(self.owner_id),
                    "member_count": 1,
                    "message_count": self.message_count,
                    "total_message_sent": self.message_count,
                    "thread_metadata": {
                        "archived": self.archived,
                        "auto_archive_duration": self.auto_archive_duration,
                        "archive_timestamp": self.created_at,
                        "locked": False,
                        "create_timestamp": self.created_at,
                    },
                }
            )
            return d
        d.update(
            {
                "position": self.position,
                "permission_overwrites": [o.to_dict() for o in self.overwrites.values()],
                "nsfw": self.nsfw,
                "topic": self.topic,
            }
        )
        if self.type in (TEXT, ANNOUNCEMENT):
            d["default_auto_archive_duration"] = 1440
        if self.type == VOICE:
            d.update({"bitrate": 64000, "user_limit": 0, "rtc_region": None})
        return d


@dataclass
class ScheduledEvent:
    id: int
    guild_id: int
    name: str
    scheduled_start_time: str
    entity_type: int
    privacy_level: int = 2
    status: int = 1
    scheduled_end_time: str | None = None
    description: str | None = None
    channel_id: int | None = None
    entity_metadata: dict[str, Any] | None = None
    creator: User | None = None
    image: str | None = None
    recurrence_rule: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "channel_id": _sid(self.channel_id),
            "creator_id": str(self.creator.id) if self.creator else None,
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": self.scheduled_start_time,
            "scheduled_end_time": self.scheduled_end_time,
            "privacy_level": self.privacy_level,
            "status": self.status,
            "entity_type": self.entity_type,
            "entity_id": None,
            "entity_metadata": self.entity_metadata,
            "user_count": 0,
            "image": self.image,
            "recurrence_rule": self.recurrence_rule,
        }
        if self.creator:
            d["creator"] = self.creator.to_dict()
        return d


@dataclass(eq=False)
class Guild:
    id: int
    name: str
    owner_id: int
    channels: dict[int, Channel] = field(default_factory=dict)
    threads: dict[int, Channel] = field(default_factory=dict)
    roles: dict[int, Role] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)
    commands: OrderedDict[int, dict[str, Any]] = field(default_factory=OrderedDict)
    bot_role_id: int | None = None
    preferred_locale: str = "en-US"
    joined_at: str = field(default_factory=iso)

    @property
    def everyone(self) -> Role:
        return self.roles[self.id]

    def channel_or_thread(self, cid: int) -> Channel | None:
        return self.channels.get(cid) or self.threads.get(cid)

    def to_dict(self, *, full: bool = False, bot_id: int | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "icon_hash": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "region": "deprecated",
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 1,
            "explicit_content_filter": 0,
            "roles": [r.to_dict() for r in self.roles.values()],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "nsfw_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": self.preferred_locale,
            "public_updates_channel_id": None,
            "max_members": 500000,
            "max_video_channel_users": 25,
            "premium_progress_bar_enabled": False,
            "incidents_data": None,
            "stage_instances": [],
            "guild_scheduled_events": [e.to_dict() for e in self.scheduled_events.values()],
        }
        if full:
            d.update(
                {
                    "joined_at": self.joined_at,
                    "large": len(self.members) > 250,
                    "unavailable": False,
                    "member_count": len(self.members),
                    "voice_states": [],
                    "members": [m.to_dict() for m in self.members.values()],
                    "channels": [c.to_dict() for c in self.channels.values()],
                    "threads": [t.to_dict() for t in self.threads.values() if not t.archived],
                    "presences": [],
                    "soundboard_sounds": [],
                }
            )
        return d


@dataclass
class Interaction:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user: User
    payload: dict[str, Any]
    created: float  # loop.time()
    shard_id: int = 0
    context: int = GUILD_CONTEXT
    owners: dict[str, str] = field(default_factory=dict)  # authorizing_integration_owners
    force_ephemeral: bool = False  # a user-installed app where members lack Use External Apps
    acknowledged: bool = False
    response_type: int | None = None
    response_data: dict[str, Any] | None = None
    original_message_id: int | None = None  # the message @original points at
    original_channel_id: int | None = None
    ephemeral: bool = False
    loading: bool = False  # deferred (type 5) and not yet completed
    followup_ids: list[int] = field(default_factory=list)
    ephemeral_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    future: Any = None  # asyncio.Future resolved at the first callback
    completed: Any = None  # asyncio.Event set when a deferred response is completed


def new_token() -> str:
    return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)


def _sid(value: int | None) -> str | None:
    return None if value is None else str(value)
