"""``python -m localtvmaze [--port N] [--seed FILE.json]``: serve TVmaze's API on loopback.

Prints the base URL (``http://127.0.0.1:N``) as the first line of stdout and serves until
Ctrl-C or SIGTERM. ``--seed`` loads a JSON list of ``{"show", "episodes", "cast", "crew"}``
items (or show objects with ``_embedded``, as ``/shows/{id}?embed[]=...`` returns them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

from .faults import Faults
from .server import LocalTVmaze


def _read_seed(path: str) -> list[dict[str, object]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise SystemExit(f"{path}: expected a JSON list of objects")
    return data


async def _main(args: argparse.Namespace) -> None:
    items = [item for path in args.seed for item in _read_seed(path)]
    faults = Faults(rate_limit=args.rate_limit, delay=args.delay)
    async with LocalTVmaze(host=args.host, port=args.port, faults=faults) as tv:
        count = tv.load(items)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # before the URL goes out: a reader may stop us
            try:
                loop.add_signal_handler(sig, stop.set)
            except NotImplementedError:  # pragma: no cover - Windows
                pass
        print(tv.base_url, flush=True)
        print(json.dumps({"shows": count}), file=sys.stderr, flush=True)
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m localtvmaze", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--seed", action="append", default=[], metavar="FILE.json", help="may be repeated")
    parser.add_argument("--rate-limit", action="store_true", help="20 requests per 10 s, as TVmaze")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds added before every answer")
    args = parser.parse_args(argv)
    try:
        asyncio.run(_main(args))
    except KeyboardInterrupt:  # pragma: no cover - signal handlers normally catch it
        pass


if __name__ == "__main__":
    main()
