import asyncio
import random

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.models import Credit, Person, Role, Show, ShowRecord
from bot.search import (
    clean_input,
    common_start,
    index_keys,
    initials,
    nearest_names,
    normalise,
    one_edit_keys,
    search,
    suggestions,
    trigrams,
    typo_groups,
    typo_window,
    word_suffixes,
)
from bot.store import Store

SHOWS = [
    Show(
        "all-of-us-are-dead",
        "All of Us Are Dead",
        original_title="지금 우리 학교는",
        aliases=("Now at Our School",),
    ),
    Show("squid-game", "Squid Game", original_title="오징어 게임"),
    Show("dead-to-me", "Dead to Me"),
    Show("spirited-away", "千と千尋の神隠し"),
    Show("la-casa", "La casa de papel"),
]
PARK = Person("park-ji-hu", "Park Ji-hu", "박지후")


def records(shows=SHOWS):
    return [
        ShowRecord(s, credits=[Credit(s.id, PARK, Role.CAST, "", 1)] if s.id == "all-of-us-are-dead" else [])
        for s in shows
    ]


@pytest.fixture
async def names(store: Store) -> Store:
    await store.import_records(records())
    return store


async def top(store: Store, query: str, kind: str = "show") -> str | None:
    hits = await search(store, query, kind=kind)
    return hits[0].ref if hits else None


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  ALL of   us — are DEAD! ") == "all of us are dead"
    assert normalise("La Casa de Papél") == "la casa de papel"
    assert normalise("지금 우리 학교는") == "지금 우리 학교는"
    assert normalise("\u200bzero\u200dwidth") == "zerowidth"


def test_clean_input_drops_invisible_and_control_characters():
    assert clean_input("All\u200b of\x00 Us\n\nAre  Dead\ufeff") == "All of Us Are Dead"


def test_keys_split_into_word_suffixes_and_trigrams():
    assert word_suffixes("all of us") == ["all of us", "of us", "us"]
    assert word_suffixes("") == []
    assert trigrams("deaded") == ["dea", "ead", "ade", "ded"]
    assert trigrams("ab") == []


def test_a_show_names_initials_are_the_first_characters_of_its_words():
    assert initials("the walking dead") == "twd"
    assert initials("house of the dragon") == "hotd"
    assert initials("지금 우리 학교는") == "지우학"
    assert initials("it s always sunny in philadelphia") == "iasip"  # "it's": no "s"
    assert initials("don t look up") == "dlu"
    assert initials("s w a t") == "swat"  # single letters keep theirs
    assert initials("dial m for murder") == "dmfm"
    assert initials("we d rather be here") == "wrbh"
    assert initials("9 1 1 lone star") == "911ls"
    assert initials("squid game") == initials("grey s anatomy") == initials("") == ""  # under three
    assert index_keys("show", "house of the dragon")[-1] == "hotd"
    assert index_keys("show", "a b aba") == ["a b aba", "b aba", "aba"]  # once
    assert index_keys("person", "park ji hu") == word_suffixes("park ji hu")  # shows only


async def test_a_shows_initials_find_it_and_go_with_its_name(store):
    shows = [
        Show("twd", "The Walking Dead"),
        Show("hotd", "House of the Dragon"),
        Show("iasip", "It's Always Sunny in Philadelphia"),
        Show("swat", "S.W.A.T."),
        Show("gotham", "Gotham"),
        Show("got", "Game of Thrones"),
        *SHOWS,
    ]
    await store.import_records(records(shows))
    for typed, meant in [("twd", "twd"), ("HotD", "hotd"), ("iasip", "iasip"), ("swat", "swat")]:
        assert await top(store, typed) == meant, typed
    assert await top(store, "지우학") == "all-of-us-are-dead"
    assert await top(store, "aouad") == "all-of-us-are-dead"
    # A title that starts with what was typed comes first, then the initials.
    assert [h.ref for h in await search(store, "got", kind="show")][:2] == ["gotham", "got"]
    assert (await search(store, "twd", kind="show"))[0].text == "The Walking Dead"
    assert await top(store, "pjh", kind="person") is None  # people's names have none
    await store.import_records(records([Show("twd", "Walking Dead")]))
    assert await store.db.scalar("SELECT count(*) FROM name_keys WHERE key = 'twd'") == 0
    assert await top(store, "twd") is None


async def test_the_stored_initials_are_those_of_bot_search(store):
    # The store computes the initials in SQL (SQLite's and PostgreSQL's own): the same as Python's.
    rng = random.Random(5)
    words = ["s", "t", "d", "ll", "m", "a", "it", "don", "we", "of", "the", "지금", "9", "x"]
    titles = ["A B Aba", "Don't Look Up", "We'll Meet Again", "I'm a Celebrity", "S.W.A.T."]
    titles += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 6))) for _ in range(150)]
    shows = [Show(f"s{i}", title) for i, title in enumerate(titles)]
    await store.import_records(records(shows))
    rows = await store.db.query(
        "SELECT n.key, k.key FROM name_keys k JOIN names n ON n.id = k.name_id WHERE k.kind = 'show'"
    )
    stored: dict[str, set[str]] = {}
    for key, indexed in rows:
        stored.setdefault(key, set()).add(indexed)
    assert stored == {normalise(t): set(index_keys("show", normalise(t))) for t in titles}
    assert stored["a b aba"] == {"a b aba", "b aba", "aba"}


