"""The Discord side of announcements: a Poster that sends through discord.py's REST client.

It translates Discord's answers into the service's terms: 403 50013/50001 and 404 10003 mean
the channel is broken; 5xx, timeouts and connection errors are transient (the service retries
with back-off); 429 never reaches here, because discord.py waits as Discord says and retries.
:func:`rate_limit_trace` sees each answer on the wire and tells the limiter when Discord handled
it, and each 429 (the limiter paces at Discord's global limit once the first global 429 arrives).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.announce.port import (
    ChannelBroken,
    ChannelGone,
    DeliveryError,
    Post,
    RecipientClosed,
    TransientDeliveryError,
)
from bot.render_announce import REMINDER_MARK, owner_dm_text
from bot.translator import server_language_of

if TYPE_CHECKING:
    from discord.ext import commands

log = logging.getLogger(__name__)

BROKEN_CODES = {
    50001: "I lost access to the channel (Missing Access)",
    50013: "I lost a permission there: View Channel, Send Messages or Embed Links (Missing Permissions)",
    10003: "the channel was deleted (Unknown Channel)",
}
UNKNOWN_CHANNEL = 10003
DMS_CLOSED = 50007  # Cannot send messages to this user
UNKNOWN_USER = 10013  # opening a DM with an account that was deleted
ALREADY_DONE = {40033, 160004}  # already crossposted; a thread already exists for this message


def interaction_age(path: str, wall: float) -> float | None:
    """Seconds from an interaction's creation (its id is a snowflake) to ``wall``, when ``path``
    is the answer to one (``POST /interactions/{id}/{token}/callback``: only the first response
    takes this route); None for any other request."""
    parts = path.rstrip("/").split("/")
    if len(parts) < 4 or parts[-1] != "callback" or parts[-4] != "interactions" or not parts[-3].isdigit():
        return None
    created = ((int(parts[-3]) >> 22) + discord.utils.DISCORD_EPOCH) / 1000
    return wall - created


GLOBAL_EXEMPT = ("/interactions/", "/webhooks/")  # not bound to Discord's global rate limit


def server_time(headers: Any) -> float | None:
    """When Discord handled a request, on its clock: ``X-RateLimit-Reset`` (the epoch instant the
    route's bucket resets) minus ``X-RateLimit-Reset-After`` (the seconds until then, from the
    answer); None when the answer has no such headers."""
    reset, after = headers.get("X-RateLimit-Reset"), headers.get("X-RateLimit-Reset-After")
    if not reset or not after:
        return None
    try:
        return float(reset) - float(after)
    except ValueError:
        return None


def rate_limit_trace(
    on_limited: Callable[..., None],
    *,
    on_answered: Callable[[float], None] | None = None,
    on_response: Callable[..., None] | None = None,
) -> aiohttp.TraceConfig:
    """An aiohttp trace for the bot's HTTP session that reports every 429 answer as
    ``on_limited(global_=..., retry_after=...)``, global when Discord says so in its headers;
    with ``on_response``, every answer to a request bound to the global limit as
    ``on_response(server_time=...)`` (the pacer: see :func:`server_time`), called in the task
    that made the request; and, with ``on_answered``, the seconds from each interaction's
    creation to the bot's first response to it (ops: the metrics)."""

    async def on_request_end(session: Any, context: SimpleNamespace, params: Any) -> None:
        response = params.response
        if on_response is not None and not any(x in params.url.path for x in GLOBAL_EXEMPT):
            try:
                on_response(server_time=server_time(response.headers))
            except Exception:
                log.exception("could not report an answer to the pacer")
        if on_answered is not None and params.method == "POST" and response.status < 300:
            age = interaction_age(params.url.path, time.time())
            if age is not None:
                try:
                    on_answered(age)
                except Exception:
                    log.exception("could not report an interaction's response time")
        if response.status != 429:
            return
        headers = response.headers
        is_global = (
            headers.get("X-RateLimit-Global", "").lower() == "true"
            or headers.get("X-RateLimit-Scope", "").lower() == "global"
        )
        retry_after: float | None = None
        try:
            # The body has it to the millisecond (the header is rounded up to whole seconds);
            # aiohttp keeps the body read here for discord.py, which reads it next.
            body = await response.json(content_type=None)
            retry_after = float(body["retry_after"])
        except Exception:
            try:
                retry_after = float(headers.get("Retry-After", ""))
            except ValueError:
                retry_after = None
        try:
            on_limited(global_=is_global, retry_after=retry_after)
        except Exception:
            log.exception("could not report a rate limit")

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(on_request_end)
    return trace


def mentions_for(role_id: int | None) -> discord.AllowedMentions:
    """The only mention a post may ping: its role. Never @everyone, @here, users or other roles."""
    if role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(role_id)], replied_user=False
    )


