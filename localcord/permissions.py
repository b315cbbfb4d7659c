"""Discord permission bits and the permission computation for guild members.

The algorithm follows Discord's documented order:

1. the guild owner has every permission;
2. base = @everyone role permissions | every role of the member;
3. ADMINISTRATOR grants every permission;
4. channel overwrites: @everyone, then all of the member's roles (denies and allows
   aggregated), then the member's own overwrite;
5. without VIEW_CHANNEL nothing else applies; without SEND_MESSAGES, the permissions
   that depend on sending (mention everyone, TTS, attach files, embed links) are lost.

Threads use the overwrites of their parent channel.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

CREATE_INSTANT_INVITE = 1 << 0
KICK_MEMBERS = 1 << 1
BAN_MEMBERS = 1 << 2
ADMINISTRATOR = 1 << 3
MANAGE_CHANNELS = 1 << 4
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_AUDIT_LOG = 1 << 7
PRIORITY_SPEAKER = 1 << 8
STREAM = 1 << 9
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
SEND_TTS_MESSAGES = 1 << 12
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
VIEW_GUILD_INSIGHTS = 1 << 19
CONNECT = 1 << 20
SPEAK = 1 << 21
MUTE_MEMBERS = 1 << 22
DEAFEN_MEMBERS = 1 << 23
MOVE_MEMBERS = 1 << 24
USE_VAD = 1 << 25
CHANGE_NICKNAME = 1 << 26
MANAGE_NICKNAMES = 1 << 27
MANAGE_ROLES = 1 << 28
MANAGE_WEBHOOKS = 1 << 29
MANAGE_GUILD_EXPRESSIONS = 1 << 30
USE_APPLICATION_COMMANDS = 1 << 31
REQUEST_TO_SPEAK = 1 << 32
MANAGE_EVENTS = 1 << 33
MANAGE_THREADS = 1 << 34
CREATE_PUBLIC_THREADS = 1 << 35
CREATE_PRIVATE_THREADS = 1 << 36
USE_EXTERNAL_STICKERS = 1 << 37
SEND_MESSAGES_IN_THREADS = 1 << 38
USE_EMBEDDED_ACTIVITIES = 1 << 39
MODERATE_MEMBERS = 1 << 40
CREATE_EVENTS = 1 << 44
SEND_POLLS = 1 << 49
USE_EXTERNAL_APPS = 1 << 50

ALL = (1 << 53) - 1

#: What a freshly created guild grants @everyone (close to Discord's default).
DEFAULT_EVERYONE = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | STREAM
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_EXTERNAL_EMOJIS
    | CONNECT
    | SPEAK
    | USE_VAD
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | CREATE_PRIVATE_THREADS
    | USE_EXTERNAL_STICKERS
    | SEND_MESSAGES_IN_THREADS
    | SEND_POLLS
    | USE_EXTERNAL_APPS
)

#: What the bot's own managed role grants unless configured otherwise.
DEFAULT_BOT = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_EXTERNAL_EMOJIS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | MANAGE_EVENTS
    | CREATE_EVENTS
)

NAMES = {name: value for name, value in globals().items() if name.isupper() and isinstance(value, int)}

#: What an app may use in its interaction responses where it has no bot member: Discord's
#: ``app_permissions`` of such an app (change log, 2022-06-29, "Calculated Permissions in
#: Interaction Payloads").
INTERACTION_RESPONSE = ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE | USE_EXTERNAL_EMOJIS
#: ``app_permissions`` in a DM or group DM between users (PRIVATE_CHANNEL) ...
PRIVATE_CHANNEL_APP = ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE
#: ... and, on top of what the bot has there, in the DM with the app's bot user (BOT_DM)
#: (interactions/receiving-and-responding, the interaction object's ``app_permissions``).
BOT_DM_APP = PRIVATE_CHANNEL_APP | USE_EXTERNAL_EMOJIS
#: What a user-installed app gets of the invoking member's permissions in a server it is not in:
#: it speaks through the member, who must see the channel and may send there.
_USER_INSTALL_FROM_MEMBER = VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | INTERACTION_RESPONSE

# Permissions lost when SEND_MESSAGES is denied in a text channel.
_SEND_DEPENDENT = MENTION_EVERYONE | SEND_TTS_MESSAGES | ATTACH_FILES | EMBED_LINKS


def to_int(value: Any) -> int:
    """Accepts an int, a numeric string, an object with ``.value`` (discord.Permissions),
    a permission name (``"SEND_MESSAGES"``) or an iterable of those."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise TypeError("permissions must not be a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if value.isdigit():
            return int(value)
        try:
            return NAMES[value.upper()]
        except KeyError:
            raise ValueError(f"unknown permission {value!r}") from None
    if hasattr(value, "value"):
        return int(value.value)
    if isinstance(value, Iterable):
        result = 0
        for item in value:
            result |= to_int(item)
        return result
    raise TypeError(f"cannot interpret {value!r} as permissions")


