"""`python -m bot sandbox`: the real bot against the project's Discord-compatible server, driven
from a terminal prompt. No Discord account, no token, no network.

The server (localcord) and the bot run on an event loop in a background thread; the prompt runs
in the main thread and talks to the server's test API, exactly as Discord would send
interactions. Tab completes command and option names, and option values through the bot's own
autocomplete.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HELP = """Type a slash command as in Discord, options as name:value, for example
  /cast title:All of Us Are Dead
  /release title:지금 우리 학교는 episode:S1E3
  /upcoming days:30
  /announce channel add channel:#announcements
Tab completes commands, options and values (values come from the bot's autocomplete).
  :click LABEL     press a button (the newest message shown that has one; e.g. :click Next)
  :channel NAME    type in another channel (#general, #announcements)
  :messages        show what was posted in the current channel
  :locale CODE     use Discord in another language (ko, en-US): the bot answers in it
  :wait SECONDS    let time pass (up to 600 s), then show what the bot posted or edited meanwhile
  :help            this text        :quit  leave (Ctrl-D too)"""

_TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
_UNESCAPE = re.compile(r"\\([\\*_~`|\[\]#>-])")
_OPTION = re.compile(r"(?:^|\s)([a-z0-9_-]+):")
_STYLES = {
    "t": "%H:%M",
    "T": "%H:%M:%S",
    "d": "%Y-%m-%d",
    "D": "{day} %B %Y",  # the day without a leading zero, as Discord shows it
    "f": "{day} %B %Y %H:%M",
    "F": "%A, {day} %B %Y %H:%M",
}


# -- rendering: a Discord message as terminal text (pure) ------------------------------------------


# A Korean Discord shows timestamps the Korean way: "2022년 1월 28일 금요일 오후 5:00", "4년 전".
_KO_STYLES = {
    "t": "{noon} {hour}:%M",
    "T": "{noon} {hour}:%M:%S",
    "d": "%Y. %m. %d.",
    "D": "%Y년 {month}월 {day}일",
    "f": "%Y년 {month}월 {day}일 {noon} {hour}:%M",
    "F": "%Y년 {month}월 {day}일 {weekday} {noon} {hour}:%M",
}
_KO_WEEKDAYS = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
_KO_UNITS = {"year": "년", "month": "개월", "day": "일", "hour": "시간", "minute": "분"}


def relative(ts: datetime, now: datetime, locale: str = "en-US") -> str:
    seconds = (ts - now).total_seconds()
    past = seconds < 0
    seconds = abs(seconds)
    korean = locale == "ko"
    for unit, size in (
        ("year", 31_536_000),
        ("month", 2_592_000),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
    ):
        if seconds >= size:
            n = int(seconds // size)
            text = f"{n}{_KO_UNITS[unit]}" if korean else f"{n} {unit}{'s' if n != 1 else ''}"
            break
    else:
        text = "몇 초" if korean else "a few seconds"
    if korean:
        return f"{text} 전" if past else f"{text} 후"
    return f"{text} ago" if past else f"in {text}"


def absolute(local: datetime, style: str, locale: str = "en-US") -> str:
    """A timestamp in one of Discord's styles (t, T, d, D, f, F), as a client in ``locale`` shows it."""
    if locale != "ko":
        return local.strftime(_STYLES[style]).replace("{day}", str(local.day))
    return (
        local.strftime(_KO_STYLES[style])
        .replace("{noon}", "오전" if local.hour < 12 else "오후")
        .replace("{hour}", str(local.hour % 12 or 12))
        .replace("{month}", str(local.month))
        .replace("{day}", str(local.day))
        .replace("{weekday}", _KO_WEEKDAYS[local.weekday()])
    )


_MENTION = re.compile(r"<(#|@&|@!?)(\d+)>")


def plain(
    text: str, now: datetime, zone: Any = None, names: dict[int, str] | None = None, locale: str = "en-US"
) -> str:
    """Discord markup as a terminal shows it: timestamps in the local zone and the reader's
    language, mentions by name, escapes removed."""

    def stamp(m: re.Match[str]) -> str:
        when = datetime.fromtimestamp(int(m.group(1)), UTC)
        style = m.group(2) or "f"
        if style == "R":
            return relative(when, now, locale)
        return absolute(when.astimezone(zone), style, locale)

    text = _TIMESTAMP.sub(stamp, text)
    if names:
        text = _MENTION.sub(lambda m: names.get(int(m.group(2)), m.group(0)), text)
    text = text.replace("**", "").replace("\u200b", "")
    text = re.sub(r"^-# ", "  ", text, flags=re.M)
    return _UNESCAPE.sub(r"\1", text)


def render_message(
    message: dict[str, Any],
    *,
    now: datetime,
    ephemeral: bool = False,
    zone: Any = None,
    names: dict[int, str] | None = None,
    locale: str = "en-US",
) -> str:
    def text(markup: str) -> str:
        return plain(markup, now, zone, names, locale)

    author = message.get("author", {}).get("username", "?")
    lines = [f"{author}" + ("  (only you can see this)" if ephemeral else "")]
    if message.get("content"):
        lines += ["  " + line for line in text(message["content"]).splitlines()]
    for embed in message.get("embeds", []):
        bar = "  ┃ "
        if embed.get("title"):
            lines.append(bar + text(embed["title"]).upper())
        if embed.get("description"):
            lines += [bar + line for line in text(embed["description"]).splitlines()]
        for f in embed.get("fields", []):
            value = text(f["value"]).splitlines() or [""]
            lines.append(f"{bar}{text(f['name'])}: {value[0]}")
            lines += [bar + "  " + line for line in value[1:]]
        if embed.get("footer", {}).get("text"):
            lines.append(bar + "— " + embed["footer"]["text"])
    buttons = [c for row in message.get("components", []) for c in row.get("components", [])]
    if buttons:
        lines.append(
            "  "
            + " ".join(
                f"[{(b.get('emoji') or {}).get('name', '')} {b.get('label', '')}]".replace("[ ", "[")
                + (" (off)" if b.get("disabled") else "")
                for b in buttons
            )
        )
    return "\n".join(lines)


# -- parsing a typed command -----------------------------------------------------------------------


@dataclass
class Parsed:
    path: list[str]
    options: dict[str, str] = field(default_factory=dict)


def split_command(line: str) -> Parsed:
    """'/announce channel add channel:#x role:@y' -> path and raw option texts."""
    body = line.strip().lstrip("/")
    first = _OPTION.search(body)
    head = body[: first.start()] if first else body
    path = head.split()
    options: dict[str, str] = {}
    if first:
        matches = list(_OPTION.finditer(body))
        for i, m in enumerate(matches):
            end = matches[i + 1].start() if i + 1 < len(matches) else len(body)
            options[m.group(1)] = body[m.end() : end].strip()
    return Parsed(path, options)


def command_schema(
    commands: list[dict[str, Any]], path: list[str]
) -> tuple[list[str], list[dict[str, Any]]] | None:
    """The longest registered command path matching ``path`` and the options of its leaf."""
    for c in commands:
        if path and c["name"] == path[0]:
            options = c.get("options", [])
            used = [c["name"]]
            for word in path[1:]:
                sub = next((o for o in options if o["name"] == word and o.get("type") in (1, 2)), None)
                if sub is None:
                    break
                used.append(word)
                options = sub.get("options", [])
            return used, [o for o in options if o.get("type") not in (1, 2)] or options
    return None


# -- the sandbox -----------------------------------------------------------------------------------


class Sandbox:
    def __init__(self, database: Path, now: datetime | None) -> None:
        self.database = database
        self.start_at = now
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="sandbox-loop", daemon=True)
        self.channel: Any = None
        self.shown: deque[dict[str, Any]] = deque(maxlen=50)  # the messages shown, newest last (:click)
        self.seen: dict[str, str | None] = {}  # message id -> when it was last edited, as shown
        self.picked: dict[str, str] = {}  # autocomplete name -> value, as Discord sends the value

    def call(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()
        self.call(self._start())

    async def _start(self) -> None:
        from bot.app import build_bot, seed_catalogue
        from bot.clock import system_clock
        from bot.config import load_settings
        from localcord import LocalDiscord

        self.server = LocalDiscord(limits=True)
        await self.server.start()
        you = self.server.create_user("you")
        self.guild = self.server.create_guild("Sandbox", owner=you)
        # The bot as an admin invites it to try everything: role buttons, threads, events too.
        from localcord import permissions as perms

        extra = perms.MANAGE_ROLES | perms.CREATE_EVENTS | perms.MANAGE_EVENTS | perms.CREATE_PUBLIC_THREADS
        self.server.set_bot_permissions(
            self.guild, perms.DEFAULT_BOT | extra | perms.SEND_MESSAGES_IN_THREADS
        )
        self.general = self.server.create_channel(self.guild, "general")
        self.news = self.server.create_channel(self.guild, "announcements", type=5)
        self.you = you
        self.channel = self.general
        self.locale = "en-US"  # the language your Discord is in (an interaction's locale)
        base = load_settings(require_token=False)
        from dataclasses import replace

        from bot.app import OffsetClock
        from bot.client import SYNC_HASH_KEY, use_api_base
        from bot.sandbox_demo import demo_items
        from localtvmaze import LocalTVmaze

        self.clock = OffsetClock(self.start_at) if self.start_at else system_clock
        # A local TVmaze stand-in with a few made-up shows airing in the coming days, so that the
        # live catalogue works as in production, without any network.
        self.tvmaze = LocalTVmaze(now=self.clock)
        await self.tvmaze.start()
        self.tvmaze.load(demo_items(self.clock()))
        self.settings = replace(
            base,
            token=self.server.token,
            api_base=self.server.api_base,
            database_path=self.database,
            dev_guild_id=None,
            catalogue_sync="tvmaze",
            tvmaze_api_base=self.tvmaze.base_url,
            sync_days=14,
            sync_countries=("US", "GB", "KR"),
        )
        use_api_base(self.server.api_base)
        from bot.database import open_database

        self.store = await open_database(self.database)
        # The server is new on every run and knows no commands yet: forget the command set a
        # run before synced (to another server), so the bot syncs its commands to this one.
        await self.store.set_meta(SYNC_HASH_KEY, "")
        await seed_catalogue(self.store, self.settings)
        self.bot = await build_bot(self.settings, self.store, self.clock)
        sync = self.bot.services.sync
        if sync is not None:
            sync.client.limiter.limit = 10_000  # a local server: no need for TVmaze's pace
            await sync.sync_schedule()
        self.task = asyncio.create_task(self.bot.start(self.server.token))
        await self.server.wait_for_bot_ready(20)

    def stop(self) -> None:
        async def _stop() -> None:
            # What started is stopped, also after a start that failed half-way.
            parts = (("bot", "close"), ("store", "close"), ("server", "stop"), ("tvmaze", "close"))
            for name, method in parts:
                part = getattr(self, name, None)
                if part is not None:
                    await getattr(part, method)()

        try:
            self.call(_stop(), timeout=20)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(5)

    # -- prompt actions ---------------------------------------------------------------------------

    def names(self) -> dict[int, str]:
        """Channel and role ids -> #name / @name, to show mentions as Discord's app does."""
        out = {c.id: f"#{c.name}" for c in self.guild.channels.values()}
        out.update({r.id: f"@{r.name}" for r in self.guild.roles.values()})
        out[self.guild.id] = "@everyone"  # the default role's name already holds the @
        return out

    def commands(self) -> list[dict[str, Any]]:
        return self.server.commands()

    def _value(self, option: dict[str, Any], text: str) -> Any:
        kind = option.get("type")
        if text in self.picked:
            return self.picked[text]
        if option.get("choices"):  # a fixed list: typed as its name (any language) or value
            for choice in option["choices"]:
                localized = (choice.get("name_localizations") or {}).values()
                names = [choice["name"], str(choice["value"]), *localized]
                if text.casefold() in (n.casefold() for n in names):
                    return choice["value"]
            raise ValueError("pick one of: " + ", ".join(c["name"] for c in option["choices"]))
        if kind == 4:
            return int(text)
        if kind == 10:
            return float(text)
        if kind == 5:
            return text.lower() in ("true", "yes", "1", "on")
        if kind == 7:
            name = text.lstrip("#")
            channel = next((c for c in self.guild.channels.values() if c.name == name), None)
            if channel is None:
                raise ValueError(f"no channel #{name} (try #general or #announcements)")
            return channel
        if kind in (8, 9):
            name = text.lstrip("@")
            if name == "everyone":  # the guild's default role, whose id is the guild's
                return self.guild.everyone
            role = next((r for r in self.guild.roles.values() if r.name == name), None)
            if role is None:
                role = self.server.create_role(self.guild, name, mentionable=True)
            return role
        return text

    def run(self, line: str) -> str:
        parsed = split_command(line)
        found = command_schema(self.commands(), parsed.path)
        if found is None:
            return f"Unknown command /{' '.join(parsed.path)}; type :help."
        path, schema = found
        options = {}
        for name, text in parsed.options.items():
            option = next((o for o in schema if o["name"] == name), None)
            if option is None:
                return f"/{' '.join(path)} has no option {name}: ({', '.join(o['name'] for o in schema)})"
            try:
                options[name] = self._value(option, text)
            except ValueError as exc:
                return f"{name}: {exc}"
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in options]
        if missing:
            return f"Missing {', '.join(m + ':' for m in missing)}"
        result = self.call(
            self.server.run_command(
                self.guild, self.you, path, options, channel=self.channel, timeout=15, locale=self.locale
            )
        )
        return self._show_result(result)

    def render(self, message: dict[str, Any], *, ephemeral: bool = False) -> str:
        """A message as you would see it now, in your Discord's language."""
        return render_message(
            message, now=self.clock(), ephemeral=ephemeral, names=self.names(), locale=self.locale
        )

    def _remember(self, message: dict[str, Any]) -> None:
        """``message`` was shown as it is now (``:click`` looks for buttons among the shown)."""
        self.shown.append(message)
        self.seen[message["id"]] = message.get("edited_timestamp")

    def _show_result(self, result: Any) -> str:
        out = []
        for message in result.messages:
            self._remember(message)
            # A follow-up carries its own flags (a private error after a public "thinking...").
            private = result.ephemeral or bool(message.get("flags", 0) & 64)
            out.append(self.render(message, ephemeral=private))
        out += self.news_text()
        return "\n".join(out) if out else "(no answer)"

    def click(self, label: str) -> str:
        """Press the button called ``label`` on the newest message shown that has one."""

        def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
            return [c for row in message.get("components", []) for c in row.get("components", [])]

        for message in reversed(self.shown):
            button = next((b for b in buttons(message) if b.get("label", "").lower() == label.lower()), None)
            if button is not None:
                break
        else:
            labels = sorted({b.get("label", "?") for m in self.shown for b in buttons(m)})
            return f"No button {label!r}; buttons shown: {', '.join(labels) or 'none yet'}"
        result = self.call(
            self.server.click_button(message, button["custom_id"], self.you, locale=self.locale)
        )
        if result.type == 7:
            updated = self.server.message(message["channel_id"], message["id"])
            if updated:
                self._remember(updated)
                return self.render(updated)
        return self._show_result(result)

    def news_text(self) -> list[str]:
        """Messages the bot posted or edited on its own (announcements, the weekly list) since
        the last look."""
        out = []
        where = [(f"#{c.name}", self.server.messages(c)) for c in (self.general, self.news)]
        where.append(("DM to you", self.server.dm_messages(self.you)))  # what the bot sent you in DMs
        for place, messages in where:
            for message in messages:
                known = message["id"] in self.seen
                if known and self.seen[message["id"]] == message.get("edited_timestamp"):
                    continue
                label = f"{place} (edited)" if known else place
                self._remember(message)
                out.append(f"{label}: " + self.render(message))
        return out

    def complete(self, line: str) -> list[str]:
        """Completions for the whole line typed so far (command, option name, or option value)."""
        if not line.startswith("/"):
            return [
                c
                for c in (":click ", ":channel ", ":locale ", ":wait ", ":messages", ":help", ":quit")
                if c.startswith(line)
            ]
        parsed = split_command(line)
        commands = self.commands()
        options_started = bool(_OPTION.search(line.lstrip("/")))
        if not options_started:
            words = line.lstrip("/").split(" ")
            done, partial = words[:-1], words[-1]
            found = command_schema(commands, done) if done else None
            if not done:
                return [f"/{c['name']} " for c in commands if c["name"].startswith(partial)]
            if found is None:
                return []
            path, schema = found
            prefix = "/" + " ".join(done) + " "
            subs = [o for o in (self._options_at(commands, path)) if o.get("type") in (1, 2)]
            names = [o["name"] + ("" if o.get("type") in (1, 2) else ":") for o in (subs or schema)]
            return [prefix + n + (" " if not n.endswith(":") else "") for n in names if n.startswith(partial)]
        found = command_schema(commands, parsed.path)
        if found is None:
            return []
        path, schema = found
        last = list(_OPTION.finditer(line))[-1]
        head, last_name, last_value = line[: last.end()], last.group(1), line[last.end() :]
        if last_value.endswith(" ") and last_value.strip():  # a value is done: offer the next option
            return [line + o["name"] + ":" for o in schema if o["name"] not in parsed.options]
        last_value = last_value.strip()
        option = next((o for o in schema if o["name"] == last_name), None)
        if option is None:
            return []
        if option.get("autocomplete"):
            typed = {k: v for k, v in parsed.options.items() if k != last_name}
            choices = self.call(
                self.server.run_autocomplete(
                    self.guild,
                    self.you,
                    path,
                    focused=last_name,
                    value=last_value,
                    options=typed,
                    channel=self.channel,
                    locale=self.locale,
                ),
                timeout=10,
            )
            for c in choices:
                self.picked[c["name"]] = c["value"]
            return [head + c["name"] for c in choices]
        if option.get("choices"):
            return [
                head + c["name"]
                for c in option["choices"]
                if c["name"].lower().startswith(last_value.lower())
            ]
        if option.get("type") == 7:
            return [
                head + "#" + (c.name or "")
                for c in self.guild.channels.values()
                if ("#" + (c.name or "")).startswith(last_value)
            ]
        return []

    @staticmethod
    def _options_at(commands: list[dict[str, Any]], path: list[str]) -> list[dict[str, Any]]:
        command = next(c for c in commands if c["name"] == path[0])
        options = command.get("options", [])
        for word in path[1:]:
            options = next(o for o in options if o["name"] == word).get("options", [])
        return options


def _readline_setup(complete: Callable[[str], list[str]]) -> None:
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return
    state: dict[str, list[str]] = {"matches": []}

    def completer(text: str, index: int) -> str | None:
        if index == 0:
            line = readline.get_line_buffer()[: readline.get_endidx()]
            try:
                full = complete(line)
            except Exception:
                full = []
            start = readline.get_begidx()
            state["matches"] = [m[start:] for m in full if len(m) >= start]
        return state["matches"][index] if index < len(state["matches"]) else None

    readline.set_completer_delims("")
    readline.set_completer(completer)
    readline.parse_and_bind("tab: complete")


def sandbox_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot sandbox", description=__doc__)
    parser.add_argument(
        "--database", type=Path, help="keep the sandbox's database here (default: a temp file)"
    )
    parser.add_argument(
        "--now", help="start the clock here, e.g. 2022-01-28T07:58:00Z, to watch a release post"
    )
    parser.add_argument(
        "-c",
        "--command",
        action="append",
        default=[],
        help="run this line and exit (repeatable), instead of the prompt",
    )
    args = parser.parse_args(argv)
    now = None
    if args.now:
        try:
            now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
            if now.tzinfo is None:
                raise ValueError
        except ValueError:
            print(
                "premiere: --now takes an ISO instant with a zone, e.g. 2022-01-28T07:58:00Z", file=sys.stderr
            )
            return 2
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("discord").setLevel(logging.ERROR)  # no voice-library notices in a chat sandbox
    tmp = tempfile.TemporaryDirectory(prefix="premiere-sandbox-")
    database = args.database or Path(tmp.name) / "sandbox.sqlite3"
    from bot.database import DatabaseError, check_database_file

    try:
        check_database_file(database)
    except DatabaseError as exc:
        print(f"premiere: {exc}", file=sys.stderr)
        tmp.cleanup()
        return 1
    sandbox = Sandbox(database, now)
    print("Starting the sandbox: a local Discord-compatible server and the real bot…", flush=True)
    try:
        sandbox.start()
    except DatabaseError as exc:
        print(f"premiere: {exc}", file=sys.stderr)
        sandbox.stop()
        tmp.cleanup()
        return 1
    try:
        if args.command:
            for line in args.command:
                print(f"> {line}")
                print(handle(sandbox, line))
            return 0
        print(f"Ready. You are the owner of the server “Sandbox”, typing in #{sandbox.channel.name}.")
        print(HELP)
        _readline_setup(sandbox.complete)
        while True:
            try:
                line = input(f"#{sandbox.channel.name}> ")
            except (EOFError, KeyboardInterrupt):
                print()
                break
            if line.strip() in (":quit", ":q", "exit", "quit"):
                break
            out = handle(sandbox, line)
            if out:
                print(out)
    finally:
        sandbox.stop()
        tmp.cleanup()
    return 0


def handle(sandbox: Sandbox, line: str) -> str:
    line = line.strip()
    try:
        if not line:
            return "\n".join(sandbox.news_text())
        if line == ":help":
            return HELP
        if line.startswith(":click"):
            return sandbox.click(line[len(":click") :].strip())
        if line.startswith(":channel"):
            name = line[len(":channel") :].strip().lstrip("#")
            channel = next((c for c in (sandbox.general, sandbox.news) if c.name == name), None)
            if channel is None:
                return "Channels: #general, #announcements"
            sandbox.channel = channel
            return f"Now typing in #{channel.name}."
        if line.startswith(":locale"):
            code = line[len(":locale") :].strip()
            from localcord.validation import LOCALES

            if code not in LOCALES:
                return "Discord's locales: " + ", ".join(sorted(LOCALES))
            sandbox.locale = code
            return f"Your Discord is now in {code}."
        if line.startswith(":wait"):
            try:
                seconds = float(line[len(":wait") :].strip() or "60")
            except ValueError:
                return "Wait how long? e.g. :wait 90 (seconds)"
            if not 0 < seconds <= 600:
                return "Wait between 1 and 600 seconds."
            time.sleep(seconds)
            return "\n".join(sandbox.news_text()) or f"Nothing was posted in {seconds:g} s."
        if line == ":messages":
            messages = sandbox.server.messages(sandbox.channel)
            return "\n".join(sandbox.render(m) for m in messages[-10:]) or "(nothing yet)"
        if line.startswith("/"):
            return sandbox.run(line)
        return "Commands start with / (try /cast title:All of Us Are Dead); :help lists the rest."
    except TimeoutError:
        return "The bot did not answer in time."
    except Exception as exc:  # the prompt must survive anything typed at it
        return f"Sandbox error: {exc}"