async def test_exact_english_korean_and_alias_titles_find_the_show(names):
    assert await top(names, "All of Us Are Dead") == "all-of-us-are-dead"
    assert await top(names, "지금 우리 학교는") == "all-of-us-are-dead"
    assert await top(names, "Now at Our School") == "all-of-us-are-dead"
    assert await top(names, "千と千尋") == "spirited-away"


async def test_typos_are_tolerated(names):
    assert await top(names, "all of us are ded") == "all-of-us-are-dead"
    assert await top(names, "squid gmae") == "squid-game"
    assert await top(names, "la casa de papl") == "la-casa"


async def test_prefix_of_any_word_matches_and_exact_ranks_first(names):
    hits = await search(names, "dead", kind="show")
    assert [h.ref for h in hits][:2] == ["dead-to-me", "all-of-us-are-dead"]
    assert await top(names, "지금") == "all-of-us-are-dead"
    assert await top(names, "오징어") == "squid-game"


async def test_results_are_one_per_ref_and_limited(store):
    shows = [Show(f"s{i}", f"Show number {i}", aliases=(f"Show no {i}",)) for i in range(100)]
    await store.import_records(records(shows))
    hits = await search(store, "show", kind="show", limit=25)
    assert len(hits) == 25
    assert len({h.ref for h in hits}) == 25


async def test_kind_filter(names):
    assert await top(names, "park", kind="person") == "park-ji-hu"
    assert await top(names, "park", kind="show") is None
    assert await top(names, "박지후", kind="person") == "park-ji-hu"


async def test_empty_and_symbol_only_queries_return_nothing(names):
    assert await search(names, "", kind="show") == []
    assert await search(names, "   \u200b ", kind="show") == []
    assert await search(names, "***___~~~", kind="show") == []


async def test_reimport_replaces_names_in_every_search_structure(names):
    renamed = Show("squid-game", "Squid Game", original_title="오징어 게임", aliases=("Round Six",))
    await names.import_records(records([renamed]))
    await names.import_records(records([renamed]))  # idempotent
    assert await top(names, "round six") == "squid-game"
    assert await top(names, "rund six") == "squid-game"
    dropped = Show("dead-to-me", "Dead to You")
    await names.import_records(records([dropped]))
    assert [h.text for h in await search(names, "dead to", kind="show")][:1] == ["Dead to You"]
    assert await names.db.scalar("SELECT count(*) FROM name_keys WHERE key LIKE '%to me%'") == 0
    assert await names.search_names("to me", kind="show") == []  # the trigram index (FTS5 or pg_trgm)
    assert await names.db.scalar("SELECT docs FROM name_grams WHERE kind = 'show' AND gram = 'o m'") is None


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_is_searchable_without_error(names, text):
    hits = asyncio.get_event_loop().run_until_complete(search(names, text, kind="show"))
    assert len(hits) <= 25
    assert all(0 <= h.score <= 100 for h in hits)


def one_edit(text: str, op: int, at: int, letter: str) -> str:
    """A substitution, deletion, insertion or swap of neighbours at ``at``."""
    if op == 0:
        return text[:at] + letter + text[at + 1 :]
    if op == 1:
        return text[:at] + text[at + 1 :]
    if op == 2:
        return text[:at] + letter + text[at:]
    return text[:at] + text[at + 1 : at + 2] + text[at] + text[at + 2 :]


@settings(max_examples=400)
@given(
    name=st.text(alphabet="abcde fgh", min_size=3, max_size=30),
    op=st.integers(0, 3),
    at=st.integers(0, 29),
    letter=st.sampled_from("abxyz "),
    others_hold_typo_grams=st.booleans(),
)
def test_one_edit_leaves_a_typo_group_whole(name, op, at, letter, others_hold_typo_grams):
    # Whichever edit was made, the name meant holds every trigram of at least one group: the
    # trigram index finds it by intersecting them, without counting shared trigrams.
    name = normalise(name)
    query = normalise(one_edit(name, op, min(at, max(0, len(name) - 1)), letter))
    docs = dict.fromkeys(trigrams(name), 5)
    if others_hold_typo_grams:  # the typo's own trigrams are some other names'
        docs.update(dict.fromkeys((g for g in trigrams(query) if g not in docs), 1))
    groups = [group for group, _anchor in typo_groups(query, docs)]
    held = set(trigrams(name))
    assert all(groups), groups
    if groups:
        assert any(set(group) <= held for group in groups), (name, query, groups)
    if len(query) >= 12:  # long enough for groups on any edit
        assert groups


