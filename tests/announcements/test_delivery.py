"""How Discord's answers become the service's terms, and the mentions a post may make."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import pytest

from bot.announce.port import ChannelBroken, ChannelGone, DeliveryError, TransientDeliveryError
from bot.delivery import mentions_for, translate


def http_error(cls: type[discord.HTTPException], status: int, code: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="x")
    return cls(response, {"code": code, "message": "nope"})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (http_error(discord.Forbidden, 403, 50013), ChannelBroken),
        (http_error(discord.Forbidden, 403, 50001), ChannelBroken),
        (http_error(discord.NotFound, 404, 10003), ChannelGone),
        (http_error(discord.DiscordServerError, 503, 0), TransientDeliveryError),
        (TimeoutError(), TransientDeliveryError),
        (ConnectionResetError(), TransientDeliveryError),
        (http_error(discord.HTTPException, 400, 50035), DeliveryError),
        (http_error(discord.NotFound, 404, 10008), DeliveryError),
    ],
)
def test_translate(exc: BaseException, kind: type[DeliveryError]) -> None:
    got = translate(exc)
    assert type(got) is kind and got.reason


def test_only_the_role_may_be_mentioned() -> None:
    allowed = mentions_for(42).to_dict()
    assert allowed == {"parse": [], "roles": [42]}  # no everyone/here, no users, no other role
    assert mentions_for(None).to_dict() == {"parse": []}


def test_discord_py_sweeps_its_route_buckets_at_most_every_so_often() -> None:
    from bot.delivery import throttle_bucket_sweep

    class Http:
        sweeps = 0

        def _try_clear_expired_ratelimits(self) -> None:
            Http.sweeps += 1

    http = Http()
    throttle_bucket_sweep(http, every=60)
    throttle_bucket_sweep(http, every=60)  # once is enough
    for _ in range(10_000):  # a new channel bucket each
        http._try_clear_expired_ratelimits()
    assert Http.sweeps == 1
