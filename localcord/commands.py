"""Application commands: the registry (global and per guild), and the data of a command call.

:meth:`Commands.call_data` builds an interaction's ``data`` from a command path and plain
option values the way Discord does, ``resolved`` users, members, channels, roles and
attachments included.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import permissions as P
from . import state as S
from . import wire
from .state import ref_id

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core

SUBCOMMAND_TYPES = (1, 2)
_CHANNEL_KEYS = (
    "parent_id",
    "topic",
    "nsfw",
    "position",
    "last_message_id",
    "rate_limit_per_user",
    "flags",
    "guild_id",
)
_THREAD_KEYS = ("owner_id", "member_count", "message_count", "total_message_sent", "thread_metadata")


class Commands:
    def __init__(self, core: Core) -> None:
        self.core = core

    # ----------------------------------------------------------------- registry

    def store(self, guild: S.Guild | None) -> OrderedDict[int, dict[str, Any]]:
        """The commands of ``guild``, or the global ones."""
        return self.core.global_commands if guild is None else guild.commands

    def replace(self, guild: S.Guild | None, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Bulk overwrite: a command keeps its id when one of its type and name existed."""
        core = self.core
        store = self.store(guild)
        by_key = {(c["type"], c["name"]): c for c in store.values()}
        new: OrderedDict[int, dict[str, Any]] = OrderedDict()
        for p in payloads:
            ctype = p.get("type", 1)
            old = by_key.get((ctype, p.get("name")))
            cid = int(old["id"]) if old else core.snowflakes.next()
            perms = p.get("default_member_permissions")
            cmd = {
                "id": str(cid),
                "application_id": str(core.application_id),
                "version": str(core.snowflakes.next()),
                "type": ctype,
                "name": p.get("name"),
                "name_localizations": p.get("name_localizations"),
                "description": p.get("description", ""),
                "description_localizations": p.get("description_localizations"),
                "options": p.get("options") or [],
                "default_member_permissions": None if perms is None else str(perms),
                "dm_permission": p.get("dm_permission", True),
                "nsfw": bool(p.get("nsfw", False)),
                "contexts": p.get("contexts"),
                # null: the app's own install types; localcord's app defaults to the guild install
                "integration_types": p.get("integration_types") or [0],
            }
            if guild is not None:
                cmd["guild_id"] = str(guild.id)
            new[cid] = cmd
        store.clear()
        store.update(new)
        return list(new.values())

    def upsert(self, guild: S.Guild | None, payload: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Creates a command, or replaces the one of the same type and name: (command, created)."""
        store = self.store(guild)
        key = (payload.get("type", 1), payload.get("name"))
        existing = next((c for c in store.values() if (c["type"], c["name"]) == key), None)
        others = [c for c in store.values() if c is not existing]
        cmds = self.replace(guild, [*others, payload])
        return next(c for c in cmds if (c["type"], c["name"]) == key), existing is None

    def edit(self, guild: S.Guild | None, cmd: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
        """Replaces ``cmd`` by ``merged`` (the command with the edited fields), keeping its id."""
        cmds = [merged if c is cmd else c for c in self.store(guild).values()]
        return next(c for c in self.replace(guild, cmds) if c["id"] == cmd["id"])

    def delete(self, guild: S.Guild | None, cmd: dict[str, Any]) -> None:
        del self.store(guild)[int(cmd["id"])]

    def find(self, guild: S.Guild | None, name: str, ctype: int = 1) -> dict[str, Any]:
        """A command by name: the guild's first, then the global ones."""
        stores = ([guild.commands] if guild is not None else []) + [self.core.global_commands]
        for store in stores:
            for cmd in store.values():
                if cmd["name"] == name and cmd["type"] == ctype:
                    return cmd
        where = f"guild {guild.id}" if guild is not None else "global scope"
        known = sorted({c["name"] for s in stores for c in s.values()})
        raise LookupError(f"command {name!r} is not registered ({where}); registered: {known}")

    # --------------------------------------------------------- a command's call

    def call_data(
        self,
        guild: S.Guild | None,
        user: S.User,
        name: str | Sequence[str],
        options: dict[str, Any] | None,
        focused: str | None = None,
        *,
        command: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The ``data`` of an interaction calling ``name`` (``"announce channel add"``) with ``options``.

        ``command`` is the command ``name`` starts with, when the caller already found it.
        """
        path = name.split() if isinstance(name, str) else list(name)
        if not path:
            raise ValueError("empty command name")
        cmd = command if command is not None else self.find(guild, path[0])
        resolved: dict[str, dict[str, Any]] = {}
        schema = cmd.get("options") or []
        leaf_container: list[dict[str, Any]] = []
        top: list[dict[str, Any]] = leaf_container
        for part in path[1:]:
            sub = next((o for o in schema if o["name"] == part and o["type"] in SUBCOMMAND_TYPES), None)
            if sub is None:
                raise LookupError(f"{part!r} is not a subcommand of {' '.join(path[: path.index(part)])!r}")
            node = {"name": part, "type": sub["type"], "options": []}
            leaf_container.append(node)
            leaf_container = node["options"]
            schema = sub.get("options") or []
        if any(o["type"] in SUBCOMMAND_TYPES for o in schema):
            subs = [o["name"] for o in schema if o["type"] in SUBCOMMAND_TYPES]
            raise LookupError(f"{' '.join(path)!r} needs a subcommand: {subs}")
        values = dict(options or {})
        wire.refuse_invalid_text(values, f"options of /{' '.join(path)}")
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in values]
        if missing and focused is None:
            raise ValueError(f"missing required option(s) {missing} for {' '.join(path)!r}")
        leaf_container.extend(self._options(guild, schema, values, resolved, focused))
        if guild is not None and "channels" in resolved:
            member = guild.members[user.id]
            for cid, cd in resolved["channels"].items():
                channel = self.core.channels[int(cid)]
                cd["permissions"] = str(P.channel_permissions(guild, member, channel))
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": cmd["type"]}
        if top:
            data["options"] = top
        if resolved:
            data["resolved"] = resolved
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return data

    def _options(
        self,
        guild: S.Guild | None,
        schema: list[dict[str, Any]],
        values: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        focused: str | None = None,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in schema}
        out = []
        for name, value in values.items():
            opt = by_name.get(name)
            otype = opt["type"] if opt is not None else self._guess_type(value)
            if opt is None and schema:
                raise KeyError(f"option {name!r} is not defined; known: {sorted(by_name)}")
            entry: dict[str, Any] = {"name": name, "type": otype}
            if name == focused:
                entry["value"] = value if isinstance(value, str) else str(value)
                entry["focused"] = True
            else:
                entry["value"] = self._option_value(guild, otype, value, resolved)
            out.append(entry)
        return out

    @staticmethod
    def _guess_type(value: Any) -> int:
        if isinstance(value, bool):
            return 5
        if isinstance(value, int):
            return 4
        if isinstance(value, float):
            return 10
        if isinstance(value, (S.Member, S.User)):
            return 6
        if isinstance(value, S.Channel):
            return 7
        if isinstance(value, S.Role):
            return 8
        return 3

    def _option_value(
        self, guild: S.Guild | None, otype: int, value: Any, resolved: dict[str, dict[str, Any]]
    ) -> Any:
        core = self.core
        if otype == 3:
            return str(value)
        if otype == 4:
            return int(value)
        if otype == 5:
            return bool(value)
        if otype == 10:
            return float(value)
        if otype == 11:
            att = dict(value) if isinstance(value, dict) else {"filename": str(value)}
            aid = att.get("id") or str(core.snowflakes.next())
            att.setdefault("size", 0)
            att.setdefault("url", f"{core.base_url}/attachments/{aid}/{att['filename']}")
            att.setdefault("proxy_url", att["url"])
            att["id"] = str(aid)
            resolved.setdefault("attachments", {})[str(aid)] = att
            return str(aid)
        if otype == 9:  # mentionable: a role or a user
            is_role = isinstance(value, S.Role) or (
                guild is not None
                and not isinstance(value, (S.User, S.Member))
                and ref_id(value) in guild.roles
            )
            otype = 8 if is_role else 6
        oid = ref_id(value)
        if otype == 6:
            user = core.state_user(oid)
            resolved.setdefault("users", {})[str(oid)] = user.to_dict()
            if guild is not None and oid in guild.members:
                m = guild.members[oid]
                as_member = m.to_dict(with_user=False, permissions=P.base_permissions(guild, m))
                resolved.setdefault("members", {})[str(oid)] = as_member
        elif otype == 7:
            ch = core.state_channel(oid)
            d = ch.to_dict()
            # "permissions" are the invoking member's; call_data fills them in for guilds.
            cd: dict[str, Any] = {"id": d["id"], "name": d.get("name"), "type": ch.type, "permissions": "0"}
            for key in _CHANNEL_KEYS:
                if key in d:
                    cd[key] = d[key]
            if ch.is_thread:
                for key in _THREAD_KEYS:
                    cd[key] = d[key]
            resolved.setdefault("channels", {})[str(oid)] = cd
        elif otype == 8:
            if guild is None:
                raise ValueError("role options need a guild")
            resolved.setdefault("roles", {})[str(oid)] = guild.roles[oid].to_dict()
        return str(oid)
