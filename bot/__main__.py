"""`python -m bot` runs the bot; `python -m bot catalogue ...` and `python -m bot sandbox` are tools."""

from __future__ import annotations

import asyncio
import gc
import logging
import logging.handlers
import sys

USAGE = """usage: python -m bot                      run the bot (needs DISCORD_TOKEN)
       python -m bot catalogue COMMAND    import | export | validate | stats (see --help)
       python -m bot db COMMAND           migrate | copy --from sqlite:PATH --to postgresql://...
       python -m bot sandbox              try the bot in a terminal, no Discord account needed"""


def setup_logging(level: int, log_file: str | None = None) -> None:
    import discord.utils

    discord.utils.setup_logging(level=level, root=True)
    if log_file:
        handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logging.getLogger().addHandler(handler)


def main(argv: list[str] | None = None) -> int:
    from bot.startup import mark

    mark("main")  # the interpreter is up (PREMIERE_START_TIMES: where a start's time goes)
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "catalogue":
        from bot.cli import catalogue_main

        return catalogue_main(args[1:])
    if args and args[0] == "db":
        from bot.db_cli import db_main

        return db_main(args[1:])
    if args and args[0] == "sandbox":
        from bot.sandbox import sandbox_main

        return sandbox_main(args[1:])
    if args:
        print(USAGE, file=sys.stderr if args[0] not in ("-h", "--help") else sys.stdout)
        return 0 if args[0] in ("-h", "--help") else 2

    # Importing discord.py and the bot allocates much and frees little: no collections meanwhile
    # (about a tenth of the imports' CPU), and what they made, kept for the whole run, is
    # frozen out of every later collection.
    gc.disable()
    from bot.config import ConfigError, load_settings, log_level_number

    try:
        settings = load_settings()
    except ConfigError as exc:
        gc.enable()
        print(f"premiere: {exc}", file=sys.stderr)
        return 2
    mark("settings")
    try:
        setup_logging(log_level_number(settings), str(settings.log_file) if settings.log_file else None)
        mark("logging")
        from bot.app import run_bot
    finally:
        gc.freeze()
        gc.enable()
    mark("imports")

    try:
        return asyncio.run(run_bot(settings))
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
