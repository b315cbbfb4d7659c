import sys

if sys.argv[1:2] == ["follows"]:  # python -m bench follows [--followers N] [--channels M]
    from bench.follows import main as follows

    raise SystemExit(follows(sys.argv[2:]))

if sys.argv[1:2] == ["shards"]:  # python -m bench shards [--channels N] [--postgres]: bench/shards.py
    from bench.shards import main as shards

    raise SystemExit(shards(sys.argv[2:]))

if sys.argv[1:2] == ["backends"]:  # python -m bench backends [--shows N]: bench/backends.py
    from bench.backends import main as backends

    raise SystemExit(backends(sys.argv[2:]))

from bench.run import main  # noqa: E402

raise SystemExit(main())
