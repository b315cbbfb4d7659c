"""Messages: posting (with nonces), editing, deleting, crossposting, mentions, and waiting for them.

Messages are kept as the dicts the REST API returns, in their channel's insertion-ordered
dict. The bot's own posts, interaction answers and a test's user messages are all built by
:meth:`Messages.build`, so they share one shape.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from . import state as S
from . import validation as V
from . import wire
from .errors import APIError, invalid_json
from .state import Ref, ref_id

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core

EPHEMERAL = 1 << 6
LOADING = 1 << 7
CROSSPOSTED = 1 << 0
SUPPRESS_EMBEDS = 1 << 2
# The flags a sender may set: suppress embeds, ephemeral, silent, components v2.
SETTABLE_FLAGS = SUPPRESS_EMBEDS | EPHEMERAL | (1 << 12) | (1 << 15)

_USER_RE = re.compile(r"<@!?(\d{1,21})>")
_ROLE_RE = re.compile(r"<@&(\d{1,21})>")


class Messages:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.crossposted: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}  # attachment id -> the bytes uploaded
        self._nonces: OrderedDict[tuple[int, int, str], tuple[int, float]] = OrderedDict()
        self._waiters: dict[int, list[tuple[int, asyncio.Future[None]]]] = {}

    # ------------------------------------------------------------------ queries

    def in_channel(self, channel: Ref) -> list[dict[str, Any]]:
        """Messages in ``channel``, oldest first (ephemeral ones are in no channel)."""
        ch = self.core.channels.get(ref_id(channel))
        return [] if ch is None else list(ch.messages.values())

    def get(self, channel: Ref, message_id: Ref) -> dict[str, Any] | None:
        ch = self.core.channels.get(ref_id(channel))
        return None if ch is None else ch.messages.get(ref_id(message_id))

    async def wait_for(self, channel: Ref, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:  # noqa: ASYNC109
        """Waits until ``channel`` holds at least ``count`` messages, then returns them all."""
        cid = ref_id(channel)
        ch = self.core.channels.get(cid)
        if ch is not None and len(ch.messages) >= count:
            return list(ch.messages.values())
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (count, fut)
        self._waiters.setdefault(cid, []).append(entry)
        try:
            await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            have = len(self.in_channel(cid))
            raise TimeoutError(f"channel {cid}: expected {count} messages, have {have}") from None
        finally:
            waiting = self._waiters.get(cid)
            if waiting and entry in waiting:
                waiting.remove(entry)
        return self.in_channel(cid)

    # ------------------------------------------------------------------ parts

    def mentions(
        self,
        channel: S.Channel,
        content: str,
        allowed: dict[str, Any] | None,
        privileged: bool,
        replied_to: int | None,
    ) -> tuple[list[dict[str, Any]], list[str], bool]:
        """(mentions, mention_roles, mention_everyone): only what would actually ping."""
        core = self.core
        guild = core.guild_of(channel)
        if allowed is None:
            parse = {"users", "roles", "everyone"}
            allowed_users: set[int] = set()
            allowed_roles: set[int] = set()
            replied = True
        else:
            parse = set(allowed.get("parse") or [])
            allowed_users = {int(x) for x in allowed.get("users") or []}
            allowed_roles = {int(x) for x in allowed.get("roles") or []}
            replied = bool(allowed.get("replied_user", False))
        user_ids: list[int] = []
        if content and "<@" in content:
            for m in _USER_RE.finditer(content):
                uid = int(m.group(1))
                if uid in core.users and uid not in user_ids and ("users" in parse or uid in allowed_users):
                    user_ids.append(uid)
        if replied_to is not None and replied and replied_to not in user_ids:
            user_ids.append(replied_to)
        mentions = []
        for uid in user_ids:
            d = core.users[uid].to_dict()
            if guild is not None and uid in guild.members:
                d["member"] = guild.members[uid].to_dict(with_user=False)
            mentions.append(d)
        roles: list[str] = []
        if guild is not None and content and "<@&" in content:
            for m in _ROLE_RE.finditer(content):
                rid = int(m.group(1))
                role = guild.roles.get(rid)
                if role is None or rid == guild.id or str(rid) in roles:
                    continue
                if ("roles" in parse or rid in allowed_roles) and (role.mentionable or privileged):
                    roles.append(str(rid))
        everyone = (
            bool(content)
            and ("@everyone" in content or "@here" in content)
            and "everyone" in parse
            and privileged
        )
        return mentions, roles, everyone

    @staticmethod
    def normalize_embeds(embeds: Any) -> list[dict[str, Any]]:
        out = []
        for e in embeds or []:
            e = dict(e)
            e.setdefault("type", "rich")
            e.setdefault("content_scan_version", 0)
            out.append(e)
        return out

    def attachments(self, files: list[dict[str, Any]], meta: Any) -> list[dict[str, Any]]:
        out = []
        meta = meta if isinstance(meta, list) else []
        for i, f in enumerate(files):
            aid = self.core.snowflakes.next()
            info = meta[i] if i < len(meta) and isinstance(meta[i], dict) else {}
            filename = info.get("filename") or f["filename"]
            url = f"{self.core.base_url}/attachments/{aid}/{filename}"
            att = {
                "id": str(aid),
                "filename": filename,
                "size": f["size"],
                "url": url,
                "proxy_url": url,
                "content_type": f["content_type"],
            }
            if info.get("description"):
                att["description"] = info["description"]
            self.files[str(aid)] = bytes(f["data"])
            out.append(att)
        return out

    def file_bytes(self, attachment_id: int | str) -> bytes:
        """The bytes uploaded as an attachment (KeyError for an unknown id)."""
        return self.files[str(attachment_id)]

    def check_payload(
        self,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        prefix: tuple[str, ...] = (),
        *,
        edit: bool = False,
    ) -> None:
        """Discord's checks of a message body: 400 50035 (with ``prefix`` on each path) or 50006."""
        if not isinstance(payload, dict):
            raise invalid_json()
        if self.core.limits.validation:
            errors = V.validate_message(payload, has_files=bool(files), edit=edit)
            if errors:
                if prefix:
                    errors.items = [((*prefix, *p), c, m) for p, c, m in errors.items]
                raise APIError.form(errors)
        if not edit and V.is_empty_message(payload, bool(files)):
            raise APIError(400, 50006, "Cannot send an empty message")

    # ------------------------------------------------------------------ create

    def build(
        self,
        channel: S.Channel,
        author: S.User,
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        msg_type: int = 0,
        webhook: bool = False,
        inter: S.Interaction | None = None,
        extra_flags: int = 0,
    ) -> dict[str, Any]:
        """A new message (not yet stored) as REST returns it."""
        core = self.core
        content = payload.get("content")
        content = "" if content is None else str(content)
        allowed = payload.get("allowed_mentions")
        mid = core.snowflakes.next()
        referenced = None
        ref_payload = payload.get("message_reference")
        if isinstance(ref_payload, dict) and ref_payload.get("message_id") is not None:
            ref_channel = core.channels.get(int(ref_payload.get("channel_id") or channel.id))
            ref_msg = ref_channel.messages.get(int(ref_payload["message_id"])) if ref_channel else None
            if ref_msg is None:
                if ref_payload.get("fail_if_not_exists", True):
                    raise APIError.field(
                        "message_reference", "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
                    )
            else:
                referenced = ref_msg
                if msg_type == 0:
                    msg_type = 19
        privileged = webhook or core.may_mention_everyone(channel, author.id)
        mentions, roles, everyone = self.mentions(
            channel, content, allowed, privileged, int(referenced["author"]["id"]) if referenced else None
        )
        flags = (int(payload.get("flags") or 0) & SETTABLE_FLAGS) | extra_flags
        msg: dict[str, Any] = {
            "id": str(mid),
            "type": msg_type,
            "channel_id": str(channel.id),
            "author": author.to_dict(),
            "content": content,
            "timestamp": S.iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": roles,
            "mention_channels": [],
            "attachments": self.attachments(files, payload.get("attachments")),
            "embeds": self.normalize_embeds(payload.get("embeds")),
            "reactions": [],
            "pinned": False,
            "flags": flags,
            "components": list(payload.get("components") or []),
            "allowed_mentions": allowed,
        }
        if channel.guild_id is not None:
            msg["guild_id"] = str(channel.guild_id)
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if payload.get("sticker_ids"):
            msg["sticker_items"] = [
                {"id": str(s), "name": "sticker", "format_type": 1} for s in payload["sticker_ids"]
            ]
        if payload.get("poll"):
            msg["poll"] = payload["poll"]
        if referenced is not None:
            msg["message_reference"] = {
                "type": 0,
                "message_id": referenced["id"],
                "channel_id": referenced["channel_id"],
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            }
            ref_copy = dict(referenced)
            ref_copy.pop("referenced_message", None)
            ref_copy.pop("allowed_mentions", None)
            msg["referenced_message"] = ref_copy
        if webhook:
            msg["webhook_id"] = str(core.application_id)
            msg["application_id"] = str(core.application_id)
        if inter is not None:
            if inter.type == 2:
                msg["interaction"] = {
                    "id": str(inter.id),
                    "type": inter.type,
                    "name": inter.payload["data"]["name"],
                    "user": inter.user.to_dict(),
                }
            msg["interaction_metadata"] = self._interaction_metadata(inter, mid)
        return msg

    @staticmethod
    def _interaction_metadata(inter: S.Interaction, mid: int) -> dict[str, Any]:
        owners = inter.payload.get("authorizing_integration_owners", {})
        meta: dict[str, Any] = {
            "id": str(inter.id),
            "type": inter.type,
            "user": inter.user.to_dict(),
            "authorizing_integration_owners": owners,
        }
        if inter.type == 2:
            meta["name"] = inter.payload["data"]["name"]
            meta["command_type"] = inter.payload["data"].get("type", 1)
        if inter.original_message_id is not None and inter.original_message_id != mid:
            meta["original_response_message_id"] = str(inter.original_message_id)
        if inter.type == 3 and inter.payload.get("message"):
            meta["interacted_message_id"] = inter.payload["message"]["id"]
        return meta

    def store(self, channel: S.Channel, msg: dict[str, Any]) -> None:
        """Puts ``msg`` in ``channel``, wakes whoever waits for it, and dispatches MESSAGE_CREATE."""
        mid = int(msg["id"])
        channel.messages[mid] = msg
        channel.last_message_id = mid
        if channel.is_thread:
            channel.message_count += 1
        waiters = self._waiters.get(channel.id)
        if waiters:
            n = len(channel.messages)
            for count, fut in list(waiters):
                if n >= count and not fut.done():
                    fut.set_result(None)
        self.core.dispatch_message("MESSAGE_CREATE", channel, msg)

    def post(
        self, channel: S.Channel, payload: dict[str, Any], files: list[dict[str, Any]]
    ) -> tuple[dict[str, Any], bool]:
        """A message the bot posts through ``POST /channels/{id}/messages``: (message, created).

        With ``enforce_nonce``, a nonce seen in the last ``nonce_window`` seconds returns the
        message it made instead of a new one.
        """
        core = self.core
        self.check_payload(payload, files)
        nonce = payload.get("nonce")
        key = None
        now = time.monotonic()
        if nonce is not None and payload.get("enforce_nonce"):
            key = (channel.id, core.bot_user.id, str(nonce))
            nonces = self._nonces
            while nonces:
                _, (_, t) = next(iter(nonces.items()))
                if now - t <= core.nonce_window:
                    break
                nonces.popitem(last=False)
            hit = nonces.get(key)
            if hit is not None:
                existing = channel.messages.get(hit[0])
                if existing is not None:
                    return existing, False
        msg = self.build(channel, core.bot_user, payload, files)
        self.store(channel, msg)
        if key is not None:
            self._nonces[key] = (int(msg["id"]), now)
        return msg, True

    def post_user_message(self, channel: Ref, author: Ref, content: str, **payload: Any) -> dict[str, Any]:
        """A message written by a (non-bot) user; dispatched to the bot as MESSAGE_CREATE."""
        ch = self.core.state_channel(channel)
        user = self.core.state_user(author)
        body = {"content": content, **payload}
        wire.refuse_invalid_text(body, "post_user_message")
        msg = self.build(ch, user, body, [])
        self.store(ch, msg)
        return msg

    # ------------------------------------------------------------ edit, delete

    def edit(
        self,
        msg: dict[str, Any],
        payload: dict[str, Any],
        files: list[dict[str, Any]],
        *,
        webhook: bool = False,
        interaction: S.Interaction | None = None,
    ) -> dict[str, Any]:
        """Edits ``msg`` in place; a deferred ("thinking") answer stops loading instead of being edited."""
        core = self.core
        self.check_payload(payload, files, edit=True)
        channel = core.channels.get(int(msg["channel_id"]))
        if "content" in payload:
            msg["content"] = "" if payload["content"] is None else str(payload["content"])
        if "embeds" in payload:
            msg["embeds"] = self.normalize_embeds(payload["embeds"])
        if "components" in payload:
            msg["components"] = list(payload["components"] or [])
        if "flags" in payload and payload["flags"] is not None:
            keep = msg.get("flags", 0) & ~SUPPRESS_EMBEDS
            msg["flags"] = keep | (int(payload["flags"]) & SUPPRESS_EMBEDS)
        if "attachments" in payload or files:
            keep_ids = None
            if isinstance(payload.get("attachments"), list):
                keep_ids = {str(a.get("id")) for a in payload["attachments"] if isinstance(a, dict)}
            kept = [a for a in msg.get("attachments", []) if keep_ids is None or a["id"] in keep_ids]
            msg["attachments"] = kept + self.attachments(files, None)
        if "allowed_mentions" in payload:
            msg["allowed_mentions"] = payload["allowed_mentions"]
        if channel is not None and ("content" in payload or "allowed_mentions" in payload):
            privileged = bool(msg.get("webhook_id")) or core.may_mention_everyone(
                channel, int(msg["author"]["id"])
            )
            replied = (
                int(msg["referenced_message"]["author"]["id"]) if msg.get("referenced_message") else None
            )
            m, r, e = self.mentions(channel, msg["content"], msg.get("allowed_mentions"), privileged, replied)
            msg["mentions"], msg["mention_roles"], msg["mention_everyone"] = m, r, e
        if msg.get("flags", 0) & LOADING:
            msg["flags"] &= ~LOADING
            if interaction is not None:
                interaction.loading = False
        else:
            msg["edited_timestamp"] = S.iso()
        if interaction is not None and interaction.completed is not None:
            interaction.completed.set()
        if channel is not None and not msg.get("flags", 0) & EPHEMERAL and int(msg["id"]) in channel.messages:
            core.dispatch_message("MESSAGE_UPDATE", channel, msg)
        return msg

    def delete(self, msg: dict[str, Any]) -> None:
        channel = self.core.channels.get(int(msg["channel_id"]))
        if channel is None:
            return
        if channel.messages.pop(int(msg["id"]), None) is not None:
            self.core.dispatch_message_delete(channel, msg)

    def crosspost(self, channel: S.Channel, msg: dict[str, Any]) -> dict[str, Any]:
        """Publishes ``msg`` of an announcement channel to the channels following it."""
        msg["flags"] = msg.get("flags", 0) | CROSSPOSTED
        self.crossposted.append(msg)
        self.core.dispatch_message("MESSAGE_UPDATE", channel, msg)
        return msg

    def crossposted_in(self, channel: Ref | None = None) -> list[dict[str, Any]]:
        if channel is None:
            return list(self.crossposted)
        cid = str(ref_id(channel))
        return [m for m in self.crossposted if m["channel_id"] == cid]
