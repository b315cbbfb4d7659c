"""Typo-tolerant name matching for titles, aliases and people, in any script, over the store.

Every name has a search key (`normalise`), written by the import and computed the same way for
a query. Exact and prefix matches (of the whole key or of any word in it) are range scans of an
index of keys and word-start suffixes; typos come from look-ups of the query's one-edit variants
in that index and from a trigram index, intersecting groups of the query's rarest trigrams that
one edit leaves whole, and the names found (a few hundred at most) are re-scored here with
rapidfuzz. Nothing is built or held in memory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

_INVISIBLE = dict.fromkeys(
    map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"), None
)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SPACES = re.compile(r"\s+")


def clean_input(text: str) -> str:
    """User input without invisible characters and with white space folded."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\t\n ")
    return _SPACES.sub(" ", text).strip()


# ASCII to key characters: controls (category C, but tab and newline) dropped as clean_input
# does, letters lower-cased, every other non-alphanumeric (and "_") to a space.
_ASCII_KEY = {
    i: None if (i < 32 and i not in (9, 10)) or i == 127 else chr(i).lower() if chr(i).isalnum() else " "
    for i in range(128)
}


def normalise(text: str) -> str:
    """The search key: NFKC, case-folded, accents off Latin letters, punctuation to spaces."""
    if text.isascii():  # most titles and names: the same key, several times faster
        return " ".join(text.translate(_ASCII_KEY).split())
    text = unicodedata.normalize("NFKC", clean_input(text)).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    # Drop combining marks only for Latin-ish text; Hangul and kana stay composed via NFC below.
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


# A "did you mean" offers a name only this close (0-100): a one-letter slip in a short name still
# scores over 60, a stranger sharing a few letters ("Nobody Here": Fanny Herrero) about 50 ...
SUGGEST_MIN_SCORE = 60.0
# ... and only within this of the best one offered ("Netflx": Netflix at 92, not FX at 60).
SUGGEST_SPREAD = 15.0
T = TypeVar("T")


def suggestions(scored: Sequence[tuple[T, float]], most: int = 3) -> list[T]:
    """What is worth a "did you mean" among ``scored`` (best first): at most ``most``, each at
    least ``SUGGEST_MIN_SCORE`` and within ``SUGGEST_SPREAD`` of the best."""
    if not scored:
        return []
    floor = max(SUGGEST_MIN_SCORE, scored[0][1] - SUGGEST_SPREAD)
    return [item for item, score in scored[:most] if score >= floor]


def nearest_names(text: str, names: Sequence[str], limit: int = 3) -> list[str]:
    """The few ``names`` nearest to ``text`` (typos, case, punctuation), best first, for a
    refusal's "did you mean" (``suggestions``; scored on their search keys): at most ``limit``
    of a short list, such as the catalogue's platforms."""
    keys = {name: normalise(name) for name in names}
    found = process.extract(
        normalise(text), keys, scorer=fuzz.WRatio, limit=limit, score_cutoff=SUGGEST_MIN_SCORE
    )
    return suggestions([(name, score) for _, score, name in found], limit)


PREFIX_SCAN = 1000  # index rows read for an exact or prefix search, in key order
TYPO_GRAMS = 4  # trigrams per group a typed key is checked by (its rarest)
TYPO_BUDGET = 6_000  # trigram postings counted for a short key, rarest trigrams first
TYPO_CANDIDATES = 300  # names re-scored per typo search
TYPO_GOOD = 70.0  # a re-scored candidate this close ends the typo search
EDIT_KEYS_MAX = 12  # the longest key whose one-edit variants are looked up one by one
_LATIN = "abcdefghijklmnopqrstuvwxyz"
_CYRILLIC = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"


def word_suffixes(key: str) -> list[str]:
    """A key and its suffix from each later word start: what prefix search finds it by."""
    if not key:
        return []
    out = [key]
    at = key.find(" ")
    while at >= 0:
        out.append(key[at + 1 :])
        at = key.find(" ", at + 1)
    return out


# What an apostrophe leaves of a word once it is a key ("it's" -> "it s", "don't" -> "don t"):
# no word of a title's initials when it follows a longer word ("S.W.A.T." keeps its "s" and "t").
# Not "m": after a longer word it is a word of its own ("Dial M for Murder"), and "I'm" needs no rule.
CLITICS = ("s", "t", "d", "ll", "re", "ve")
INITIALS_MIN = 3  # fewer initials say too little ("st", "bb"): no key


