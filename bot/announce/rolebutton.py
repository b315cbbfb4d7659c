"""The opt-in role button of ``/announce rolebutton``: its custom id, its label, and every check and
text, pure (no discord), so the cog only gathers facts from Discord and says what this returns.

A button hands out one role. Before posting one, and again at each press, the bot must be able to:
hand the role out (not @everyone, not a role managed by an integration, Manage Roles, the role
below the bot's highest role) and, to post, see and write in the channel with embeds.

The button and the message it sits under are in the server's language; every answer is in the
language of whoever asked or pressed (``lang``; English by default). A constant here is an English
message id: say it with ``texts(lang)(CONSTANT)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.announce.options import missing_permissions
from bot.errors import BadInput
from bot.i18n import ENGLISH, N_, Msg, texts
from bot.render import permission_label
from bot.search import clean_input

CUSTOM_ID = "premiere:role:{role_id}"
#: The custom id of every role button: the role is all it carries, so a button outlives restarts.
TEMPLATE = r"premiere:role:(?P<role_id>[0-9]{1,20})"
DEFAULT_LABEL = N_("Ping me for releases")
LABEL_MAX = 80  # Discord's limit for a button label
COLOUR = 0x5865F2


def custom_id(role_id: int) -> str:
    return CUSTOM_ID.format(role_id=role_id)


def role_id_of(custom: str) -> int | None:
    """The role a role button's custom id names, or None for any other custom id."""
    match = re.fullmatch(TEMPLATE, custom)
    return None if match is None else int(match["role_id"])


def parse_label(text: str | None, lang: str = ENGLISH) -> str:
    """The button's label: the default (in ``lang``, the server's language) when none is given;
    refused when empty or too long."""
    if text is None:
        return texts(lang)(DEFAULT_LABEL)
    label = clean_input(text).replace("\n", " ").replace("\t", " ")
    if not label:
        raise BadInput(
            Msg("The button's **label** is empty: type a few words, or leave it out for the default.")
        )
    if len(label) > LABEL_MAX:
        raise BadInput(
            Msg(
                "The button's **label** is too long: at most {max} characters, not {length}.",
                max=LABEL_MAX,
                length=len(label),
            )
        )
    return label


@dataclass(frozen=True, slots=True)
class RoleStanding:
    """What Discord says of a role and of the bot in its server, as the checks need it."""

    mention: str  # the role's mention (an embed or ephemeral message never pings)
    is_default: bool  # @everyone
    managed: bool  # a bot's role, the booster role, another integration's role
    manage_roles: bool  # the bot has Manage Roles in the server
    below_bot: bool  # strictly below the bot's highest role (or the bot owns the server)
    bot_top_mention: str  # the bot's highest role, to say where to move it


def role_problem(role: RoleStanding, *, pressing: bool = False, lang: str = ENGLISH) -> str | None:
    """Why the bot cannot hand ``role`` out, in one line for an admin (or, ``pressing``, for a
    member pressing the button), or None when it can."""
    tr = texts(lang)
    r = role.mention
    if role.is_default:
        if pressing:
            return tr(
                "This button hands out @everyone, which everyone has already; ask an admin to post a new one."
            )
        return tr(
            "@everyone can't be handed out: everyone has it already. Pick a role made for release pings."
        )
    if role.managed:
        if pressing:
            return tr(
                "{role} is managed by an integration and can't be handed out; "
                "ask an admin to post a new button.",
                role=r,
            )
        return tr(
            "{role} is managed by an integration (a bot's role or the booster role): Discord lets no one "
            "hand it out. Pick another role.",
            role=r,
        )
    if not role.manage_roles:
        if pressing:
            return tr(
                "I can't hand out {role} any more: I'm missing **Manage Roles**. "
                "Ask an admin to grant it to me.",
                role=r,
            )
        return tr(
            "I'm missing **Manage Roles** in this server: grant it to my role in Server Settings → Roles, "
            "then run this again."
        )
    if not role.below_bot:
        if pressing:
            return tr(
                "I can't hand out {role} any more: it is at or above my highest role. Ask an admin to move "
                "my role above {role} in Server Settings → Roles.",
                role=r,
            )
        return tr(
            "{role} is at or above my highest role ({top}), so I can't hand it out: "
            "move my role above {role} in Server Settings → Roles, then run this again.",
            role=r,
            top=role.bot_top_mention,
        )
    return None


def channel_problem(channel_mention: str, granted: Mapping[str, bool], lang: str = ENGLISH) -> str | None:
    """What the bot lacks to post the button in a channel (View Channel, Send Messages, Embed Links)."""
    tr = texts(lang)
    missing = missing_permissions(granted)
    if not missing:
        return None
    return tr(
        "I can't post in {channel}: I'm missing **{permissions}** there. "
        "Grant it in the channel's permissions, then run this again.",
        channel=channel_mention,
        permissions=", ".join(permission_label(p, lang) for p in missing),
    )


NOT_THIS_SERVER = N_("That channel is not in this server: pick one of this server's channels.")
CHANNEL_GONE = N_("That channel no longer exists: pick another one.")
ROLE_NOT_HERE = N_("That role is not in this server: pick one of this server's roles.")
ROLE_GONE = N_("That role no longer exists; ask an admin to post a new button.")
ONLY_IN_SERVER = N_("This button works only in the server it was posted in.")
NOT_A_MEMBER = N_("You're no longer a member of this server.")
TRY_AGAIN = N_("Discord didn't take the change just now; try again in a moment.")


def not_text_channel(channel_mention: str, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    return tr("{channel} is not a text or announcement channel: pick one of those.", channel=channel_mention)


def granted_text(role_mention: str, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    return tr("You now have {role}: you'll be pinged for releases.", role=role_mention)


def removed_text(role_mention: str, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    return tr("Removed {role}.", role=role_mention)


def refused_text(role_mention: str, lang: str = ENGLISH) -> str:
    """Discord refused the change (403) though the checks passed: its state moved meanwhile."""
    tr = texts(lang)
    return tr(
        "Discord didn't let me change your roles. Ask an admin to check that my role has "
        "**Manage Roles** and sits above {role} in Server Settings → Roles.",
        role=role_mention,
    )


def post_failed_text(channel_mention: str, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    return tr(
        "Discord didn't let me post in {channel}. Check my permissions there "
        "(View Channel, Send Messages, Embed Links), then run this again.",
        channel=channel_mention,
    )


def not_mentionable_text(role_mention: str, lang: str = ENGLISH) -> str:
    tr = texts(lang)
    return tr(
        "⚠️ {role} is not mentionable: make it mentionable (Server Settings → Roles), "
        "or its members won't be notified.",
        role=role_mention,
    )


def posted_text(channel_mention: str, role_mention: str, *, pinged: bool, lang: str = ENGLISH) -> str:
    """What the admin is told once the button is up; ``pinged``: a mention of the role notifies."""
    tr = texts(lang)
    text = tr(
        "Posted the button in {channel}: pressing it gives {role}, pressing it again takes it away.",
        channel=channel_mention,
        role=role_mention,
    )
    if not pinged:
        text += "\n" + not_mentionable_text(role_mention, lang)
    return text


def post_embed(role_mention: str, lang: str = ENGLISH) -> dict[str, Any]:
    """The message the button sits under (embed dict; an embed never pings), in ``lang``: the
    server's language."""
    tr = texts(lang)
    return {
        "type": "rich",
        "title": tr("Release pings"),
        "description": tr(
            "Press the button to get {role} and be pinged when releases are announced. "
            "Press it again to stop.",
            role=role_mention,
        ),
        "color": COLOUR,
    }
