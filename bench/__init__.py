"""Benchmarks: `python -m bench --size small|full` (or `--shows N`) prints a table of figures."""