def test_one_edit_keys_cover_each_kind_of_edit():
    keys = one_edit_keys("smmer")
    assert {"summer", "smer", "msmer", "smmr", "smmed"} <= set(keys)
    assert "smmer" not in keys
    assert "the seal" in one_edit_keys("theseal")
    assert "squid game" in one_edit_keys("squid gmae")
    assert "война" in one_edit_keys("вйона")
    assert all(k == " ".join(k.split()) and k for k in keys)


async def test_a_short_typo_finds_its_name_among_many_sharing_its_trigrams(store):
    # 400 names hold every trigram "smmer" shares with "summer": counting shared trigrams
    # keeps 300 of them; looking up the key's one-edit variants finds the name itself.
    shows = [Show(f"camp-{i}", f"Summer Camp {i}") for i in range(400)]
    await store.import_records(records([*shows, Show("summer", "Summer"), Show("late", "Late Summer")]))
    assert await top(store, "smmer") == "summer"
    found = await store.names_with_keys("show", ["summer", "winter"], 5)
    assert [ref for ref, _, _ in found][:2] == ["summer", "late"]
    assert len(found) == 2


async def test_key_neighbours_are_the_keys_either_side_in_key_order(store):
    shows = [Show("a", "Yoon Saick Drend"), Show("b", "Yoon Saick Peal"), Show("c", "Yoon Shaick Lien")]
    await store.import_records(records(shows))
    assert await store.key_neighbours("show", "yoon saick lien") == ("yoon saick drend", "yoon saick peal")
    assert await store.key_neighbours("show", "yoon saick drend") == ("yoon saick drend", "yoon saick peal")
    assert await store.key_neighbours("show", "zzz") == ("ysp", "")  # the titles' initials too
    assert await store.key_neighbours("show", "") == ("", "drend")  # suffixes from word starts too
    assert await store.key_neighbours("person", "yoon") == ("", "")


async def test_a_long_typo_is_found_where_other_names_share_the_typed_start(store):
    # Every trigram of "yoon saick lien" is some name's and two names share its start up to the
    # third word: the name meant ("shaick", one letter dropped) is still offered first.
    others = [Show(f"o{i}", f"Yoon Saick {w}") for i, w in enumerate(["Drend", "Peal", "Lean", "Li"])]
    shows = [*others, Show("meant", "Yoon Shaick Lien"), Show("far", "Kang Saick Lien")]
    await store.import_records(records(shows))
    assert await top(store, "Yoon Saick-lien") == "meant"
    assert await top(store, "Yoon Shaick-lein") == "meant"
    assert await top(store, "Yoon Shaik Lien") == "meant"


@st.composite
def single_edits(draw: st.DrawFn) -> tuple[str, str]:
    """(a name's key, a query one edit from it)."""
    name = normalise(draw(st.text(alphabet="abcde fgh", min_size=2, max_size=30)))
    assume(len(name) >= 2)
    at = draw(st.integers(0, len(name) - 1))
    query = normalise(one_edit(name, draw(st.integers(0, 3)), at, draw(st.sampled_from("abxyz "))))
    assume(query and query != name and name in one_edit_keys(query))  # not two edits once folded
    return name, query


@settings(max_examples=600)
@given(case=single_edits(), others=st.lists(st.text(alphabet="abcxyz ", max_size=12), max_size=4))
def test_the_typo_window_holds_the_single_edit(case, others):
    # The name meant starts with the query's characters before the edit, so the edit is no
    # further in than the longest start the query shares with any key; and it spoiled every
    # trigram of the query that no name holds. Within those bounds the variants hold the name.
    name, query = case
    keys = [name, *map(normalise, others)]
    held = {g for key in keys for g in trigrams(key)}
    absent = [i for i in range(len(query) - 2) if query[i : i + 3] not in held]
    shared = max(common_start(query, key) for key in keys)
    assert name in one_edit_keys(query, *typo_window(absent, shared)), (name, query, absent, shared)


PLATFORMS = ["Netflix", "FX", "HBO", "Max", "Disney+", "KBS2", "SBS", "BBC One", "NBC", "MBC", "tvN"]


@pytest.mark.parametrize(
    ("typed", "offered"),
    [
        ("Netflx", ["Netflix"]),  # FX scores 60: a far second is no "did you mean"
        ("Disny+", ["Disney+"]),
        ("hbo max", ["HBO", "Max"]),  # two as close: both
        ("kbs", ["KBS2"]),  # SBS, 19 points behind, is left out
        ("bbc", ["BBC One"]),
        ("Qwzzy", []),
    ],
)
def test_nearest_names_offer_only_names_as_close_as_the_best(typed, offered):
    assert nearest_names(typed, PLATFORMS) == offered


def test_suggestions_keep_the_close_ones_best_first():
    assert suggestions([("a", 90.0), ("b", 80.0), ("c", 76.0), ("d", 75.5)]) == ["a", "b", "c"]
    assert suggestions([("a", 90.0), ("b", 76.0), ("c", 74.0)]) == ["a", "b"]
    assert suggestions([("a", 63.8), ("b", 57.4)]) == ["a"]
    assert suggestions([("a", 51.0)]) == [] and suggestions([]) == []
