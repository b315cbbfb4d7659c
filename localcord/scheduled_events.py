"""Scheduled events (``core.events``): Discord's rules for making, changing and deleting them,
and the status changes Discord makes by itself (resources/guild-scheduled-event, as of 2026).

* **Permissions** ("Permissions Requirements"). An external event (``entity_type`` 3) needs,
  server-wide, **Create Events** to be made: since 23 February 2026 Manage Events alone no longer
  lets a bot make one (change log, 24 November 2025). To change or delete an event the bot made,
  Create Events or Manage Events; anyone else's, Manage Events. A voice or stage event needs the
  same in its channel, with View Channel and Connect (voice), or Manage Channels, Mute Members
  and Move Members (stage). Refused: 403 50013.
* **Fields by entity type.** External: ``entity_metadata.location`` (1-100 characters) and
  ``scheduled_end_time`` are required and ``channel_id`` must be null; voice and stage: a channel.
  ``privacy_level`` is 2 (GUILD_ONLY), the only one. Modify silently drops ``entity_metadata`` of
  an event that is not external. Refused: 400 50035.
* **A start in the past** is refused when an event is made or moved (50035).
* **Status.** SCHEDULED -> ACTIVE, SCHEDULED -> CANCELED, ACTIVE -> COMPLETED; nothing else
  (50035). An event COMPLETED or CANCELED can no longer be changed: 400 180000 "Cannot update a
  finished event".
* **At most 100** events SCHEDULED or ACTIVE per server: 400 30038.
* **Automation** ("Status Update Automation"). An external event becomes ACTIVE at its start and
  COMPLETED at its end; any other event still SCHEDULED some hours after its start is CANCELED
  (``AUTO_CANCEL_AFTER``; Discord says "on the order of hours"). localcord has no timers: it
  applies these whenever a server's events are read or written (REST or the test API), by
  ``core.wall_clock``, and sends GUILD_SCHEDULED_EVENT_UPDATE for each change. A test that runs
  a bot on a clock of its own points ``wall_clock`` at it (``server.wall_clock = ...``), so that
  "the past" is the bot's past.
* **Gateway.** GUILD_SCHEDULED_EVENT_CREATE, _UPDATE and _DELETE reach a session only with the
  GUILD_SCHEDULED_EVENTS intent (1 << 16) (``core._EVENT_INTENTS``); GUILD_CREATE lists a
  server's events whatever the intents (events/gateway-events, "Guild Create Extra Fields").
* **Audit log.** Making, changing and deleting an event are logged (actions 100, 101, 102) with
  the ``X-Audit-Log-Reason`` given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import permissions as P
from . import state as S
from . import validation as V
from .errors import APIError, missing_permissions, unknown_channel

if TYPE_CHECKING:  # pragma: no cover
    from .core import Core

STAGE_INSTANCE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
FINISHED = (COMPLETED, CANCELED)
TRANSITIONS = {(SCHEDULED, ACTIVE), (SCHEDULED, CANCELED), (ACTIVE, COMPLETED)}
MAX_UNCOMPLETED = 100
AUTO_CANCEL_AFTER = 3 * 3600.0  # seconds after its start a non-external event still SCHEDULED is canceled
PAST_SLACK = 60.0  # seconds: a start this close before now is still accepted (clock skew)
AUDIT_CREATE, AUDIT_UPDATE, AUDIT_DELETE = 100, 101, 102

#: What the bot needs in an event's channel besides Create Events, by entity type.
_CHANNEL_NEEDS = {
    VOICE: P.VIEW_CHANNEL | P.CONNECT,
    STAGE_INSTANCE: P.MANAGE_CHANNELS | P.MUTE_MEMBERS | P.MOVE_MEMBERS,
}


def finished_event() -> APIError:
    return APIError(400, 180000, "Cannot update a finished event")


def too_many_events() -> APIError:
    return APIError(400, 30038, "Maximum number of uncompleted guild scheduled events reached (100)")


class ScheduledEvents:
    def __init__(self, core: Core) -> None:
        self.core = core

    def now(self) -> float:
        return self.core.wall_clock()

    # ---------------------------------------------------------------- automation

    def advance(self, guild: S.Guild) -> list[S.ScheduledEvent]:
        """Applies the status changes Discord would have made by now; returns the events changed."""
        now = self.now()
        changed = []
        for ev in list(guild.scheduled_events.values()):
            before = ev.status
            start = V.parse_time(ev.scheduled_start_time)
            end = V.parse_time(ev.scheduled_end_time)
            if ev.entity_type == EXTERNAL:
                if ev.status == SCHEDULED and start is not None and now >= start:
                    ev.status = ACTIVE
                if ev.status == ACTIVE and end is not None and now >= end:
                    ev.status = COMPLETED
            elif ev.status == SCHEDULED and start is not None and now >= start + AUTO_CANCEL_AFTER:
                ev.status = CANCELED
            if ev.status != before:
                changed.append(ev)
                self.core.dispatch_guild(guild, "GUILD_SCHEDULED_EVENT_UPDATE", ev.to_dict())
        return changed

    # -------------------------------------------------------------------- making

    def create(
        self, guild: S.Guild, payload: dict[str, Any], *, by: S.User | None = None, reason: str | None = None
    ) -> S.ScheduledEvent:
        """``POST /guilds/{id}/scheduled-events`` by ``by`` (the bot when None)."""
        core = self.core
        self.advance(guild)
        creator = by or core.bot_user
        if core.limits.permissions:
            self._require(guild, creator, payload, P.CREATE_EVENTS)
        if core.limits.validation:
            self._validate_new(guild, payload)
        if (
            sum(1 for e in guild.scheduled_events.values() if e.status in (SCHEDULED, ACTIVE))
            >= MAX_UNCOMPLETED
        ):
            raise too_many_events()
        ev = core.setup.create_scheduled_event(guild, payload, creator=creator)
        self._audit(guild, creator, AUDIT_CREATE, ev, reason)
        return ev

    def _validate_new(self, guild: S.Guild, payload: dict[str, Any]) -> None:
        errors = V.validate_scheduled_event(payload)
        start = V.parse_time(payload.get("scheduled_start_time"))
        if payload.get("scheduled_start_time") is not None and start is None:
            errors.add(("scheduled_start_time",), "DATE_TIME_TYPE_PARSE", "Could not parse date time.")
        elif start is not None and start < self.now() - PAST_SLACK:
            _in_past(errors)
        end = V.parse_time(payload.get("scheduled_end_time"))
        if start is not None and end is not None and end <= start:
            _end_before_start(errors)
        if payload.get("entity_type") == EXTERNAL and payload.get("channel_id") is not None:
            _external_channel(errors)
        if errors:
            raise APIError.form(errors)
        cid = payload.get("channel_id")
        if cid and int(cid) not in guild.channels:
            raise unknown_channel()

    # ------------------------------------------------------------------ changing

    def edit(
        self, guild: S.Guild, ev: S.ScheduledEvent, payload: dict[str, Any], *, reason: str | None = None
    ) -> S.ScheduledEvent:
        """``PATCH /guilds/{id}/scheduled-events/{event}`` by the bot."""
        core = self.core
        self.advance(guild)
        if core.limits.permissions:
            self._require_modify(guild, ev)
        if ev.status in FINISHED:
            raise finished_event()
        entity_type = payload.get("entity_type", ev.entity_type)
        if core.limits.validation:
            self._validate_change(ev, payload, entity_type)
        if entity_type != EXTERNAL:
            payload = {k: v for k, v in payload.items() if k != "entity_metadata"}
        for key in (
            "name",
            "description",
            "scheduled_start_time",
            "scheduled_end_time",
            "entity_type",
            "privacy_level",
            "status",
            "entity_metadata",
            "image",
            "recurrence_rule",
        ):
            if key in payload:
                setattr(ev, key, payload[key])
        if "channel_id" in payload:
            ev.channel_id = int(payload["channel_id"]) if payload["channel_id"] else None
        core.dispatch_guild(guild, "GUILD_SCHEDULED_EVENT_UPDATE", ev.to_dict())
        self._audit(guild, core.bot_user, AUDIT_UPDATE, ev, reason)
        return ev

    def _validate_change(self, ev: S.ScheduledEvent, payload: dict[str, Any], entity_type: Any) -> None:
        errors = V.validate_scheduled_event(payload, partial=True)
        status = payload.get("status")
        if status is not None and status != ev.status and (ev.status, status) not in TRANSITIONS:
            errors.add(
                ("status",),
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                f"Cannot change the status from {ev.status} to {status}.",
            )
        start_text = payload.get("scheduled_start_time", ev.scheduled_start_time)
        start = V.parse_time(start_text)
        if "scheduled_start_time" in payload and start is None:
            errors.add(("scheduled_start_time",), "DATE_TIME_TYPE_PARSE", "Could not parse date time.")
        elif "scheduled_start_time" in payload and ev.status == SCHEDULED and start is not None:
            if start < self.now() - PAST_SLACK:
                _in_past(errors)
        end = V.parse_time(payload.get("scheduled_end_time", ev.scheduled_end_time))
        if start is not None and end is not None and end <= start:
            _end_before_start(errors)
        if entity_type == EXTERNAL:
            # Changing to external: channel_id (as null), a location and an end must all be given.
            to_external = ev.entity_type != EXTERNAL
            meta = (
                payload.get("entity_metadata")
                if "entity_metadata" in payload or to_external
                else ev.entity_metadata
            )
            if not (meta or {}).get("location"):
                V.required(errors, ("entity_metadata", "location"))
            if payload.get("scheduled_end_time", None if to_external else ev.scheduled_end_time) is None:
                V.required(errors, ("scheduled_end_time",))
            if payload.get("channel_id") is not None or (to_external and "channel_id" not in payload):
                _external_channel(errors)
        if errors:
            raise APIError.form(errors)

    # ------------------------------------------------------------------ deleting

    def delete(self, guild: S.Guild, ev: S.ScheduledEvent, *, reason: str | None = None) -> None:
        """``DELETE /guilds/{id}/scheduled-events/{event}`` by the bot."""
        core = self.core
        self.advance(guild)
        if core.limits.permissions:
            self._require_modify(guild, ev)
        del guild.scheduled_events[ev.id]
        core.dispatch_guild(guild, "GUILD_SCHEDULED_EVENT_DELETE", ev.to_dict())
        self._audit(guild, core.bot_user, AUDIT_DELETE, ev, reason)

    # --------------------------------------------------------------- permissions

    def _permissions(self, guild: S.Guild, user: S.User, entity_type: Any, channel_id: Any) -> int:
        member = guild.members.get(user.id)
        if member is None:
            return 0
        if entity_type in _CHANNEL_NEEDS and channel_id and int(channel_id) in guild.channels:
            return P.channel_permissions(guild, member, guild.channels[int(channel_id)])
        return P.base_permissions(guild, member)

    def _require(self, guild: S.Guild, user: S.User, fields: dict[str, Any], needed: int) -> None:
        """``needed`` (any of its bits) and, for a voice or stage event, what its channel needs."""
        entity_type = fields.get("entity_type")
        extra = _CHANNEL_NEEDS.get(entity_type, 0) if isinstance(entity_type, int) else 0
        perms = self._permissions(guild, user, entity_type, fields.get("channel_id"))
        if not perms & needed or perms & extra != extra:
            raise missing_permissions()

    def _require_modify(self, guild: S.Guild, ev: S.ScheduledEvent) -> None:
        """The bot's own event: Create Events or Manage Events; anyone else's: Manage Events."""
        bot = self.core.bot_user
        own = ev.creator is not None and ev.creator.id == bot.id
        needed = (P.CREATE_EVENTS | P.MANAGE_EVENTS) if own else P.MANAGE_EVENTS
        self._require(guild, bot, {"entity_type": ev.entity_type, "channel_id": ev.channel_id}, needed)

    # ------------------------------------------------------------------ audit log

    def _audit(
        self, guild: S.Guild, by: S.User, action: int, ev: S.ScheduledEvent, reason: str | None
    ) -> None:
        self.core.audit_log.append(
            {
                "guild_id": str(guild.id),
                "action_type": action,
                "user_id": str(by.id),
                "target_id": str(ev.id),
                "changes": [{"key": "name", "new_value": ev.name}],
                "reason": reason,
            }
        )


def _in_past(errors: V.FormErrors) -> None:
    errors.add(
        ("scheduled_start_time",),
        "GUILD_SCHEDULED_EVENT_SCHEDULED_START_TIME_IN_PAST",
        "Cannot schedule event in the past.",
    )


def _end_before_start(errors: V.FormErrors) -> None:
    errors.add(
        ("scheduled_end_time",),
        "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
        "Cannot schedule event to end before starting.",
    )


def _external_channel(errors: V.FormErrors) -> None:
    errors.add(
        ("channel_id",), "BASE_TYPE_INVALID", "An external event has no channel: channel_id must be null."
    )
