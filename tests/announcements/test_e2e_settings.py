"""End to end through localcord: what admins change with /announce, and what the bot makes of
Discord changing under it (channels and roles deleted, the bot removed from a server)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from .conftest import LocalDiscord, RunningBot
from .fakes import aoad
from .test_e2e_announce import P_MANAGE_GUILD, wait_until

ADD = ["announce", "channel", "add"]


async def test_settings_commands_answer_before_the_replan_and_a_burst_is_planned_once(
    lc: LocalDiscord, running: RunningBot
) -> None:
    guild = lc.create_guild("Busy")
    chans = lc.create_channels(guild, ["a", "b"])
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    await running.store.import_records([aoad()])
    running.scheduler.replan_delay = timedelta(seconds=1)
    gate, plans = asyncio.Event(), []
    plan = running.service.plan

    async def slow_plan(*args, **kwargs):  # type: ignore[no-untyped-def]
        plans.append(1)
        await gate.wait()  # planning every channel of a big bot takes a while
        return await plan(*args, **kwargs)

    running.service.plan = slow_plan  # type: ignore[method-assign]
    commands = [
        (ADD, {"channel": chans[0]}),
        (ADD, {"channel": chans[1], "kinds": "premieres"}),
        (["announce", "timezone"], {"zone": "Asia/Seoul"}),
        (["announce", "time"], {"at": "18:00"}),
        (["announce", "pause"], {}),
        (["announce", "resume"], {}),
    ]
    for name, options in commands:
        answer = await lc.run_command(guild, admin, name, options=options, timeout=2.0)
        assert answer.ephemeral and not answer.deferred and answer.content, (name, answer.content)
    assert plans == []  # every command answered before any planning
    await wait_until(lambda: len(plans) == 1, limit=5)
    gate.set()
    await wait_until(lambda: "announce:20220128T0800Z" in running.scheduler.job_ids(), limit=5)
    await asyncio.sleep(0.3)
    assert len(plans) == 1  # six changes, one re-plan


# -- time zones ---------------------------------------------------------------------------------------------


async def test_a_time_zone_is_a_real_iana_zone(lc: LocalDiscord, running: RunningBot) -> None:
    guild = lc.create_guild("Zones")
    lc.create_channel(guild, "releases")
    admin = lc.create_member(guild, "admin", permissions=P_MANAGE_GUILD)
    await running.start()
    zone = ["announce", "timezone"]
    for fake in ("localtime", "posixrules", "Factory", "right/UTC", "posix/Asia/Seoul", "Mars/Olympus"):
        answer = await lc.run_command(guild, admin, zone, options={"zone": fake})
        assert "is not a time zone I know" in answer.content, (fake, answer.content)
    assert await running.store.announce_guild(guild.id) is None  # nothing saved
    answer = await lc.run_command(guild, admin, zone, options={"zone": "asia/seoul"})
    assert "Time zone set to **Asia/Seoul**" in answer.content, answer.content
    for typed in ("local", "posix", "right/", "fact"):
        choices = await lc.run_autocomplete(guild, admin, zone, focused="zone", value=typed)
        assert not [c for c in choices if c["value"] in ("localtime", "posixrules", "Factory")]
        assert not [c for c in choices if c["value"].startswith(("posix/", "right/"))], choices
