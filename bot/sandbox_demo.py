"""What the sandbox's local TVmaze-compatible server serves: a few made-up shows airing in the
days after the sandbox's clock, so a newcomer's `/upcoming` is alive without any network.

Every show here is fictional and says so in its summary; none of it is ever written to the
bundled catalogue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

DEMO_NOTE = "<p>A made-up show served by the sandbox's local TVmaze stand-in.</p>"

# (id, title, network or None, web channel or None, country, zone, airtime, day offset, cadence, episodes)
_SHOWS = (
    (900001, "Lantern Keepers", "tvN", None, "KR", "Asia/Seoul", "20:50", 1, 7, 12),
    (900002, "Harbour Lights", None, "Netflix", None, "UTC", "", 2, 0, 8),
    (900003, "Orbit Street", "NBC", None, "US", "America/New_York", "21:00", 0, 7, 10),
    (900004, "Paper Crowns", "BBC One", None, "GB", "Europe/London", "21:00", 3, 7, 6),
    (900005, "Night Market Detectives", "JTBC", None, "KR", "Asia/Seoul", "22:30", 4, 7, 16),
    (900006, "The Quiet Signal", None, "Netflix", None, "UTC", "", 6, 0, 6),
)


def demo_items(now: datetime) -> list[dict[str, Any]]:
    """localtvmaze items (``{"show", "episodes", "cast", "crew"}``) airing from ``now`` on."""
    from localtvmaze import make_cast, make_crew, make_episode, make_person, make_show

    today = now.date()
    items = []
    person = 910000
    for tv_id, title, network, web, country, zone, airtime, offset, cadence, count in _SHOWS:
        show = make_show(
            tv_id,
            title,
            network=network,
            web_channel=web,
            country_code=country,
            timezone=None,
            genres=("Drama",),
            summary=DEMO_NOTE,
            premiered=(today + timedelta(days=offset)).isoformat(),
            updated=int(now.timestamp()),
            language="Korean" if country == "KR" else "English",
        )
        episodes = []
        for n in range(1, count + 1):
            day = today + timedelta(days=offset + cadence * (n - 1))
            episodes.append(
                make_episode(tv_id * 100 + n, 1, n, airdate=day.isoformat(), airtime=airtime, zone=zone)
            )
        cast = []
        for k in range(3):
            person += 1
            cast.append(make_cast(make_person(person, f"Demo Actor {person - 910000}"), f"Character {k + 1}"))
        person += 1
        crew = [make_crew(make_person(person, f"Demo Director {person - 910000}"), "Director")]
        items.append({"show": show, "episodes": episodes, "cast": cast, "crew": crew})
    return items
