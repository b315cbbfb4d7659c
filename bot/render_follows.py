"""Text and embeds of the follow commands (/follow, /following, /unfollow), in the member's
language (``lang``, English by default). Pure: no discord."""

from __future__ import annotations

from dataclasses import dataclass

from bot.follows.models import Follower, FollowResult, What
from bot.i18n import ENGLISH, N_, Texts, texts
from bot.render import COLOUR, FOOTER, escape, local_title, scope_text, timestamp, truncate, when_text
from bot.render_announce import lead_text
from bot.services.follows import Followed, Following

Embed = dict[str, object]
PAGE_SIZE = 5  # follows per page of /following: one unfollow button each
BUTTON_LABEL_MAX = 80  # Discord's limit for a button label
WHAT_LABELS = {What.PREMIERES: N_("premieres"), What.EPISODES: N_("every episode")}


@dataclass(frozen=True, slots=True)
class FollowingPage:
    embed: Embed
    page: int  # 0-based, clamped to the pages there are
    pages: int
    unfollow: list[tuple[str, str]]  # (show id, button label) for each follow shown
    paused: bool


def what_text(what: What, lang: str = ENGLISH) -> str:
    """ "premieres" / "every episode"."""
    return texts(lang)(WHAT_LABELS[what])


def reminders_text(leads: tuple[int, ...], lang: str = ENGLISH) -> str:
    tr = texts(lang)
    if not leads:
        return tr("no reminders")
    return tr("reminders {leads} ahead", leads=", ".join(lead_text(m, lang) for m in leads))


def follow_text(
    result: FollowResult, title: str, what: What, follower: Follower | None, cap: int, lang: str = ENGLISH
) -> str:
    tr = texts(lang)
    name = f"**{escape(title)}**"
    if result is FollowResult.FULL:
        return tr(
            "You follow {cap} shows already, the most one member can. Unfollow one in `/following` "
            "(or with `/unfollow`), then follow {show} again.",
            cap=cap,
            show=name,
        )
    values = {"show": name, "what": what_text(what, lang)}
    if result is FollowResult.ADDED:
        text = tr("Following {show}: I'll DM you for {what}.", **values)
    elif result is FollowResult.CHANGED:
        text = tr("Now following {show} for {what}.", **values)
    else:
        text = tr("You already follow {show} for {what}.", **values)
    if follower is not None and follower.reminders:
        text += " " + tr("With {reminders}.", reminders=reminders_text(follower.reminders, lang))
    if follower is not None and follower.paused:
        text += " " + tr(
            "Your DMs are paused (they were closed to me): press **Resume DMs** in `/following`."
        )
    return text


def reminders_saved_text(leads: tuple[int, ...], lang: str = ENGLISH) -> str:
    tr = texts(lang)
    if not leads:
        return tr("No reminders: you'll get a DM only when a release is out.")
    return tr(
        "Saved: {reminders} of every release you follow, besides the DM when it is out.",
        reminders=reminders_text(leads, lang),
    )


def _line(n: int, item: Followed, tr: Texts) -> str:
    if item.show:
        title = escape(local_title(item.show, tr.lang))
    else:
        title = tr("{show} (no longer listed)", show=escape(item.follow.show_id))
    head = f"**{n}. {title}** · {what_text(item.follow.what, tr.lang)}"
    if item.next_release is not None and item.next_due is not None:
        scope = scope_text(item.next_release, item.show, tr.lang)
        return f"{head}\n" + tr(
            "Next: {what}, {when} (DM {relative})",
            what=scope,
            when=when_text(item.next_release.when, tr.lang),
            relative=timestamp(item.next_due, "R"),
        )
    return f"{head}\n" + tr("Nothing dated yet.")


def following_page(following: Following, page: int, lang: str = ENGLISH) -> FollowingPage:
    tr = texts(lang)
    items = following.items
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = max(0, min(page, pages - 1))
    shown = items[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    follower = following.follower
    paused = follower is not None and follower.paused
    if not items:
        description = tr("You follow no show yet. Use `/follow` and I'll DM you when it's out.")
    else:
        description = "\n\n".join(_line(page * PAGE_SIZE + i + 1, it, tr) for i, it in enumerate(shown))
    notes = []
    if paused:
        notes.append(
            tr("**Paused**: my DMs to you failed (they are closed). Open them, then press **Resume DMs**.")
        )
    if follower is not None:
        notes.append(
            tr(
                "You get {reminders}; change them with `/follow … reminders:`.",
                reminders=reminders_text(follower.reminders, lang),
            )
        )
    if notes:
        description += "\n\n" + "\n".join(notes)
    page_text = tr("Page {page} of {pages}", page=page + 1, pages=pages)
    embed: Embed = {
        "type": "rich",
        "title": tr("Following {n} of {cap} shows", n=len(items), cap=following.cap),
        "description": truncate(description, 4096),
        "color": COLOUR,
        "footer": {"text": f"{page_text} · {FOOTER}"},
    }
    unfollow = [
        (
            it.follow.show_id,
            truncate(
                tr("Unfollow {show}", show=local_title(it.show, lang) if it.show else it.follow.show_id),
                BUTTON_LABEL_MAX,
            ),
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
    "what_text",
]
