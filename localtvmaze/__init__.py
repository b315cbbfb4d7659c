"""A TVmaze-compatible HTTP server on loopback, for tests, the sandbox and benchmarks.

See README.md in this directory.
"""

from .data import make_cast, make_crew, make_episode, make_person, make_show
from .faults import Fault, Faults
from .server import LocalTVmaze, RequestRecord

__all__ = [
    "LocalTVmaze",
    "Faults",
    "Fault",
    "RequestRecord",
    "make_show",
    "make_episode",
    "make_person",
    "make_cast",
    "make_crew",
]
