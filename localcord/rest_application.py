"""Users, the gateway's address, the application, its commands, and interaction callbacks and webhooks."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import state as S
from . import validation as V
from .errors import APIError, missing_access, unknown_interaction, unknown_message, unknown_webhook
from .rest_base import Route, Routes, json_response, no_content, path_int, read_body, read_payload, snowflake


class ApplicationRoutes(Routes):
    def routes(self) -> list[Route]:
        return [
            ("GET", "/gateway", self.get_gateway),
            ("GET", "/gateway/bot", self.get_gateway_bot),
            ("GET", "/users/@me", self.get_me),
            ("POST", "/users/@me/channels", self.create_dm),
            ("GET", "/users/{user_id}", self.get_user),
            ("GET", "/oauth2/applications/@me", self.get_application),
            ("GET", "/applications/@me", self.get_application),
            *(
                route
                for base in (
                    "/applications/{application_id}/commands",
                    "/applications/{application_id}/guilds/{guild_id}/commands",
                )
                for route in (
                    ("GET", base, self.list_commands),
                    ("PUT", base, self.bulk_commands),
                    ("POST", base, self.create_command),
                    ("GET", base + "/{command_id}", self.get_command),
                    ("PATCH", base + "/{command_id}", self.edit_command),
                    ("DELETE", base + "/{command_id}", self.delete_command),
                )
            ),
            (
                "POST",
                "/interactions/{interaction_id}/{interaction_token}/callback",
                self.interaction_callback,
            ),
            ("POST", "/webhooks/{webhook_id}/{webhook_token}", self.webhook_execute),
            ("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", self.webhook_get_message),
            (
                "PATCH",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.webhook_edit_message,
            ),
            (
                "DELETE",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
                self.webhook_delete_message,
            ),
        ]

    # ------------------------------------------------------------ users, gateway

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.core.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        return json_response(
            {
                "url": self.core.gateway_url,
                "shards": self.core.shard_count,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86400000,
                    "max_concurrency": 1,
                },
            }
        )

    async def get_me(self, request: web.Request) -> web.Response:
        d = self.core.bot_user.to_dict()
        d.update(
            {"mfa_enabled": False, "verified": True, "email": None, "locale": "en-US", "premium_type": 0}
        )
        return json_response(d)

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.core.users.get(path_int(request.match_info["user_id"]))
        if user is None:
            raise APIError(404, 10013, "Unknown User")
        return json_response(user.to_dict())

    async def get_application(self, request: web.Request) -> web.Response:
        return json_response(self.core.application_payload())

    async def create_dm(self, request: web.Request) -> web.Response:
        payload, _ = await read_payload(request)
        uid = snowflake(payload.get("recipient_id"))
        if uid is None:
            errors = V.FormErrors()
            V.required(errors, ("recipient_id",))
            raise APIError.form(errors)
        user = self.core.users.get(uid)
        if user is None:
            raise APIError.field("recipient_id", "USER_NOT_FOUND", "Unknown User")
        channel = self.core.setup.dm_channel(user)
        return json_response(channel.to_dict())

    # ------------------------------------------------------------------ commands

    def _command_scope(self, request: web.Request) -> S.Guild | None:
        if path_int(request.match_info["application_id"]) != self.core.application_id:
            raise missing_access()
        return self.guild(request) if "guild_id" in request.match_info else None

    async def list_commands(self, request: web.Request) -> web.Response:
        guild = self._command_scope(request)
        return json_response(list(self.core.commands.store(guild).values()))

    async def bulk_commands(self, request: web.Request) -> web.Response:
        guild = self._command_scope(request)
        payload, _ = await read_body(request)
        if self.core.limits.validation:
            errors = V.validate_commands(payload, global_=guild is None)
            if errors:
                raise APIError.form(errors)
        elif not isinstance(payload, list):
            raise APIError(400, 50035, "Invalid Form Body")
        return json_response(self.core.commands.replace(guild, payload))

    async def create_command(self, request: web.Request) -> web.Response:
        guild = self._command_scope(request)
        payload, _ = await read_payload(request)
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.validate_command(errors, (), payload)
            if errors:
                raise APIError.form(errors)
        cmd, created = self.core.commands.upsert(guild, payload)
        return json_response(cmd, 201 if created else 200)

    def _command(self, request: web.Request) -> tuple[S.Guild | None, dict[str, Any]]:
        guild = self._command_scope(request)
        cmd = self.core.commands.store(guild).get(path_int(request.match_info["command_id"]))
        if cmd is None:
            raise APIError(404, 10063, "Unknown application command")
        return guild, cmd

    async def get_command(self, request: web.Request) -> web.Response:
        _, cmd = self._command(request)
        return json_response(cmd)

    async def edit_command(self, request: web.Request) -> web.Response:
        guild, cmd = self._command(request)
        payload, _ = await read_payload(request)
        merged = {**cmd, **payload}
        if self.core.limits.validation:
            errors = V.FormErrors()
            V.validate_command(errors, (), merged)
            if errors:
                raise APIError.form(errors)
        return json_response(self.core.commands.edit(guild, cmd, merged))

    async def delete_command(self, request: web.Request) -> web.Response:
        guild, cmd = self._command(request)
        self.core.commands.delete(guild, cmd)
        return no_content()

    # -------------------------------------------------------------- interactions

    async def interaction_callback(self, request: web.Request) -> web.Response:
        interactions = self.core.interactions
        inter = interactions.by_id.get(path_int(request.match_info["interaction_id"]))
        if inter is None or inter.token != request.match_info["interaction_token"]:
            raise unknown_interaction()
        payload, files = await read_payload(request)
        return json_response(interactions.respond(inter, payload, files))

    def _webhook_interaction(self, request: web.Request) -> S.Interaction:
        if path_int(request.match_info["webhook_id"]) != self.core.application_id:
            raise unknown_webhook()
        inter = self.core.interactions.for_webhook(request.match_info["webhook_token"])
        if inter is None:
            raise unknown_webhook()
        return inter

    async def webhook_execute(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        if not inter.acknowledged:
            raise unknown_webhook()
        payload, files = await read_payload(request)
        msg = self.core.interactions.followup(inter, payload, files)
        wait = request.query.get("wait", "false").lower() in ("1", "true")
        if not wait:
            return no_content()
        return json_response(msg)

    def _webhook_message(self, inter: S.Interaction, request: web.Request) -> dict[str, Any]:
        raw = request.match_info["message_id"]
        if raw == "@original":
            mid = inter.original_message_id
            if mid is None:
                raise unknown_message()
        else:
            mid = path_int(raw)
        msg = self.core.interactions.message(inter, mid)
        if msg is None:
            raise unknown_message()
        return msg

    async def webhook_get_message(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        return json_response(self._webhook_message(inter, request))

    async def webhook_edit_message(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        msg = self._webhook_message(inter, request)
        payload, files = await read_payload(request)
        return json_response(self.core.interactions.edit_message(inter, msg, payload, files))

    async def webhook_delete_message(self, request: web.Request) -> web.Response:
        inter = self._webhook_interaction(request)
        msg = self._webhook_message(inter, request)
        self.core.interactions.delete_message(inter, msg)
        return no_content()
