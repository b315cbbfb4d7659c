"""Text and embeds of the follow commands (/follow, /following, /unfollow). Pure: no discord."""

from __future__ import annotations

from dataclasses import dataclass

from bot.follows.models import Follower, FollowResult, What
from bot.render import COLOUR, FOOTER, escape, scope_text, timestamp, truncate, when_text
from bot.render_announce import lead_text
from bot.services.follows import Followed, Following

Embed = dict[str, object]
PAGE_SIZE = 5  # follows per page of /following: one unfollow button each
BUTTON_LABEL_MAX = 80  # Discord's limit for a button label


@dataclass(frozen=True, slots=True)
class FollowingPage:
    embed: Embed
    page: int  # 0-based, clamped to the pages there are
    pages: int
    unfollow: list[tuple[str, str]]  # (show id, button label) for each follow shown
    paused: bool


def reminders_text(leads: tuple[int, ...]) -> str:
    if not leads:
        return "no reminders"
    return "reminders " + ", ".join(lead_text(m) for m in leads) + " ahead"


def follow_text(result: FollowResult, title: str, what: What, follower: Follower | None, cap: int) -> str:
    name = f"**{escape(title)}**"
    if result is FollowResult.FULL:
        return (
            f"You follow {cap} shows already, the most one member can. Unfollow one in `/following` "
            f"(or with `/unfollow`), then follow {name} again."
        )
    text = {
        FollowResult.ADDED: f"Following {name}: I'll DM you for {what.label}.",
        FollowResult.CHANGED: f"Now following {name} for {what.label}.",
        FollowResult.SAME: f"You already follow {name} for {what.label}.",
    }[result]
    if follower is not None and follower.reminders:
        text += f" With {reminders_text(follower.reminders)}."
    if follower is not None and follower.paused:
        text += " Your DMs are paused (they were closed to me): press **Resume DMs** in `/following`."
    return text


def reminders_saved_text(leads: tuple[int, ...]) -> str:
    if not leads:
        return "No reminders: you'll get a DM only when a release is out."
    return f"Saved: {reminders_text(leads)} of every release you follow, besides the DM when it is out."


def _line(n: int, item: Followed) -> str:
    title = escape(item.show.title) if item.show else f"{escape(item.follow.show_id)} (no longer listed)"
    head = f"**{n}. {title}** · {item.follow.what.label}"
    if item.next_release is not None and item.next_due is not None:
        scope = scope_text(item.next_release, item.show)
        return (
            f"{head}\nNext: {scope}, {when_text(item.next_release.when)} (DM {timestamp(item.next_due, 'R')})"
        )
    return f"{head}\nNothing dated yet."


def following_page(following: Following, page: int) -> FollowingPage:
    items = following.items
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = max(0, min(page, pages - 1))
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    follower = following.follower
    paused = follower is not None and follower.paused
    if not items:
        description = "You follow no show yet. Use `/follow` and I'll DM you when it's out."
    else:
        description = "\n\n".join(_line(page * PAGE_SIZE + i + 1, it) for i, it in enumerate(shown))
    notes = []
    if paused:
        notes.append(
            "**Paused**: my DMs to you failed (they are closed). Open them, then press **Resume DMs**."
        )
    if follower is not None:
        notes.append(
            f"You get {reminders_text(follower.reminders)}; change them with `/follow … reminders:`."
        )
    if notes:
        description += "\n\n" + "\n".join(notes)
    embed: Embed = {
        "type": "rich",
        "title": f"Following {len(items)} of {following.cap} shows",
        "description": truncate(description, 4096),
        "color": COLOUR,
        "footer": {"text": f"Page {page + 1} of {pages} · {FOOTER}"},
    }
    unfollow = [
        (
            it.follow.show_id,
            truncate(f"Unfollow {it.show.title if it.show else it.follow.show_id}", BUTTON_LABEL_MAX),
        )
        for it in shown
    ]
    return FollowingPage(embed, page, pages, unfollow, paused)


__all__ = [
    "PAGE_SIZE",
    "FollowingPage",
    "follow_text",
    "following_page",
    "reminders_saved_text",
    "reminders_text",
]
