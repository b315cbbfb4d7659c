"""Catalogue errors: every message names the file, the show and the field at fault."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong in one record: ``field`` is a path such as ``releases[0].when``."""

    field: str
    message: str


def format_error(file: str, show_id: str | None, field: str | None, message: str) -> str:
    """``data/catalogue/x.toml: x: releases[0].when: bad date ...`` (parts left out when unknown)."""
    parts = [file]
    if show_id:
        parts.append(show_id)
    if field:
        parts.append(field)
    return ": ".join(parts) + ": " + message


class CatalogueError(Exception):
    """The catalogue has errors; ``errors`` holds every message, one line each."""

    def __init__(self, errors: Iterable[str]) -> None:
        self.errors: list[str] = list(errors)
        count = len(self.errors)
        summary = self.errors[0] if count == 1 else f"{count} catalogue errors"
        super().__init__(summary if count else "catalogue error")

    def __str__(self) -> str:
        return "\n".join(self.errors)
