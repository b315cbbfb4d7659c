"""``python -m localcord --port N``: run the server in its own process.

Prints the API base URL (``http://127.0.0.1:N/api/v10``) as one line on stdout; the
token, gateway URL and ids of seeded objects go to stderr. Drive it through
``POST /_localcord/rpc`` with ``{"method": ..., "params": {...}}``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from .server import LocalDiscord


async def _main(args: argparse.Namespace) -> None:
    server = LocalDiscord(
        limits=not args.no_limits,
        shards=args.shards,
        token=args.token,
        bot_name=args.bot_name,
        host=args.host,
        port=args.port,
    )
    await server.start()
    seeded = {}
    if args.seed:
        guild = server.create_guild(args.seed)
        text = server.create_channel(guild, "general")
        news = server.create_channel(guild, "announcements", type=5)
        member = server.create_member(guild, "alice")
        seeded = {
            "guild": str(guild.id),
            "text_channel": str(text.id),
            "announcement_channel": str(news.id),
            "member": str(member.id),
        }
    print(server.api_base, flush=True)
    info = server.info()
    info["seeded"] = seeded
    print(json.dumps(info), file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except NotImplementedError:  # pragma: no cover
            pass
    await stop.wait()
    await server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m localcord", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--token", default="localcord-token")
    parser.add_argument("--bot-name", default="Premiere")
    parser.add_argument(
        "--no-limits", action="store_true", help="disable rate limits, permissions, validation"
    )
    parser.add_argument(
        "--seed", metavar="GUILD_NAME", help="create a guild with a text and an announcement channel"
    )
    args = parser.parse_args(argv)
    asyncio.run(_main(args))


if __name__ == "__main__":
    main()
