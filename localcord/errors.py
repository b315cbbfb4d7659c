"""Discord's JSON errors, raised by the core's operations and turned into responses by REST."""

from __future__ import annotations

from typing import Any

from . import validation as V


class APIError(Exception):
    def __init__(self, status: int, code: int, message: str, errors: dict[str, Any] | None = None):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, "code": code}
        if errors is not None:
            self.body["errors"] = errors

    @classmethod
    def form(cls, errors: V.FormErrors) -> APIError:
        return cls(400, 50035, "Invalid Form Body", errors.render())

    @classmethod
    def field(cls, name: str, code: str, message: str) -> APIError:
        """400 50035 with one error on the top-level field ``name``."""
        return cls(400, 50035, "Invalid Form Body", {name: {"_errors": [{"code": code, "message": message}]}})


def unknown_channel() -> APIError:
    return APIError(404, 10003, "Unknown Channel")


def unknown_message() -> APIError:
    return APIError(404, 10008, "Unknown Message")


def unknown_guild() -> APIError:
    return APIError(404, 10004, "Unknown Guild")


def unknown_interaction() -> APIError:
    return APIError(404, 10062, "Unknown interaction")


def unknown_webhook() -> APIError:
    return APIError(404, 10015, "Unknown Webhook")


def missing_permissions() -> APIError:
    return APIError(403, 50013, "Missing Permissions")


def missing_access() -> APIError:
    return APIError(403, 50001, "Missing Access")


def invalid_json() -> APIError:
    return APIError(400, 50109, "The request body contains invalid JSON.")
