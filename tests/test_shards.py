"""Shards: which servers a process serves (a pure value), the settings that say so, and the
services that keep to them: announcements (posts, pending posts, a re-shard, the watermark),
followers' DMs by lease, the week at a glance and scheduled events, each per server."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.announce.models import ChannelChange
from bot.clock import ManualClock
from bot.config import ConfigError, Settings, load_settings
from bot.follows.models import What
from bot.lease import FOLLOWS_LEASE
from bot.services.announcements import WATERMARK_KEY, AnnouncementService
from bot.services.events import EventService
from bot.services.follows import FollowService
from bot.services.weekly import WeeklyService
from bot.shards import EVERY_SHARD, ShardScope, parse_shard_ids, shard_of
from bot.store import Store
from bot.store.announce_ledger import USER
from tests.announcements.fakes import DM_BASE, FakePoster, aoad, film, weekly
from tests.services.test_events import FakeDiscordEvents
from tests.services.test_weekly import FakeWeeklyPoster

NO_DOTENV = Path("/nonexistent/.env")
DUE = datetime(2022, 1, 28, 8, 0, tzinfo=UTC)  # All of Us Are Dead, 17:00 in Seoul


def guild_on(shard: int, count: int = 4, n: int = 0) -> int:
    """A server id Discord routes to ``shard`` of ``count`` (the n-th such id)."""
    return ((n * count + shard) << 22) + 7


# -- the scope ------------------------------------------------------------------------------------------


def test_a_server_belongs_to_the_shard_discord_routes_it_to() -> None:
    assert shard_of(0, 4) == 0
    assert [shard_of(guild_on(s), 4) for s in range(4)] == [0, 1, 2, 3]
    assert shard_of(guild_on(3, 4, n=5), 4) == 3
    assert shard_of(81384788765712384, 1) == 0  # one shard: every server on it


def test_a_scope_owns_the_servers_on_its_shards_and_every_server_without_ids() -> None:
    scope = ShardScope.of(4, [0, 2])
    assert [scope.owns(guild_on(s)) for s in range(4)] == [True, False, True, False]
    assert scope.cluster and scope.labels == ("0/4", "2/4") and scope.describe() == "shards 0, 2 of 4"
    for whole in (EVERY_SHARD, ShardScope(4), ShardScope.of(None, None)):
        assert all(whole.owns(guild_on(s, n=n)) for s in range(4) for n in range(3))
        assert not whole.cluster and whole.labels == ()
    assert ShardScope(4).describe() == "all 4 shards" and EVERY_SHARD.describe() == "every shard"


@pytest.mark.parametrize(
    ("count", "ids"),
    [(0, None), (None, [0]), (4, []), (4, [4]), (2, [-1])],
)
def test_an_impossible_scope_is_refused(count: int | None, ids: list[int] | None) -> None:
    with pytest.raises(ValueError):
        ShardScope.of(count, ids)


def test_shard_ids_are_numbers_and_ranges() -> None:
    assert parse_shard_ids("0-3", 4) == (0, 1, 2, 3)
    assert parse_shard_ids("0,2", 4) == (0, 2)
    assert parse_shard_ids("1", 2) == (1,)
    assert parse_shard_ids(" 3, 0-1 ,1", 4) == (0, 1, 3)


@pytest.mark.parametrize("text", ["", "a", "1-", "-1", "3-1", "0-4", "4", "1.5", "0;1", "١"])
def test_malformed_shard_ids_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_shard_ids(text, 4)


def test_a_huge_range_is_refused_before_it_is_counted() -> None:
    with pytest.raises(ValueError, match="does not exist"):
        parse_shard_ids("0-99999999999", 4)


# -- the settings --------------------------------------------------------------------------------------


def settings(**env: str) -> Settings:
    return load_settings({"DISCORD_TOKEN": "t", **env}, dotenv_path=NO_DOTENV)


def test_without_shard_settings_discord_py_decides_and_this_process_runs_every_shard() -> None:
    s = settings()
    assert (s.shard_count, s.shard_ids, s.shard_lease_seconds) == (None, None, 60)
    assert settings(SHARD_COUNT="auto").shard_count is None
    assert settings(SHARD_COUNT="AUTO ").shard_count is None


def test_shard_settings_are_read() -> None:
    s = settings(SHARD_COUNT="4", SHARD_IDS="2-3", SHARD_LEASE_SECONDS="30")
    assert (s.shard_count, s.shard_ids, s.shard_lease_seconds) == (4, (2, 3), 30)
    assert settings(SHARD_COUNT="4").shard_ids is None  # one process, all four shards
    assert settings(SHARD_COUNT="4", SHARD_IDS="0,2").shard_ids == (0, 2)


@pytest.mark.parametrize(
    ("env", "needle"),
    [
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT='0' is not allowed"),
        ({"SHARD_COUNT": "-2"}, "SHARD_COUNT="),
        ({"SHARD_COUNT": "four"}, "SHARD_COUNT='four' is not allowed: use a whole number of shards"),
        ({"SHARD_IDS": "0-1"}, "SHARD_IDS='0-1' needs SHARD_COUNT as a number"),
        ({"SHARD_COUNT": "auto", "SHARD_IDS": "0"}, "SHARD_IDS='0' needs SHARD_COUNT as a number"),
        (
            {"SHARD_COUNT": "4", "SHARD_IDS": "4"},
            "SHARD_IDS='4' is not allowed (shard 4 does not exist among 4",
        ),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "2-1"}, "SHARD_IDS='2-1' is not allowed ('2-1' runs backwards)"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "x"}, "SHARD_IDS='x' is not allowed"),
        ({"SHARD_LEASE_SECONDS": "1"}, "SHARD_LEASE_SECONDS='1' is not allowed"),
    ],
)
def test_a_wrong_shard_setting_is_one_line_naming_it(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings(**env)
    message = str(info.value)
    assert message.startswith(needle) and "\n" not in message, message


async def test_the_bot_is_given_its_shards(store: Store, tmp_path: Path) -> None:
    from bot.app import build_bot
    from tests.conftest import settings_for

    class Server:
        token, api_base = "t", "http://127.0.0.1:9/api/v10"

    clock = ManualClock(DUE)
    # Built, never started: nothing to connect or close.
    cluster = await build_bot(
        settings_for(Server(), tmp_path, shard_count=4, shard_ids=(1, 3), shard_lease_seconds=20),
        store,
        clock,
    )
    assert (cluster.shard_count, cluster.shard_ids) == (4, [1, 3])
    services = cluster.services
    assert services.announcements.scope == ShardScope.of(4, [1, 3])
    assert services.weekly.scope == services.events.scope == services.announcements.scope
    assert services.leases is not None and services.leases.ttl == timedelta(seconds=20)
    assert services.announcements.leases is services.leases
    alone = await build_bot(settings_for(Server(), tmp_path), store, clock)
    assert (alone.shard_count, alone.shard_ids) == (None, None)
    assert alone.services.leases is None and alone.services.announcements.scope == EVERY_SHARD


# -- announcements in a cluster --------------------------------------------------------------------------


class Lease:
    """A lease that is held or not, as a test says."""

    def __init__(self, held: bool) -> None:
        self.is_held = held

    def held(self, name: str) -> bool:
        return name == FOLLOWS_LEASE and self.is_held


async def no_sleep(_: float) -> None:
    return None


def service(
    store: Store, poster: FakePoster, scope: ShardScope, clock: ManualClock, *, leases: Lease | None = None
) -> AnnouncementService:
    return AnnouncementService(
        store, clock, poster, rate_per_second=None, sleep=no_sleep, scope=scope, leases=leases
    )


async def setup_channels(store: Store, count: int = 4, per_shard: int = 2) -> dict[int, int]:
    """Channels of servers spread over the shards: channel -> its server."""
    await store.import_records([aoad()])
    configure = AnnouncementService(store, ManualClock(DUE - timedelta(days=1)), rate_per_second=None)
    channels = {}
    for shard in range(count):
        for n in range(per_shard):
            gid = guild_on(shard, count, n)
            cid = 1000 + shard * 10 + n
            await configure.add_channel(gid, cid)
            channels[cid] = gid
    return channels


async def test_each_process_posts_only_in_its_servers_and_together_every_channel_once(
    database_target: Path | str,
) -> None:
    path = database_target
    async with await Store.open(path) as setup:
        channels = await setup_channels(setup)
    clock = ManualClock(DUE)
    poster_a, poster_b = FakePoster(), FakePoster()
    async with await Store.open(path) as store_a, await Store.open(path) as store_b:
        a = service(store_a, poster_a, ShardScope.of(4, [0, 1]), clock)
        b = service(store_b, poster_b, ShardScope.of(4, [2, 3]), clock)
        assert {s.channel_id for s in await a.plan(DUE)} == {
            c for c, g in channels.items() if a.scope.owns(g)
        }
        reports = await asyncio.gather(a.run_due(DUE), b.run_due(DUE))
        assert [r.sent for r in reports] == [4, 4]
        for poster, svc in ((poster_a, a), (poster_b, b)):
            assert {p.channel_id for p in poster.sent} == {
                c for c, g in channels.items() if svc.scope.owns(g)
            }
        assert sorted(p.channel_id for p in poster_a.sent + poster_b.sent) == sorted(channels)
        # Each marks the shards it ran: a run after its downtime looks back to there.
        assert await store_a.get_meta(f"{WATERMARK_KEY}:0/4") == DUE.isoformat()
        assert await store_a.get_meta(f"{WATERMARK_KEY}:3/4") == DUE.isoformat()
        again = await asyncio.gather(a.run_due(DUE), b.run_due(DUE))
        assert not any(again) and len(poster_a.sent) + len(poster_b.sent) == len(channels)


async def test_a_pending_post_is_left_to_its_owner_who_sends_it_again_with_its_nonce(
    database_target: Path | str,
) -> None:
    path = database_target
    async with await Store.open(path) as setup:
        channels = await setup_channels(setup, per_shard=1)
    clock = ManualClock(DUE)
    discord = FakePoster()  # one Discord for both: a nonce it saw returns the first message
    async with await Store.open(path) as store:
        dying = service(store, discord, ShardScope.of(4, [0, 1]), clock)
        discord.crash_after = 1  # each post went out, then its process "died" before the ledger said so
        await dying.run_due(DUE)
        discord.crash_after = None
        pending = await store.pending_deliveries()
        assert {d.channel_id for d in pending} == {p.channel_id for p in discord.sent}
        assert {shard_of(d.guild_id, 4) for d in pending} == {0, 1}

        other = service(store, discord, ShardScope.of(4, [2, 3]), clock)
        await other.run_due(DUE + timedelta(seconds=20))
        assert await store.pending_deliveries() == pending  # not its servers: left alone
        theirs = {c for c, g in channels.items() if other.scope.owns(g)}
        assert {p.channel_id for p in discord.sent[len(pending) :]} == theirs

        restarted = service(store, discord, ShardScope.of(4, [0, 1]), clock)
        report = await restarted.run_due(DUE + timedelta(seconds=40))
        assert report.sent == len(pending) and await store.pending_deliveries() == []
        assert sorted(p.channel_id for p in discord.sent) == sorted(channels)  # nothing twice
        for d in pending:
            [row] = await store.deliveries(d.channel_id)
            assert row.state == "sent" and row.nonce == d.nonce


async def test_a_reshard_hands_pending_posts_to_their_new_owner_and_never_posts_twice(
    database_target: Path | str,
) -> None:
    path = database_target
    async with await Store.open(path) as setup:
        channels = await setup_channels(setup, count=4, per_shard=3)
    clock = ManualClock(DUE)
    discord = FakePoster()
    async with await Store.open(path) as store:
        # Two shards before: the process with shard 0 of 2 dies mid fan-out.
        old = service(store, discord, ShardScope.of(2, [0]), clock)
        discord.crash_after = 2
        await old.run_due(DUE)
        discord.crash_after = None
        pending = {d.channel_id for d in await store.pending_deliveries()}
        assert pending

        # Four shards after, in two processes, one of them still starting while the old
        # process with shard 1 of 2 runs too: their scopes overlap, and they all run at once.
        new = [service(store, discord, ShardScope.of(4, ids), clock) for ids in ([0, 1], [2, 3])]
        still = service(store, discord, ShardScope.of(2, [1]), clock)
        later = DUE + timedelta(seconds=30)
        await asyncio.gather(*(s.run_due(later) for s in (*new, still, *new)))
        assert await store.pending_deliveries() == []
        counts = {c: len(discord.posts_in(c)) for c in channels}
        assert set(counts.values()) == {1}, counts
        assert {r.state for c in channels for r in await store.deliveries(c)} == {"sent"}


async def test_a_shard_down_longer_than_a_week_looks_back_to_its_own_last_run(
    database_target: Path | str,
) -> None:
    path = database_target
    clock = ManualClock(DUE)
    async with await Store.open(path) as store:
        poster = FakePoster()
        a = service(store, poster, ShardScope.of(4, [0, 1]), clock)
        b = service(store, poster, ShardScope.of(4, [2, 3]), clock)
        assert await b.lookback(DUE) == timedelta(days=7)  # nothing known: the usual week
        await store.set_meta(WATERMARK_KEY, (DUE - timedelta(days=3)).isoformat())  # before shards
        assert await b.lookback(DUE) == timedelta(days=7)  # new shards look back to that
        await store.set_meta(WATERMARK_KEY, (DUE - timedelta(days=9)).isoformat())
        assert await b.lookback(DUE) == timedelta(days=10)
        await b.run_due(DUE - timedelta(days=10))  # then b was down for ten days, a ran on
        await a.run_due(DUE)
        assert await a.lookback(DUE) == timedelta(days=7)
        assert await b.lookback(DUE) == timedelta(days=11)
        assert b.watermarks() == [f"{WATERMARK_KEY}:2/4", f"{WATERMARK_KEY}:3/4"]
        assert service(store, poster, EVERY_SHARD, clock).watermarks() == [WATERMARK_KEY]


async def test_followers_dms_go_out_only_where_the_lease_is_held(database_target: Path | str) -> None:
    clock = ManualClock(DUE - timedelta(days=1))
    async with await Store.open(database_target) as store:
        await store.import_records([aoad()])
        poster = FakePoster()
        lease_a, lease_b = Lease(False), Lease(False)
        services = []
        for lease, ids in ((lease_a, [0, 1]), (lease_b, [2, 3])):
            svc = service(store, poster, ShardScope.of(4, ids), clock, leases=lease)
            svc.attach_follows(FollowService(store, clock, on_change=svc.changed))
            services.append(svc)
        a, b = services
        assert a.follows is not None
        show = await store.get_show("all-of-us-are-dead")
        assert show is not None
        for user in (501, 502, 503):
            await a.follows.follow(user, show, What.PREMIERES)
        clock.set(DUE)
        await asyncio.gather(a.run_due(), b.run_due())
        assert poster.sent == []  # nobody holds it: the DMs wait (in the plan, not lost)
        assert await store.get_meta(WATERMARK_KEY) is None
        lease_b.is_held = True
        await asyncio.gather(a.run_due(), b.run_due())
        assert sorted(p.channel_id - DM_BASE for p in poster.sent) == [501, 502, 503]
        assert b.last_follow_report.sent == 3 and a.last_follow_report.sent == 0
        assert await store.get_meta(WATERMARK_KEY) == DUE.isoformat()  # the DMs' own mark
        lease_a.is_held, lease_b.is_held = True, False  # taken over: nothing is sent again
        await asyncio.gather(a.run_due(), b.run_due())
        assert len(poster.sent) == 3
        assert {r.state for r in await store.deliveries(kind=USER, lead=None)} == {"sent"}


# -- the week at a glance and scheduled events, per server ----------------------------------------------


async def test_the_week_at_a_glance_is_kept_by_the_process_of_each_server(
    database_target: Path | str,
) -> None:
    path = database_target
    tuesday = datetime(2022, 1, 25, 12, 0, tzinfo=UTC)
    async with await Store.open(path) as store:
        await store.import_records([aoad(), weekly(), film("2022-01-26", "UTC")])
        for shard in range(4):
            await store.configure_announce_channel(
                guild_on(shard), 100 + shard, ChannelChange(weekly=True), now=tuesday - timedelta(days=30)
            )
        clock = ManualClock(tuesday)
        ports = [FakeWeeklyPoster(), FakeWeeklyPoster()]
        glances = [
            WeeklyService(store, clock, port, scope=ShardScope.of(4, ids))
            for port, ids in zip(ports, ([0, 2], [1, 3]), strict=True)
        ]
        reports = await asyncio.gather(*(g.refresh() for g in glances))
        assert [r.posted for r in reports] == [2, 2]
        assert sorted(ports[0].messages) == [100, 102] and sorted(ports[1].messages) == [101, 103]


async def test_scheduled_events_are_made_by_the_process_of_each_server(database_target: Path | str) -> None:
    now = datetime(2022, 1, 21, 12, 0, tzinfo=UTC)
    async with await Store.open(database_target) as store:
        await store.import_records([aoad()])
        clock = ManualClock(now)
        discord = FakeDiscordEvents(clock)
        mine, theirs = guild_on(1), guild_on(2)
        for gid in (mine, theirs):
            await store.configure_announce_channel(
                gid, gid + 1, ChannelChange(), now=now - timedelta(days=30)
            )
        one = EventService(store, clock, discord, scope=ShardScope.of(4, [0, 1]))
        other = EventService(store, clock, discord, scope=ShardScope.of(4, [2, 3]))
        await one.enable(mine)
        await other.enable(theirs)
        report = await one.refresh()
        assert report.created == 1 and {g for g, *_ in discord.events.values()} == {mine}
        await other.refresh()
        assert sorted(g for g, *_ in discord.events.values()) == sorted([mine, theirs])
        # Turned off in a server of the other process: this one leaves its events alone.
        await store.update_announce_guild(theirs, events=False)
        assert not await one.refresh()
        assert (await other.refresh()).deleted == 1
        assert [g for g, *_ in discord.events.values()] == [mine]


async def test_at_ready_a_process_forgets_only_its_own_servers_it_is_no_longer_in(
    database_target: Path | str,
) -> None:
    from bot.announce.channels import GuildState

    async with await Store.open(database_target) as store:
        channels = await setup_channels(store, per_shard=2)
        svc = service(store, FakePoster(), ShardScope.of(4, [0, 1]), ManualClock(DUE))
        here = [g for g in set(channels.values()) if svc.scope.owns(g) and g != guild_on(1, n=1)]
        states = [
            GuildState(g, frozenset(c for c, cg in channels.items() if cg == g), frozenset()) for g in here
        ]
        cleanup = await svc.settings.reconcile(states, member_of=here)
        assert cleanup.guilds == [guild_on(1, n=1)]  # removed from it while away: its settings go
        left = {c.guild_id for c in await store.announce_channels()}
        assert left == set(channels.values()) - {guild_on(1, n=1)}  # the other shards' servers stay
