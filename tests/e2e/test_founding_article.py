"""The founding article, told through the commands a fan would type (localcord -> the real bot).

Everything ../shared/founding-article.txt states is answerable, and each answer leads to the
others: the show to its cast, director, source and the Korean zombie stories it is compared with;
the director to his earlier dramas; an actor to her other hit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.e2e.test_commands import embed_text, world  # noqa: F401  (the fixture)

RELEASE_TS = int(datetime(2022, 1, 28, 8, 0, tzinfo=UTC).timestamp())


async def ask(world, command: str, **options: str) -> str:  # noqa: F811
    lc, guild, channel, alice, _ = world
    res = await lc.run_command(guild, alice, command, options=options, channel=channel)
    assert not res.ephemeral, res.content
    return embed_text(res.message)


async def test_the_article_from_the_show_outwards(world) -> None:  # noqa: F811
    show = await ask(world, "show", title="All of Us Are Dead")
    assert "지금 우리 학교는" in show and "Netflix" in show and f"<t:{RELEASE_TS}:F>" in show
    assert "Episodes: 12" in show
    assert "Webtoon “Now at Our School” (지금 우리 학교는) by Joo Dong-geun" in show
    assert "Directed by: Lee Jae-kyoo" in show
    assert "Press conference" in show and "26 January 2022 in Seoul" in show
    for work in ("Train to Busan", "Kingdom", "Peninsula"):
        assert f"**{work}**" in show.split("Related:", 1)[1]

    cast = await ask(world, "cast", title="지금 우리 학교는")
    for actor in (
        "Park Ji-hu",
        "Yoon Chan-young",
        "Cho Yi-hyun",
        "Lomon",
        "Yoo In-soo",
        "Lim Jae-hyeok",
        "Lee Yoo-mi",
    ):
        assert f"**{actor}**" in cast
    assert "as Nam On-jo" in cast and "as Lee Na-yeon" in cast

    release = await ask(world, "release", title="Now at Our School")
    assert f"<t:{RELEASE_TS}:F>" in release and "Worldwide" in release
    for nickname in ("지우학", "aoad"):  # what fans call it, in Korea and in English
        short = await ask(world, "release", title=nickname)
        assert "All of Us Are Dead" in short and f"<t:{RELEASE_TS}:F>" in short


async def test_the_article_from_its_people_and_the_works_it_names(world) -> None:  # noqa: F811
    director = await ask(world, "person", name="Lee Jae-kyoo")
    for work in ("All of Us Are Dead", "Fashion 70", "Beethoven Virus"):
        assert work in director
    actress = await ask(world, "person", name="Lee Yoo-mi")
    assert "All of Us Are Dead" in actress and "Lee Na-yeon" in actress and "Squid Game" in actress
    author = await ask(world, "person", name="Joo Dong-geun")
    assert "All of Us Are Dead" in author and "original author" in author
    park = await ask(world, "person", name="Park Ji-hu")
    assert "Nam On-jo" in park
    busan = await ask(world, "show", title="Train to Busan")
    assert "Peninsula" in busan and "All of Us Are Dead" in busan
    peninsula = await ask(world, "show", title="Peninsula")
    assert "Train to Busan" in peninsula
