"""Guilds: their channels, roles, members and scheduled events.

A member's roles (``PUT``/``DELETE /guilds/{guild}/members/{user}/roles/{role}``, 204) follow
Discord's rules: 404 10007 Unknown Member, 404 10011 Unknown Role; 403 50013 without Manage Roles,
for a role at or above the bot's highest role (unless the bot owns the server), and for a role
nobody may hand out: @everyone, or a role managed by an integration (a bot's role, the booster
role). The docs name only the Manage Roles requirement; Discord answers the others with the same
403 50013 Missing Permissions. ``X-Audit-Log-Reason`` is kept with the change in the audit log.

Scheduled events follow Discord's rules as ``core.events`` (scheduled_events.py) applies them.
"""

from __future__ import annotations

from urllib.parse import unquote

from aiohttp import web

from . import permissions as P
from . import state as S
from . import validation as V
from .errors import APIError, missing_permissions
from .rest_base import Route, Routes, json_response, no_content, path_int, read_payload


class GuildRoutes(Routes):
    def routes(self) -> list[Route]:
        return [
            ("GET", "/guilds/{guild_id}", self.get_guild),
            ("GET", "/guilds/{guild_id}/channels", self.guild_channels),
            ("POST", "/guilds/{guild_id}/channels", self.guild_create_channel),
            ("GET", "/guilds/{guild_id}/roles", self.guild_roles),
            ("POST", "/guilds/{guild_id}/roles", self.guild_create_role),
            ("PATCH", "/guilds/{guild_id}/roles/{role_id}", self.guild_edit_role),
            ("DELETE", "/guilds/{guild_id}/roles/{role_id}", self.guild_delete_role),
            ("GET", "/guilds/{guild_id}/members", self.guild_members),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self.guild_member),
            ("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.add_member_role),
            ("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", self.remove_member_role),
            ("GET", "/guilds/{guild_id}/scheduled-events", self.list_events),
            ("POST", "/guilds/{guild_id}/scheduled-events", self.create_event),
            ("GET", "/guilds/{guild_id}/scheduled-events/{event_id}", self.get_event),
            ("PATCH", "/guilds/{guild_id}/scheduled-events/{event_id}", self.edit_event),
            ("DELETE", "/guilds/{guild_id}/scheduled-events/{event_id}", self.delete_event),
        ]

    # -------------------------------------------------------------------- guilds

    async def get_guild(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        d = guild.to_dict()
        if request.query.get("with_counts", "").lower() in ("1", "true"):
            d["approximate_member_count"] = len(guild.members)
            d["approximate_presence_count"] = 0
        return json_response(d)

    async def guild_channels(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        return json_response([c.to_dict() for c in guild.channels.values()])

    async def guild_create_channel(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        if self.core.limits.permissions and not self.core.bot_base_permissions(guild) & P.MANAGE_CHANNELS:
            raise missing_permissions()
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.bad_length(errors, ("name",), payload.get("name"), 1, 100)
            if errors:
                raise APIError.form(errors)
        channel = self.core.setup.create_channel(
            guild, payload["name"], type=payload.get("type", 0), topic=payload.get("topic")
        )
        return json_response(channel.to_dict(), 201)

    async def guild_roles(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        return json_response([r.to_dict() for r in guild.roles.values()])

    async def guild_create_role(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        if self.core.limits.permissions and not self.core.bot_base_permissions(guild) & P.MANAGE_ROLES:
            raise missing_permissions()
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.max_length(errors, ("name",), payload.get("name"), 100)
            if errors:
                raise APIError.form(errors)
        role = self.core.setup.create_role(
            guild,
            payload.get("name") or "new role",
            permissions=int(payload.get("permissions") or 0),
            mentionable=bool(payload.get("mentionable", False)),
            color=int(payload.get("color") or 0),
            hoist=bool(payload.get("hoist", False)),
        )
        return json_response(role.to_dict())

    def _role(self, guild: S.Guild, request: web.Request) -> S.Role:
        role = guild.roles.get(path_int(request.match_info["role_id"]))
        if role is None:
            raise APIError(404, 10011, "Unknown Role")
        return role

    async def guild_edit_role(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        if self.core.limits.permissions and not self.core.bot_base_permissions(guild) & P.MANAGE_ROLES:
            raise missing_permissions()
        role = self._role(guild, request)
        payload, _ = await read_payload(request)
        for key in ("name", "mentionable", "hoist", "color"):
            if key in payload:
                setattr(role, key, payload[key])
        if "permissions" in payload:
            role.permissions = int(payload["permissions"])
        self.core.setup.update_role(guild, role)
        return json_response(role.to_dict())

    async def guild_delete_role(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        if self.core.limits.permissions and not self.core.bot_base_permissions(guild) & P.MANAGE_ROLES:
            raise missing_permissions()
        role = self._role(guild, request)
        self.core.setup.delete_role(guild, role)
        return no_content()

    async def guild_members(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        try:
            limit = max(1, min(1000, int(request.query.get("limit", 1))))
        except ValueError:
            limit = 1
        after = int(request.query.get("after", 0) or 0)
        out = []
        for uid in sorted(guild.members):
            if uid > after:
                out.append(guild.members[uid].to_dict())
                if len(out) >= limit:
                    break
        return json_response(out)

    async def guild_member(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        return json_response(self._member(guild, request).to_dict())

    def _member(self, guild: S.Guild, request: web.Request) -> S.Member:
        member = guild.members.get(path_int(request.match_info["user_id"]))
        if member is None:
            raise APIError(404, 10007, "Unknown Member")
        return member

    async def add_member_role(self, request: web.Request) -> web.Response:
        return await self._member_role(request, add=True)

    async def remove_member_role(self, request: web.Request) -> web.Response:
        return await self._member_role(request, add=False)

    async def _member_role(self, request: web.Request, *, add: bool) -> web.Response:
        core = self.core
        guild = self.guild(request)
        member = self._member(guild, request)
        role = self._role(guild, request)
        if role.id == guild.id or role.managed:
            raise missing_permissions()  # @everyone, or a role only its integration hands out
        bot = guild.members[core.bot_user.id]
        if core.limits.permissions and bot.id != guild.owner_id:
            if not P.base_permissions(guild, bot) & P.MANAGE_ROLES:
                raise missing_permissions()
            if role.position >= P.top_role_position(guild, bot):
                raise missing_permissions()
        raw_reason = request.headers.get("X-Audit-Log-Reason")
        reason = None if raw_reason is None else unquote(raw_reason)
        core.setup.set_member_role(guild, member, role, add=add, by=core.bot_user, reason=reason)
        return no_content()

    # ---------------------------------------------------------- scheduled events
    # Discord's rules (permissions, fields, statuses, automation) are core.events'.

    def _event(self, guild: S.Guild, request: web.Request) -> S.ScheduledEvent:
        self.core.events.advance(guild)
        ev = guild.scheduled_events.get(path_int(request.match_info["event_id"]))
        if ev is None:
            raise APIError(404, 10070, "Unknown Guild Scheduled Event")
        return ev

    async def list_events(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        self.core.events.advance(guild)
        return json_response([e.to_dict() for e in guild.scheduled_events.values()])

    async def get_event(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        return json_response(self._event(guild, request).to_dict())

    async def create_event(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        payload, _ = await read_payload(request)
        ev = self.core.events.create(guild, payload, reason=_reason(request))
        return json_response(ev.to_dict())

    async def edit_event(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        ev = self._event(guild, request)
        payload, _ = await read_payload(request)
        self.core.events.edit(guild, ev, payload, reason=_reason(request))
        return json_response(ev.to_dict())

    async def delete_event(self, request: web.Request) -> web.Response:
        guild = self.guild(request)
        ev = self._event(guild, request)
        self.core.events.delete(guild, ev, reason=_reason(request))
        return no_content()


def _reason(request: web.Request) -> str | None:
    raw = request.headers.get("X-Audit-Log-Reason")
    return None if raw is None else unquote(raw)
