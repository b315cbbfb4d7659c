"""Guild setup: users, guilds, channels, threads, roles, members, overwrites, scheduled events,
and the DMs and group DMs between users.

What a test builds before the bot acts, and what REST creates when the bot asks. Every
change is dispatched to the bot as Discord would (CHANNEL_CREATE, GUILD_ROLE_UPDATE, ...).

Roles are ordered as Discord orders them: @everyone at 0, then 1, 2, ... upwards. A new role,
and the bot's own role when it joins, goes to the bottom (position 1), pushing the others up;
:meth:`GuildSetup.move_role` puts a role elsewhere. So a role made after the bot joined is below
the bot's, and one made before is above it, as in Discord.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import permissions as P
from . import state as S
from .state import Ref
from .validation import LOCALES

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core


class GuildSetup:
    def __init__(self, core: Core) -> None:
        self.core = core

    # --------------------------------------------------------- users and guilds

    def create_user(self, name: str, *, bot: bool = False, global_name: str | None = None) -> S.User:
        core = self.core
        user = S.User(core.snowflakes.next(), name, global_name=global_name, bot=bot)
        core.users[user.id] = user
        return user

    def create_guild(
        self,
        name: str = "Test Guild",
        owner: Ref | None = None,
        *,
        bot_permissions: Any = None,
        everyone_permissions: Any = P.DEFAULT_EVERYONE,
        with_bot: bool = True,
        shard: int | None = None,
        shard_count: int | None = None,
    ) -> S.Guild:
        core = self.core
        count = shard_count or core.shard_count
        while True:
            gid = core.snowflakes.next(distinct_ms=True)
            if shard is None or (gid >> 22) % count == shard:
                break
        owner_user = core.state_user(owner) if owner is not None else self.create_user(f"{name}-owner")
        guild = S.Guild(gid, name, owner_user.id)
        guild.roles[gid] = S.Role(gid, gid, "@everyone", P.to_int(everyone_permissions), position=0)
        core.guilds[gid] = guild
        guild.members[owner_user.id] = S.Member(gid, owner_user)
        if with_bot:
            self._add_bot(guild, bot_permissions)
        return guild

    def _add_bot(self, guild: S.Guild, bot_permissions: Any = None) -> None:
        core = self.core
        perms = core.default_bot_permissions if bot_permissions is None else P.to_int(bot_permissions)
        bot = core.bot_user
        role = S.Role(core.snowflakes.next(), guild.id, bot.username, perms, managed=True, bot_id=bot.id)
        guild.roles[role.id] = role
        self.place_role(guild, role, 1)  # the bot is not there yet: nothing to tell it
        guild.bot_role_id = role.id
        guild.members[bot.id] = S.Member(guild.id, bot, [role.id])
        session = core.session_for_guild(guild.id)
        if session is not None:
            session.dispatch("GUILD_CREATE", core.guild_create_payload(guild))

    def add_bot_to_guild(self, guild: Ref, bot_permissions: Any = None) -> None:
        g = self.core.state_guild(guild)
        if self.core.bot_user.id not in g.members:
            self._add_bot(g, bot_permissions)

    def remove_bot_from_guild(self, guild: Ref) -> None:
        g = self.core.state_guild(guild)
        session = self.core.session_for_guild(g.id)
        g.members.pop(self.core.bot_user.id, None)
        if session is not None:
            session.dispatch("GUILD_DELETE", {"id": str(g.id)})

    # ----------------------------------------------------------------- channels

    def create_channel(
        self,
        guild: Ref,
        name: str,
        type: int = S.TEXT,
        *,
        topic: str | None = None,
        parent: Ref | None = None,
        position: int | None = None,
        nsfw: bool = False,
    ) -> S.Channel:
        core = self.core
        g = core.state_guild(guild)
        channel = S.Channel(
            core.snowflakes.next(),
            type,
            name,
            guild_id=g.id,
            position=len(g.channels) if position is None else position,
            parent_id=None if parent is None else S.ref_id(parent),
            topic=topic,
            nsfw=nsfw,
        )
        g.channels[channel.id] = channel
        core.channels[channel.id] = channel
        core.dispatch_guild(g, "CHANNEL_CREATE", channel.to_dict())
        return channel

    def open_thread(
        self,
        parent: S.Channel,
        name: str,
        ttype: int,
        *,
        thread_id: int | None = None,
        auto_archive_duration: int = 1440,
    ) -> S.Channel:
        """A thread the bot opens in ``parent`` (on a message when ``thread_id`` is the message's id)."""
        core = self.core
        thread = S.Channel(
            thread_id or core.snowflakes.next(),
            ttype,
            name,
            guild_id=parent.guild_id,
            parent_id=parent.id,
            owner_id=core.bot_user.id,
            auto_archive_duration=auto_archive_duration,
        )
        g = core.guilds[parent.guild_id]  # type: ignore[index]
        g.threads[thread.id] = thread
        core.channels[thread.id] = thread
        data = thread.to_dict()
        data["newly_created"] = True
        core.dispatch_guild(g, "THREAD_CREATE", data)
        return thread

    def create_thread(self, channel: Ref, name: str, *, message: Ref | None = None) -> S.Channel:
        parent = self.core.state_channel(channel)
        ttype = S.ANNOUNCEMENT_THREAD if parent.type == S.ANNOUNCEMENT else S.PUBLIC_THREAD
        return self.open_thread(parent, name, ttype, thread_id=None if message is None else S.ref_id(message))

    def delete_channel(self, channel: Ref) -> None:
        core = self.core
        ch = core.state_channel(channel)
        core.channels.pop(ch.id, None)
        if ch.guild_id is not None:
            g = core.guilds[ch.guild_id]
            g.channels.pop(ch.id, None)
            g.threads.pop(ch.id, None)
            event = "THREAD_DELETE" if ch.is_thread else "CHANNEL_DELETE"
            data = ch.to_dict()
            if ch.is_thread:
                data = {
                    "id": str(ch.id),
                    "guild_id": str(g.id),
                    "parent_id": str(ch.parent_id),
                    "type": ch.type,
                }
            core.dispatch_guild(g, event, data)
            for thread in [t for t in g.threads.values() if t.parent_id == ch.id]:
                self.delete_channel(thread)
        else:
            for uid, dm in list(core.dms.items()):
                if dm is ch:
                    del core.dms[uid]

    def dm_channel(self, user: S.User) -> S.Channel:
        """The bot's DM channel with ``user``, opened on first use."""
        core = self.core
        ch = core.dms.get(user.id)
        if ch is None:
            ch = S.Channel(core.snowflakes.next(), S.DM, None, recipients=[user])
            core.dms[user.id] = ch
            core.channels[ch.id] = ch
        return ch

    def set_dms_open(self, user: Ref, open: bool = True) -> None:
        self.core.state_user(user).dms_open = open

    def create_private_channel(self, users: Sequence[Ref], *, name: str | None = None) -> S.Channel:
        """A DM between two users, or a group DM of more (owned by the first); the bot is no party.

        The bot hears nothing of it; a user-installed app answers there through its interactions.
        """
        core = self.core
        members = [core.state_user(u) for u in users]
        ids = [u.id for u in members]
        if len(set(ids)) != len(ids) or len(ids) < 2:
            raise ValueError("a private channel needs at least two different users")
        if core.bot_user.id in ids:
            raise ValueError("the bot's own DM is opened by run_command(None, user, ...)")
        ctype = S.DM if len(members) == 2 and name is None else S.GROUP_DM
        ch = S.Channel(core.snowflakes.next(), ctype, name, recipients=members)
        if ctype == S.GROUP_DM:
            ch.owner_id = members[0].id
        core.channels[ch.id] = ch
        return ch

    # -------------------------------------------------------- roles and members

    def create_role(
        self,
        guild: Ref,
        name: str,
        *,
        permissions: Any = 0,
        mentionable: bool = False,
        color: int = 0,
        hoist: bool = False,
        position: int = 1,
        managed: bool = False,
        bot: Ref | None = None,
        premium_subscriber: bool = False,
    ) -> S.Role:
        """A role at ``position`` (default the bottom, as Discord makes it). ``bot`` makes it that
        bot's managed role, ``premium_subscriber`` the server's booster role (managed too)."""
        core = self.core
        g = core.state_guild(guild)
        bot_id = None if bot is None else core.state_user(bot).id
        role = S.Role(
            core.snowflakes.next(),
            g.id,
            name,
            P.to_int(permissions),
            color=color,
            hoist=hoist,
            mentionable=mentionable,
            managed=managed or bot_id is not None or premium_subscriber,
            bot_id=bot_id,
            premium_subscriber=premium_subscriber,
        )
        g.roles[role.id] = role
        moved = self.place_role(g, role, position)
        core.dispatch_guild(g, "GUILD_ROLE_CREATE", {"guild_id": str(g.id), "role": role.to_dict()})
        for other in moved:
            if other is not role:
                self.update_role(g, other)
        return role

    def place_role(self, guild: S.Guild, role: S.Role, position: int) -> list[S.Role]:
        """Puts ``role`` at ``position`` (1 is just above @everyone) and numbers the others around it
        from 1 upwards; returns the roles whose position changed (``role`` included)."""
        if role.id == guild.id:
            raise ValueError("@everyone stays at position 0")
        others = sorted(
            (r for r in guild.roles.values() if r.id != guild.id and r is not role),
            key=lambda r: (r.position, r.id),
        )
        others.insert(max(0, min(position - 1, len(others))), role)
        moved = []
        for number, r in enumerate(others, start=1):
            if r.position != number:
                r.position = number
                moved.append(r)
        return moved

    def move_role(self, guild: Ref, role: Ref, position: int) -> None:
        """Moves a role, as an admin dragging it in Server Settings → Roles."""
        g = self.core.state_guild(guild)
        for r in self.place_role(g, self.core.state_role(g, role), position):
            self.update_role(g, r)

    def set_preferred_locale(self, guild: Ref, locale: str) -> None:
        """Sets a server's language, as an admin does in Server Settings (a Discord locale such
        as "ko" or "en-US"), and tells the bot (GUILD_UPDATE)."""
        if locale not in LOCALES:
            raise ValueError(f"{locale!r} is not a Discord locale")
        g = self.core.state_guild(guild)
        g.preferred_locale = locale
        self.core.dispatch_guild(g, "GUILD_UPDATE", g.to_dict())

    def update_role(self, guild: S.Guild, role: S.Role) -> None:
        """Tells the bot that ``role`` changed."""
        self.core.dispatch_guild(
            guild, "GUILD_ROLE_UPDATE", {"guild_id": str(guild.id), "role": role.to_dict()}
        )

    def delete_role(self, guild: Ref, role: Ref) -> None:
        g = self.core.state_guild(guild)
        r = self.core.state_role(g, role)
        del g.roles[r.id]
        for m in g.members.values():
            if r.id in m.roles:
                m.roles.remove(r.id)
        self.core.dispatch_guild(g, "GUILD_ROLE_DELETE", {"guild_id": str(g.id), "role_id": str(r.id)})

    def set_bot_permissions(self, guild: Ref, permissions: Any) -> None:
        g = self.core.state_guild(guild)
        role = g.roles[g.bot_role_id] if g.bot_role_id else None
        if role is None:
            raise KeyError("the bot is not a member of this guild")
        role.permissions = P.to_int(permissions)
        self.update_role(g, role)

    def set_role_permissions(self, guild: Ref, role: Ref, permissions: Any) -> None:
        g = self.core.state_guild(guild)
        r = self.core.state_role(g, role)
        r.permissions = P.to_int(permissions)
        self.update_role(g, r)

    def create_member(
        self,
        guild: Ref,
        name: str | None = None,
        *,
        roles: Sequence[Ref] = (),
        permissions: Any = None,
        user: Ref | None = None,
        nick: str | None = None,
    ) -> S.Member:
        core = self.core
        g = core.state_guild(guild)
        u = core.state_user(user) if user is not None else self.create_user(name or f"user{len(core.users)}")
        role_ids = [S.ref_id(r) for r in roles]
        for rid in role_ids:
            if rid not in g.roles:
                raise KeyError(f"role {rid} is not in guild {g.id}")
        if permissions is not None:
            personal = self.create_role(g, f"{u.username}-permissions", permissions=permissions)
            role_ids.append(personal.id)
        member = S.Member(g.id, u, role_ids, nick=nick)
        g.members[u.id] = member
        core.dispatch_guild(g, "GUILD_MEMBER_ADD", {**member.to_dict(), "guild_id": str(g.id)})
        return member

    def add_role(self, guild: Ref, member: Ref, role: Ref) -> None:
        g = self.core.state_guild(guild)
        self.set_member_role(g, self.core.state_member(g, member), self.core.state_role(g, role), add=True)

    def remove_role(self, guild: Ref, member: Ref, role: Ref) -> None:
        g = self.core.state_guild(guild)
        self.set_member_role(g, self.core.state_member(g, member), self.core.state_role(g, role), add=False)

    def set_member_role(
        self,
        guild: S.Guild,
        member: S.Member,
        role: S.Role,
        *,
        add: bool,
        by: S.User | None = None,
        reason: str | None = None,
    ) -> bool:
        """Gives ``member`` the role or takes it away; True when that changed anything.

        A change is dispatched as GUILD_MEMBER_UPDATE and, when ``by`` someone (the bot through
        REST), written to the audit log with its reason.
        """
        if (role.id in member.roles) == add:
            return False
        if add:
            member.roles.append(role.id)
        else:
            member.roles.remove(role.id)
        core = self.core
        if by is not None:
            core.audit_log.append(
                {
                    "guild_id": str(guild.id),
                    "action_type": 25,  # MEMBER_ROLE_UPDATE
                    "user_id": str(by.id),
                    "target_id": str(member.id),
                    "changes": [
                        {
                            "key": "$add" if add else "$remove",
                            "new_value": [{"id": str(role.id), "name": role.name}],
                        }
                    ],
                    "reason": reason,
                }
            )
        core.dispatch_guild(guild, "GUILD_MEMBER_UPDATE", {**member.to_dict(), "guild_id": str(guild.id)})
        return True

    # --------------------------------------------------------------- overwrites

    def overwrite_target(self, guild: S.Guild, who: Any) -> tuple[int, int]:
        """(id, type) of an overwrite for ``who``: "everyone", "bot", a role, a member or an id."""
        if isinstance(who, str) and who in ("everyone", "@everyone"):
            return guild.id, 0
        if isinstance(who, str) and who == "bot":
            return self.core.bot_user.id, 1
        if isinstance(who, S.Role):
            return who.id, 0
        if isinstance(who, (S.Member, S.User)):
            return who.id, 1
        oid = S.ref_id(who)
        return oid, 0 if oid in guild.roles else 1

    def set_channel_overwrite(self, channel: Ref, who: Any, *, allow: Any = 0, deny: Any = 0) -> S.Overwrite:
        core = self.core
        ch = core.state_channel(channel)
        g = core.state_guild(ch.guild_id)
        oid, otype = self.overwrite_target(g, who)
        ow = S.Overwrite(oid, otype, P.to_int(allow), P.to_int(deny))
        ch.overwrites[oid] = ow
        core.dispatch_channel("CHANNEL_UPDATE", ch)
        return ow

    def change_overwrite(self, guild: Ref, channel: Ref, who: Any, perm: Any, *, allow: bool) -> S.Overwrite:
        """Allows or denies ``perm`` for ``who`` in ``channel``, keeping the overwrite's other bits."""
        core = self.core
        ch = core.state_channel(channel)
        g = core.state_guild(guild if guild is not None else ch.guild_id)
        oid, otype = self.overwrite_target(g, who)
        ow = ch.overwrites.get(oid) or S.Overwrite(oid, otype)
        bits = P.to_int(perm)
        if allow:
            ow.allow |= bits
            ow.deny &= ~bits
        else:
            ow.deny |= bits
            ow.allow &= ~bits
        ch.overwrites[oid] = ow
        core.dispatch_channel("CHANNEL_UPDATE", ch)
        return ow

    # --------------------------------------------------------- scheduled events

    def create_scheduled_event(
        self, guild: S.Guild, payload: dict[str, Any], *, creator: S.User | None = None
    ) -> S.ScheduledEvent:
        """A scheduled event from the body of ``POST /guilds/{id}/scheduled-events``, made by
        ``creator`` (the bot when None), as it is: Discord's rules are ``core.events``'."""
        core = self.core
        ev = S.ScheduledEvent(
            core.snowflakes.next(),
            guild.id,
            payload.get("name", ""),
            payload.get("scheduled_start_time", S.iso()),
            int(payload.get("entity_type") or 3),
            privacy_level=payload.get("privacy_level", 2),
            scheduled_end_time=payload.get("scheduled_end_time"),
            description=payload.get("description"),
            channel_id=int(payload["channel_id"]) if payload.get("channel_id") else None,
            entity_metadata=payload.get("entity_metadata"),
            creator=creator or core.bot_user,
            image=payload.get("image"),
            recurrence_rule=payload.get("recurrence_rule"),
        )
        guild.scheduled_events[ev.id] = ev
        core.dispatch_guild(guild, "GUILD_SCHEDULED_EVENT_CREATE", ev.to_dict())
        return ev
