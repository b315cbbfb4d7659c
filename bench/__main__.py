import sys

if sys.argv[1:2] == ["follows"]:  # python -m bench follows [--followers N] [--channels M]
    from bench.follows import main as follows

    raise SystemExit(follows(sys.argv[2:]))

from bench.run import main  # noqa: E402

raise SystemExit(main())