def base_permissions(guild: Any, member: Any) -> int:
    """Guild-level permissions of ``member`` (state.Member) in ``guild`` (state.Guild)."""
    if member.user.id == guild.owner_id:
        return ALL
    perms = guild.roles[guild.id].permissions
    roles = guild.roles
    for role_id in member.roles:
        role = roles.get(role_id)
        if role is not None:
            perms |= role.permissions
    if perms & ADMINISTRATOR:
        return ALL
    return perms


def overwrite_permissions(base: int, guild: Any, member: Any, overwrites: dict) -> int:
    """Applies a channel's overwrites (``{target_id: Overwrite}``) to ``base``."""
    if base & ADMINISTRATOR:
        return ALL
    perms = base
    everyone = overwrites.get(guild.id)
    if everyone is not None:
        perms &= ~everyone.deny
        perms |= everyone.allow
    allow = deny = 0
    for role_id in member.roles:
        ow = overwrites.get(role_id)
        if ow is not None and ow.type == 0:
            allow |= ow.allow
            deny |= ow.deny
    perms &= ~deny
    perms |= allow
    own = overwrites.get(member.user.id)
    if own is not None and own.type == 1:
        perms &= ~own.deny
        perms |= own.allow
    return perms


def channel_permissions(guild: Any, member: Any, channel: Any) -> int:
    """Effective permissions of ``member`` in ``channel`` (threads use their parent)."""
    base = base_permissions(guild, member)
    if base == ALL:
        return ALL
    target = channel
    if channel.is_thread and channel.parent_id in guild.channels:
        target = guild.channels[channel.parent_id]
    perms = overwrite_permissions(base, guild, member, target.overwrites)
    if not perms & VIEW_CHANNEL:
        return 0
    if target.type in (0, 5) and not perms & SEND_MESSAGES:
        perms &= ~_SEND_DEPENDENT
    return perms


def has(perms: int, needed: int) -> bool:
    return perms & needed == needed


def user_install_app_permissions(member_permissions: int) -> int:
    """``app_permissions`` of a user-installed app run in a server its bot is not in.

    Discord reduces them to what an interaction response can use, taken from the invoking
    member's permissions in the channel (discord-api-docs#7251: a member's own Use External
    Emojis shows through), with Attach Files and Embed Links always granted
    (discord-api-docs#5316: "Interactions for apps without a bot integration in the context will
    have their app_permissions always have Attach Files and Embed Links").
    """
    return (member_permissions & _USER_INSTALL_FROM_MEMBER) | ATTACH_FILES | EMBED_LINKS


def top_role_position(guild: Any, member: Any) -> int:
    """The position of ``member``'s highest role (0, @everyone's, for a member with none)."""
    roles = guild.roles
    return max((roles[r].position for r in member.roles if r in roles), default=0)