def initials(key: str) -> str:
    """A show name's initials, as people shorten it: the first character of each word of its key
    but a clitic after a longer word ("the walking dead" -> "twd", "it s always sunny in
    philadelphia" -> "iasip", "지금 우리 학교는" -> "지우학", "s w a t" -> "swat"); "" below
    ``INITIALS_MIN``. The store's word-start index holds it beside the word starts
    (``bot.store.names.index_new_names``, which computes it in SQL the same way)."""
    out = []
    before = 0
    for word in key.split(" "):
        if word and not (before > 1 and word in CLITICS):
            out.append(word[0])
        before = len(word)
    text = "".join(out)
    return text if len(text) >= INITIALS_MIN else ""


def index_keys(kind: str, key: str) -> list[str]:
    """What the word-start index holds for a name of ``kind`` with this key: its word suffixes,
    and for a show its initials (when they are not one of them)."""
    keys = word_suffixes(key)
    if kind == "show":
        short = initials(key)
        if short and short not in keys:
            keys.append(short)
    return keys


def trigrams(key: str) -> list[str]:
    """The distinct trigrams of a key, as the store's trigram index holds them."""
    return list(dict.fromkeys(key[i : i + 3] for i in range(len(key) - 2)))


@dataclass(frozen=True, slots=True)
class Match:
    kind: str  # "show" or "person"
    ref: str  # the show or person id
    text: str  # the title, alias or name that matched
    score: float  # 0..100


class NameSource(Protocol):
    """What search needs from the store (bot.store.Store)."""

    async def name_prefix(
        self, kind: str, key: str, *, scan: int = ..., top: int = ...
    ) -> list[tuple[str, str, str, float]]: ...

    async def gram_docs(self, kind: str, grams: Sequence[str]) -> dict[str, int]: ...

    async def name_candidates(
        self, kind: str, grams: Sequence[str], need: int, limit: int = ...
    ) -> list[tuple[str, str, str, int]]: ...

    async def names_with_grams(
        self, kind: str, groups: Sequence[Sequence[str]], limit: int = ...
    ) -> list[tuple[str, str, str]]: ...

    async def names_with_keys(
        self, kind: str, keys: Sequence[str], limit: int = ...
    ) -> list[tuple[str, str, str]]: ...

    async def key_neighbours(self, kind: str, key: str) -> tuple[str, str]: ...


def typo_score(q: str, key: str) -> float:
    ratio = fuzz.ratio(q, key)
    partial = fuzz.partial_ratio(q, key) if len(q) < len(key) else ratio
    return max(ratio, partial * 0.9) * 0.85


async def search(
    source: NameSource, query: str, *, kind: str, limit: int = 25, typos_after_exact: bool = True
) -> list[Match]:
    """Best matches of one kind first, one per ref. Empty query gives nothing (callers pick defaults).

    Typo candidates are looked for when fewer than ``limit`` names match by prefix, unless one
    matched exactly and ``typos_after_exact`` is false (resolving a typed title needs no more)."""
    q = normalise(query)
    if not q:
        return []
    # (score, ref, text, key) offers; a ref's best offer wins.
    offers: list[tuple[float, str, str, str]] = [
        (score, ref, text, key)
        for ref, text, key, score in await source.name_prefix(kind, q, scan=PREFIX_SCAN, top=limit * 4)
    ]
    exact = bool(offers) and offers[0][0] >= 100.0
    if len({o[1] for o in offers}) < limit and (typos_after_exact or not exact):
        offers += await _typo_offers(source, q, kind, count=not offers)
    offers.sort(key=lambda o: (-o[0], len(o[3]), o[2]))
    out: list[Match] = []
    seen: set[str] = set()
    for score, ref, text, _key in offers:
        if ref in seen:
            continue
        seen.add(ref)
        out.append(Match(kind, ref, text, round(score, 2)))
        if len(out) >= limit:
            break
    return out


