"""Errors that carry a short message meant for the person who typed the command."""

from __future__ import annotations


class PremiereError(Exception):
    """A domain error whose message is safe and helpful to show to the user (ephemeral)."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class NotFound(PremiereError):
    """Something the catalogue lacks, with the nearest names it has; ``hint`` (said when there is
    no suggestion) replaces the usual "check the spelling" line."""

    def __init__(
        self, user_message: str, suggestions: list[str] | None = None, hint: str | None = None
    ) -> None:
        super().__init__(user_message)
        self.suggestions = suggestions or []
        self.hint = hint


class BadInput(PremiereError):
    pass
