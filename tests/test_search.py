from hypothesis import given
from hypothesis import strategies as st

from bot.search import NameIndex, clean_input, normalise

ENTRIES = [
    ("show", "all-of-us-are-dead", "All of Us Are Dead"),
    ("show", "all-of-us-are-dead", "지금 우리 학교는"),
    ("show", "all-of-us-are-dead", "Now at Our School"),
    ("show", "squid-game", "Squid Game"),
    ("show", "squid-game", "오징어 게임"),
    ("show", "dead-to-me", "Dead to Me"),
    ("show", "spirited-away", "千と千尋の神隠し"),
    ("show", "la-casa", "La casa de papel"),
    ("person", "park-ji-hu", "Park Ji-hu"),
    ("person", "park-ji-hu", "박지후"),
]


def top(query: str, kind: str | None = "show") -> str | None:
    hits = NameIndex(ENTRIES).search(query, kind=kind)
    return hits[0].ref if hits else None


def test_normalise_folds_case_accents_and_punctuation():
    assert normalise("  ALL of   us — are DEAD! ") == "all of us are dead"
    assert normalise("La Casa de Papél") == "la casa de papel"
    assert normalise("지금 우리 학교는") == "지금 우리 학교는"
    assert normalise("\u200bzero\u200dwidth") == "zerowidth"


def test_clean_input_drops_invisible_and_control_characters():
    assert clean_input("All\u200b of\x00 Us\n\nAre  Dead\ufeff") == "All of Us Are Dead"


def test_exact_english_korean_and_alias_titles_find_the_show():
    assert top("All of Us Are Dead") == "all-of-us-are-dead"
    assert top("지금 우리 학교는") == "all-of-us-are-dead"
    assert top("Now at Our School") == "all-of-us-are-dead"
    assert top("千と千尋") == "spirited-away"


def test_typos_are_tolerated():
    assert top("all of us are ded") == "all-of-us-are-dead"
    assert top("squid gmae") == "squid-game"
    assert top("la casa de papl") == "la-casa"


def test_prefix_of_any_word_matches_and_exact_ranks_first():
    hits = NameIndex(ENTRIES).search("dead", kind="show")
    assert [h.ref for h in hits][:2] == ["dead-to-me", "all-of-us-are-dead"]
    assert top("지금") == "all-of-us-are-dead"
    assert top("오징어") == "squid-game"


def test_results_are_one_per_ref_and_limited():
    index = NameIndex([("show", f"s{i}", f"Show number {i}") for i in range(100)])
    hits = index.search("show", limit=25)
    assert len(hits) == 25
    assert len({h.ref for h in hits}) == 25


def test_kind_filter():
    assert top("park", kind="person") == "park-ji-hu"
    assert top("park", kind="show") is None
    assert top("박지후", kind="person") == "park-ji-hu"


def test_empty_and_symbol_only_queries_return_nothing():
    index = NameIndex(ENTRIES)
    assert index.search("") == []
    assert index.search("   \u200b ") == []
    assert index.search("***___~~~") == []


@given(st.text(max_size=300))
def test_any_text_is_searchable_without_error(text):
    hits = NameIndex(ENTRIES).search(text)
    assert len(hits) <= 25
    assert all(0 <= h.score <= 100 for h in hits)
