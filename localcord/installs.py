"""Where the app is installed, and where a command may run: Discord's install contexts.

The app is installed to a server when its bot is a member there (``GUILD_INSTALL``, 0), and to a
user's account when that user installed it (``USER_INSTALL``, 1;
``LocalDiscord.install_for_user``). Every interaction happens in one of three interaction
contexts: ``GUILD`` (0), ``BOT_DM`` (1, the DM with the app's bot user) and ``PRIVATE_CHANNEL``
(2, a DM or group DM between users, ``LocalDiscord.create_private_channel``).

``run_command``, ``run_autocomplete``, the component calls and ``submit_modal`` work the context
out from where they run; nothing new is needed in their calls:

* ``run_command(guild, member, ...)`` in a server the bot is in: a guild install, as always;
  in a server the bot is **not** in, by a member who installed the app: a user install. The
  interaction carries ``guild_id``, ``member``, a partial ``channel`` and a reduced
  ``app_permissions``; the bot never got a GUILD_CREATE for that server, yet the interaction
  reaches it (on the shard of the server's id, as every event with a ``guild_id``).
* ``run_command(None, user, ...)``: the bot's DM (context 1);
  ``run_command(None, user, ..., channel=private)``: a DM or group DM between users (context 2).

A command is offered under an install when that install exists where it runs, its
``integration_types`` lists the install and its ``contexts`` lists the context. The interaction's
``authorizing_integration_owners`` has one key per such install: ``"0"`` is the server's id (or
``"0"`` in the bot's DM), ``"1"`` the installing user's id. A command offered under no install
raises :class:`CommandUnavailable`: Discord would not show it there. So does a guild-registered
command anywhere but the GUILD context of its server with the bot in it. Defaults follow
Discord's: ``integration_types`` null means a guild install only; ``contexts`` null means every
context (but the bot's DM when ``dm_permission`` is false). ``stale_client=True`` skips the check:
a client whose cached command list predates the command's current contexts can still send it.

What changes for the bot under a user install only (no bot in that server), as Discord does it:
``app_permissions`` (:func:`~localcord.permissions.user_install_app_permissions`); answers
forced ephemeral where the member lacks Use External Apps; at most 5 follow-ups (400 40094).
Answers go through the interaction's webhook; ``POST /channels/{id}/messages`` to a channel of a
server the bot is not in, or to a DM it is not part of, gets 403 50001 Missing Access.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import permissions as P
from . import state as S
from .state import Ref

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core

CONTEXT_NAMES = {
    S.GUILD_CONTEXT: "GUILD",
    S.BOT_DM_CONTEXT: "BOT_DM",
    S.PRIVATE_CHANNEL_CONTEXT: "PRIVATE_CHANNEL",
}
INSTALL_NAMES = {S.GUILD_INSTALL: "GUILD_INSTALL", S.USER_INSTALL: "USER_INSTALL"}
#: Follow-ups an interaction authorized by a user install alone may create (receiving-and-responding,
#: "Create Followup Message").
USER_INSTALL_FOLLOWUPS = 5
# The fields of a partial channel in an interaction (receiving-and-responding, resolved data).
_PARTIAL_CHANNEL_KEYS = (
    "id",
    "name",
    "type",
    "last_message_id",
    "nsfw",
    "parent_id",
    "guild_id",
    "flags",
    "rate_limit_per_user",
    "topic",
    "position",
    "thread_metadata",
)


class CommandUnavailable(LookupError):
    """A command Discord would not offer where it was run (its contexts or installs exclude it)."""


@dataclass(frozen=True)
class Surface:
    """Where a user acts: a server's channel, the bot's DM, or a private channel between users."""

    guild: S.Guild | None
    channel: S.Channel
    user: S.User
    context: int


class Installs:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.users: set[int] = set()  # the users who installed the app to their account

    # ------------------------------------------------------------------ installs

    def install_for_user(self, user: Ref) -> S.User:
        u = self.core.state_user(user)
        self.users.add(u.id)
        return u

    def uninstall_for_user(self, user: Ref) -> None:
        self.users.discard(self.core.state_user(user).id)

    def user_installed(self, user: Ref) -> bool:
        return self.core.state_user(user).id in self.users

    def guild_installed(self, guild: S.Guild | None) -> bool:
        """Whether the app is installed to ``guild``: its bot is a member there."""
        return guild is not None and self.core.bot_user.id in guild.members

    # ------------------------------------------------------------------ where

    def context_of(self, channel: S.Channel) -> int:
        if channel.guild_id is not None:
            return S.GUILD_CONTEXT
        return S.BOT_DM_CONTEXT if self.core.is_bot_dm(channel) else S.PRIVATE_CHANNEL_CONTEXT

    def surface(self, guild: Ref | None, member: Ref, channel: Ref | None) -> Surface:
        """Where ``member`` acts: in ``guild`` (its first text channel unless ``channel``), or with
        ``guild=None`` in the bot's DM, or in ``channel`` when that is a DM or group DM."""
        core = self.core
        user = core.state_user(member)
        if guild is None:
            if channel is None:
                return Surface(None, core.setup.dm_channel(user), user, S.BOT_DM_CONTEXT)
            ch = core.state_channel(channel)
            if ch.guild_id is not None:
                raise ValueError(f"channel {ch.id} is in guild {ch.guild_id}: pass that guild")
            if user.id not in {u.id for u in ch.recipients}:
                raise KeyError(f"user {user.id} is not a recipient of channel {ch.id}")
            return Surface(None, ch, user, self.context_of(ch))
        g = core.state_guild(guild)
        if user.id not in g.members:
            raise KeyError(f"user {user.id} is not a member of guild {g.id}")
        if channel is None:
            text = [c for c in g.channels.values() if c.type in (S.TEXT, S.ANNOUNCEMENT)]
            if not text:
                raise ValueError("guild has no text channel; pass channel=")
            ch = text[0]
        else:
            ch = core.state_channel(channel)
        return Surface(g, ch, user, S.GUILD_CONTEXT)

    def installs_here(self, surface: Surface) -> dict[str, str]:
        """The installs that reach ``surface``, as ``authorizing_integration_owners`` keys."""
        owners: dict[str, str] = {}
        if surface.context == S.GUILD_CONTEXT:
            if self.guild_installed(surface.guild):
                assert surface.guild is not None
                owners[str(S.GUILD_INSTALL)] = str(surface.guild.id)
        elif surface.context == S.BOT_DM_CONTEXT:
            owners[str(S.GUILD_INSTALL)] = "0"
        if surface.user.id in self.users:
            owners[str(S.USER_INSTALL)] = str(surface.user.id)
        return owners

    # ------------------------------------------------------------------ commands

    @staticmethod
    def command_contexts(cmd: dict[str, Any]) -> list[int]:
        """Where a global command may run: its ``contexts``, or Discord's default for null."""
        contexts = cmd.get("contexts")
        if contexts is not None:
            return [int(c) for c in contexts]
        everywhere = [S.GUILD_CONTEXT, S.BOT_DM_CONTEXT, S.PRIVATE_CHANNEL_CONTEXT]
        if cmd.get("dm_permission") is False:
            everywhere.remove(S.BOT_DM_CONTEXT)
        return everywhere

    @staticmethod
    def command_installs(cmd: dict[str, Any]) -> list[int]:
        return [int(t) for t in cmd.get("integration_types") or [S.GUILD_INSTALL]]

    def find_command(self, surface: Surface, name: str) -> dict[str, Any]:
        """The command ``name`` as the user's client lists it there (guild commands only where the
        app is installed to that server)."""
        guild = surface.guild
        installed = self.guild_installed(guild)
        try:
            return self.core.commands.find(guild if installed else None, name)
        except LookupError:
            if (
                guild is not None
                and not installed
                and any(c["name"] == name for c in guild.commands.values())
            ):
                raise CommandUnavailable(
                    f"/{name} is registered to guild {guild.id} only, and the bot is not in it"
                ) from None
            raise

    def command_owners(self, surface: Surface, cmd: dict[str, Any]) -> dict[str, str]:
        """``authorizing_integration_owners`` of running ``cmd`` at ``surface``, or
        :class:`CommandUnavailable` where Discord would not offer it."""
        where = self._describe(surface)
        if cmd.get("guild_id"):
            guild = surface.guild
            if (
                surface.context != S.GUILD_CONTEXT
                or guild is None
                or int(cmd["guild_id"]) != guild.id
                or not self.guild_installed(guild)
            ):
                raise CommandUnavailable(
                    f"/{cmd['name']} is registered to guild {cmd['guild_id']} only; it is not offered {where}"
                )
            return {str(S.GUILD_INSTALL): str(guild.id)}
        contexts = self.command_contexts(cmd)
        installs = self.command_installs(cmd)
        if surface.context not in contexts:
            allowed = [CONTEXT_NAMES.get(c, str(c)) for c in contexts]
            raise CommandUnavailable(f"/{cmd['name']} is not offered {where}: its contexts are {allowed}")
        here = self.installs_here(surface)
        owners = {k: v for k, v in here.items() if int(k) in installs}
        if not owners:
            wanted = [INSTALL_NAMES.get(t, str(t)) for t in installs]
            present = [INSTALL_NAMES[int(k)] for k in here] or ["none"]
            raise CommandUnavailable(
                f"/{cmd['name']} is not offered {where}: it needs {wanted}, "
                f"and the installs there are {present}"
            )
        return owners

    def component_owners(self, surface: Surface, message: dict[str, Any]) -> dict[str, str]:
        """The installs a click on ``message`` is authorized by: those of the interaction that made
        the message, or for a message the bot posted itself, its guild install."""
        meta = message.get("interaction_metadata") or {}
        owners = meta.get("authorizing_integration_owners")
        if owners:
            return {str(k): str(v) for k, v in owners.items()}
        here = self.installs_here(surface)
        guild_key = str(S.GUILD_INSTALL)
        return {guild_key: here[guild_key]} if guild_key in here else here

    # ------------------------------------------------------------------ what the app may do

    def app_permissions(self, surface: Surface) -> int:
        core = self.core
        if surface.context == S.GUILD_CONTEXT:
            guild = surface.guild
            assert guild is not None
            if self.guild_installed(guild):
                return core.bot_permissions_in(surface.channel)
            member = guild.members[surface.user.id]
            return P.user_install_app_permissions(P.channel_permissions(guild, member, surface.channel))
        if surface.context == S.BOT_DM_CONTEXT:
            return core.permissions_for(core.bot_user.id, surface.channel) | P.BOT_DM_APP
        return P.PRIVATE_CHANNEL_APP

    def forced_ephemeral(self, surface: Surface, owners: dict[str, str]) -> bool:
        """A user-installed app in a server it is not in, where the member may not Use External
        Apps: its answers are ephemeral (change log, "User-Installed Apps General Availability")."""
        if surface.context != S.GUILD_CONTEXT or str(S.GUILD_INSTALL) in owners:
            return False
        guild = surface.guild
        assert guild is not None
        perms = P.channel_permissions(guild, guild.members[surface.user.id], surface.channel)
        return not perms & P.USE_EXTERNAL_APPS

    @staticmethod
    def partial_channel(channel: S.Channel) -> dict[str, Any]:
        """The channel as an interaction from a server the bot is not in carries it."""
        full = channel.to_dict()
        return {k: full[k] for k in _PARTIAL_CHANNEL_KEYS if k in full}

    def _describe(self, surface: Surface) -> str:
        if surface.context == S.GUILD_CONTEXT:
            assert surface.guild is not None
            state = "with the bot" if self.guild_installed(surface.guild) else "without the bot"
            return f"in guild {surface.guild.id} ({state}, context GUILD)"
        if surface.context == S.BOT_DM_CONTEXT:
            return "in the bot's DM (context BOT_DM)"
        return f"in private channel {surface.channel.id} (context PRIVATE_CHANNEL)"