async def _typo_offers(
    source: NameSource, q: str, kind: str, *, count: bool
) -> list[tuple[float, str, str, str]]:
    """Names a typo away from ``q``, asked in turn until one answer is close:

    - names whose key, or its suffix from a later word start, is one edit from ``q``
      (``one_edit_keys``), one index look-up each. The name meant shares the key's characters
      before the typo, so the typo is no further in than the longest start the key shares with
      any key of the index (``key_neighbours``, the keys either side of it): for a short key
      (whose trigrams say little) every variant up to there; for a long one, those around the
      typo's own trigrams, or if there are none, those just before where the shared start ends;
    - names holding every trigram of one of a few groups of the key's rarest trigrams, chosen
      so that one edit leaves a group whole (``typo_groups``), a group at a time, which the
      trigram index intersects in C; then the one-edit variants where a group of common
      trigrams brought all it may;
    - names sharing the most of the key's rarest trigrams (within a budget of postings).

    Only the groups are asked unless ``count`` (the caller found no prefix match)."""
    grams = trigrams(q)
    docs = await source.gram_docs(kind, grams) if grams else {}
    out: list[tuple[float, str, str, str]] = []
    short = len(q) <= EDIT_KEYS_MAX
    absent = [i for i in range(len(q) - 2) if q[i : i + 3] not in docs]
    # The name meant starts with the key's characters before the typo: the typo is at most as
    # far in as the longest start the key shares with any name's key (or word-start suffix).
    shared = len(q)
    if count and (short or not absent):
        shared = max(common_start(q, other) for other in await source.key_neighbours(kind, q))
    if count and short:
        keys = one_edit_keys(q, *typo_window(absent, shared))
        _rescore(q, await source.names_with_keys(kind, keys, TYPO_CANDIDATES), out)
        if _close(out):
            return out
    # A long key's typo made trigrams no name holds: only the variants around them.
    if count and not short and absent and max(absent) - min(absent) <= 3:
        keys = one_edit_keys(q, *typo_window(absent, shared))
        _rescore(q, await source.names_with_keys(kind, keys, TYPO_CANDIDATES), out)
        if _close(out):
            return out
    if count and not short and not absent:
        # Every trigram is some name's: most likely the typo is right where the shared start
        # ends (or a little before, when another name shares a character or two past it).
        keys = one_edit_keys(q, shared - 2, shared + 1)
        found = await source.names_with_keys(kind, keys, TYPO_CANDIDATES)
        _rescore(q, found, out)
        if any(_one_edit(q, key) for _, _, key in found):
            return out
    # The groups one by one until a name one edit from the key (none can be closer): those
    # anchored near where the key left the index first (the typo spoils trigrams i - 2 to i + 1;
    # a group anchored past that is of no use), then the fewest postings first. A group that
    # brought all it may is of common trigrams: the name may not be among them, and the typo is
    # then likely near that group's anchor.
    groups = [(g, anchor) for g, anchor in typo_groups(q, docs) if anchor <= shared + 1]
    each = TYPO_CANDIDATES // max(1, len(groups))
    near: list[int] = []
    for group, anchor in sorted(groups, key=lambda g: (g[1] < shared - 3, sum(docs[gram] for gram in g[0]))):
        found = await source.names_with_grams(kind, [group], each)
        _rescore(q, found, out)
        if len(found) >= each:
            near.append(anchor)
        if any(_one_edit(q, key) for _, _, key in found):
            return out
    if not count or (_close(out) and not near):
        return out
    if near and not short and max(near) - min(near) <= 4:
        keys = one_edit_keys(q, min(near) - 1, max(near) + 3)
        _rescore(q, await source.names_with_keys(kind, keys, TYPO_CANDIDATES), out)
        if _close(out):
            return out
    used, need = rarest_grams(grams, docs)
    if used:
        counted = await source.name_candidates(kind, used, need, TYPO_CANDIDATES)
        _rescore(q, [(ref, text, key) for ref, text, key, _ in counted], out)
    return out


def typo_window(absent: Sequence[int], shared: int) -> tuple[int, int]:
    """Where a single edit of a key can be (``one_edit_keys``' start and end): no further in
    than the ``shared`` start, and where it spoiled every trigram of the key that no name holds
    (those starting at ``absent``): an edit at character i spoils those starting at i - 2 to i
    (i + 1 for a swap). Empty (start past end) when no single edit can explain them."""
    start, end = 0, shared + 1
    if absent:
        start, end = max(start, max(absent) - 1), min(end, min(absent) + 3)
    return start, end