def translate(exc: BaseException) -> DeliveryError:
    if isinstance(exc, discord.HTTPException):
        if exc.code == UNKNOWN_USER:
            return RecipientClosed("the member's Discord account no longer exists (Unknown User)")
        if exc.code == DMS_CLOSED:
            return RecipientClosed(
                "the member's DMs are closed to the bot (Cannot send messages to this user)"
            )
        if exc.code in BROKEN_CODES and exc.status in (403, 404):
            gone = exc.code == UNKNOWN_CHANNEL
            return (ChannelGone if gone else ChannelBroken)(BROKEN_CODES[exc.code])
        if isinstance(exc, discord.DiscordServerError) or exc.status >= 500:
            return TransientDeliveryError(f"Discord had a server error ({exc.status})")
        return DeliveryError(f"Discord refused the post ({exc.status} {exc.code}: {exc.text[:100]})")
    if isinstance(exc, discord.RateLimited):
        return TransientDeliveryError(f"rate limited for {exc.retry_after:.0f} s")
    if isinstance(exc, TimeoutError | aiohttp.ClientError | OSError):
        return TransientDeliveryError(f"could not reach Discord ({type(exc).__name__})")
    return DeliveryError(f"unexpected error ({type(exc).__name__})")


BUCKET_SWEEP_EVERY = 30.0  # seconds; discord.py drops a route bucket after 300 s unused


def throttle_bucket_sweep(http: Any, every: float = BUCKET_SWEEP_EVERY) -> None:
    """discord.py keeps one rate-limit bucket per channel route and, once it holds 256, scans
    all of them for unused ones each time it adds one: posting to 10,000 channels makes that
    quadratic (50 million checks, seconds of CPU). Sweep at most every ``every`` seconds instead;
    a bucket is only ever dropped after 300 s unused, so nothing else changes."""
    sweep = getattr(http, "_try_clear_expired_ratelimits", None)
    if sweep is None:
        log.warning(
            "discord.py's HTTPClient has no _try_clear_expired_ratelimits any more: its bucket sweep "
            "is not throttled, and posting to many thousands of channels may cost more CPU"
        )
        return
    if getattr(sweep, "premiere_throttled", False):
        return
    last = [float("-inf")]

    def throttled() -> None:
        now = time.monotonic()
        if now - last[0] >= every:
            last[0] = now
            sweep()

    throttled.premiere_throttled = True  # type: ignore[attr-defined]
    http._try_clear_expired_ratelimits = throttled


class DiscordPoster:
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        throttle_bucket_sweep(bot.http)

    def _channel(self, channel_id: int) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(channel_id)

    async def send(self, post: Post) -> int:
        embeds = [discord.Embed.from_dict(e) for e in post.embeds]
        channel = self._channel(post.channel_id)
        mentions = mentions_for(post.role_id)
        try:
            if post.nonce:
                message = await channel.send(
                    post.content, embeds=embeds, allowed_mentions=mentions, nonce=post.nonce
                )
            else:
                message = await channel.send(post.content, embeds=embeds, allowed_mentions=mentions)
        except (
            discord.HTTPException,
            discord.RateLimited,
            TimeoutError,
            aiohttp.ClientError,
            OSError,
        ) as exc:
            raise translate(exc) from exc
        return message.id

    async def publish(self, channel_id: int, message_id: int) -> None:
        try:
            await self.bot.http.publish_message(channel_id, message_id)
        except discord.HTTPException as exc:
            if exc.code not in ALREADY_DONE:
                raise

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None:
        try:
            await self.bot.http.start_thread_with_message(
                channel_id, message_id, name=name, auto_archive_duration=1440
            )
        except discord.HTTPException as exc:
            if exc.code not in ALREADY_DONE:
                raise

    async def notify_owner(
        self,
        guild_id: int,
        channel_id: int,
        reason: str,
        *,
        channel_name: str | None = None,
        gone: bool = False,
    ) -> None:
        guild = self.bot.get_guild(guild_id) or await self.bot.fetch_guild(guild_id)
        if guild.owner_id is None:
            log.warning("guild %s has no known owner to tell about channel %s", guild_id, channel_id)
            return
        cached = guild.get_channel(channel_id) if isinstance(guild, discord.Guild) else None
        name = cached.name if cached is not None else channel_name  # never its raw id
        dm = await self.bot.create_dm(discord.Object(guild.owner_id))
        lang = await server_language_of(self.bot, guild)
        await dm.send(
            owner_dm_text(guild.name, name, reason, gone=gone, lang=lang),
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def open_dm(self, user_id: int) -> int:
        """The DM channel with a member: one request (``POST /users/@me/channels``)."""
        try:
            data = await self.bot.http.start_private_message(user_id)
        except (discord.HTTPException, TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise translate(exc) from exc
        return int(data["id"])

    async def find_recent(self, post: Post) -> int | None:
        """A message of ours among the channel's latest that already carries this post."""
        if self.bot.user is None:
            return None
        titles = [e.get("title") for e in post.embeds]
        try:
            async with asyncio.timeout(30):
                async for message in self._channel(post.channel_id).history(limit=25):
                    if message.author.id != self.bot.user.id or [e.title for e in message.embeds] != titles:
                        continue
                    # a reminder carries the same embeds as its release's post: tell them apart
                    if post.reminder:
                        if message.content == post.content:
                            return message.id
                    elif not message.content.startswith(REMINDER_MARK):
                        return message.id
        except discord.HTTPException as exc:
            raise translate(exc) from exc
        return None