def common_start(a: str, b: str) -> int:
    """How many first characters ``a`` and ``b`` share."""
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _one_edit(q: str, key: str) -> bool:
    return OSA.distance(q, key, score_cutoff=1) <= 1


def _close(offers: list[tuple[float, str, str, str]]) -> bool:
    return any(o[0] >= TYPO_GOOD for o in offers)


def one_edit_keys(q: str, start: int = 0, end: int | None = None) -> list[str]:
    """Every key one edit from ``q`` at characters ``start`` to ``end`` (all by default): a
    character deleted, two neighbours swapped, or one replaced or inserted, from the letters of
    the key's script (Latin, Cyrillic), its own characters and a space."""
    letters = set(q) | {" "}
    if any(ch in _LATIN for ch in q):
        letters.update(_LATIN)
    if any(ch in _CYRILLIC for ch in q):
        letters.update(_CYRILLIC)
    alphabet = sorted(letters)
    start = max(0, start)
    end = len(q) if end is None else min(len(q), end)
    out: set[str] = set()
    for i in range(start, end):
        out.add(q[:i] + q[i + 1 :])
        if i + 1 < len(q):
            out.add(q[:i] + q[i + 1] + q[i] + q[i + 2 :])
        out.update(q[:i] + ch + q[i + 1 :] for ch in alphabet)
    for i in range(start, end + 1):
        out.update(q[:i] + ch + q[i:] for ch in alphabet)
    out.discard(q)
    return sorted(k for k in out if k and k == " ".join(k.split()))


def typo_groups(q: str, docs: dict[str, int]) -> list[tuple[list[str], int]]:
    """Groups of the key's trigrams such that one edit (a substitution, insertion, deletion or
    swap of neighbours) leaves at least one group whole: the name meant holds every trigram of
    that group. An edit spoils the trigrams starting in a window of at most four neighbouring
    positions; ``docs`` (how many names hold each trigram; absent: none) says where it may be.

    - A trigram no name holds is the typo's own: the window holds it, and every trigram four or
      more positions away from each such one is whole (one group).
    - Else every fourth position, and the last, is an anchor: any window holds one, and the
      trigrams four or more positions away from that anchor are whole (a group per anchor).

    Each group comes with its anchor (the typo's first trigram, for the first kind): if the
    group is the whole one, the window holds that position. A group keeps its ``TYPO_GRAMS``
    rarest trigrams. None if a group would have fewer than two (a short key's: one trigram says
    little, and counting shared ones does better)."""
    n = len(q) - 2
    placed = [(docs[q[i : i + 3]], i, q[i : i + 3]) for i in range(n) if q[i : i + 3] in docs]
    absent = [i for i in range(n) if q[i : i + 3] not in docs]
    if absent and max(absent) - min(absent) <= 3:
        whole = sorted((c, g) for c, at, g in placed if at < max(absent) - 3 or at > min(absent) + 3)
        group = list(dict.fromkeys(g for _, g in whole))[:TYPO_GRAMS]
        return [(group, min(absent))] if len(group) >= 2 else []
    if absent:
        return []  # more than one edit: counting shared trigrams may still find the name
    groups: list[tuple[list[str], int]] = []
    for anchor in sorted({*range(0, n, 4), n - 1}):
        far = sorted((c, g) for c, at, g in placed if abs(at - anchor) >= 4)
        group = list(dict.fromkeys(g for _, g in far))[:TYPO_GRAMS]
        if len(group) < 2:
            return []
        if all(group != other for other, _ in groups):
            groups.append((group, anchor))
    return groups


def _rescore(q: str, candidates: list[tuple[str, str, str]], out: list[tuple[float, str, str, str]]) -> None:
    for ref, text, key in candidates:
        score = typo_score(q, key)
        if score >= 50:
            out.append((score, ref, text, key))


def rarest_grams(grams: Sequence[str], docs: Mapping[str, int]) -> tuple[list[str], int]:
    """The trigrams the typo fallback counts, and how many of them a candidate must hold. Common
    trigrams (like "the") say little and would cost most of the time: the rarest only, within
    TYPO_BUDGET postings."""
    used: list[str] = []
    total = 0
    for n, gram in sorted((docs[g], g) for g in grams if g in docs):
        if used and total + n > TYPO_BUDGET:
            break
        used.append(gram)
        total += n
    return used, max(1, min(len(grams), len(used)) // 4)
