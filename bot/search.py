"""In-memory, typo-tolerant name matching for titles, aliases and people, in any script.

Exact and prefix matches come from a sorted array of normalised keys (binary search), typos
from a trigram index whose best candidates are re-scored with rapidfuzz. Built once from the
store and rebuilt after an import.
"""

from __future__ import annotations

import bisect
import re
import sys
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

from rapidfuzz import fuzz

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


def normalise(text: str) -> str:
    """The search key: NFKC, case-folded, accents off Latin letters, punctuation to spaces."""
    text = unicodedata.normalize("NFKC", clean_input(text)).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    # Drop combining marks only for Latin-ish text; Hangul and kana stay composed via NFC below.
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    text = unicodedata.normalize("NFC", text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    return _SPACES.sub(" ", text).strip()


_TYPO_BUDGET = 20_000  # trigram postings counted per typo search


def _trigrams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


@dataclass(frozen=True, slots=True)
class Match:
    kind: str  # "show" or "person"
    ref: str  # the show or person id
    text: str  # the title, alias or name that matched
    score: float  # 0..100


class NameIndex:
    """Search over (kind, ref, text) entries."""

    def __init__(self, entries: Iterable[tuple[str, str, str]] = ()) -> None:
        self._kinds: list[str] = []
        self._refs: list[str] = []
        self._texts: list[str] = []
        self._keys: list[str] = []
        self._sorted: list[tuple[str, int]] = []  # (key or word-suffix of key, entry)
        self._grams: dict[str, dict[str, array]] = {}  # kind -> trigram -> entries
        for kind, ref, text in entries:
            self._add(kind, ref, text)
        self._sorted.sort()
        self._sorted_keys = [k for k, _ in self._sorted]

    def __len__(self) -> int:
        return len(self._keys)

    def _add(self, kind: str, ref: str, text: str) -> None:
        key = normalise(text)
        if not key:
            return
        idx = len(self._keys)
        self._kinds.append(sys.intern(kind))
        self._refs.append(ref)
        self._texts.append(text)
        self._keys.append(key)
        grams = self._grams.setdefault(self._kinds[idx], {})
        self._sorted.append((key, idx))
        for m in re.finditer(r" ", key):  # each later word starts a suffix
            self._sorted.append((key[m.end() :], idx))
        for gram in _trigrams(key):
            bucket = grams.get(gram)
            if bucket is None:
                bucket = grams[gram] = array("i")
            bucket.append(idx)

    def search(self, query: str, *, kind: str | None = None, limit: int = 25) -> list[Match]:
        """Best matches first, one per ref. Empty query gives nothing (callers pick defaults)."""
        q = normalise(query)
        if not q:
            return []
        best: dict[int, float] = {}

        def offer(idx: int, score: float) -> None:
            if kind is not None and self._kinds[idx] != kind:
                return
            if score > best.get(idx, 0.0):
                best[idx] = score

        # Exact and prefix matches of the whole key or of any word in it.
        lo = bisect.bisect_left(self._sorted_keys, q)
        hi = bisect.bisect_left(self._sorted_keys, q + "\U0010ffff", lo)
        for pos in range(lo, min(hi, lo + 2000)):
            suffix, idx = self._sorted[pos]
            key = self._keys[idx]
            if key == q:
                score = 100.0
            elif suffix is key or key.startswith(q):
                score = 96.0 - min(len(key) - len(q), 40) * 0.05
            else:
                score = 92.0 - min(len(key) - len(q), 40) * 0.05
            offer(idx, score)

        # Typos: candidates sharing the most trigrams, re-scored.
        if len(best) < limit:
            grams = _trigrams(q)
            indexes = [self._grams[kind]] if kind is not None and kind in self._grams else (
                [] if kind is not None else list(self._grams.values())
            )
            buckets = [b for index in indexes for b in map(index.get, grams) if b is not None]
            # Rarest trigrams first, within a budget: common ones (" th", "the") say little and
            # would cost most of the time. Counted in C.
            buckets.sort(key=len)
            used: list[array] = []
            total = 0
            for b in buckets:
                if used and total + len(b) > _TYPO_BUDGET:
                    break
                used.append(b)
                total += len(b)
            counts = Counter(chain.from_iterable(used))
            need = max(1, min(len(grams), len(used)) // 4)
            candidates = [c for c in counts.most_common(300) if c[1] >= need]
            for idx, _shared in candidates:
                key = self._keys[idx]
                ratio = fuzz.ratio(q, key)
                partial = fuzz.partial_ratio(q, key) if len(q) < len(key) else ratio
                score = max(ratio, partial * 0.9) * 0.85
                if score >= 50:
                    offer(idx, score)

        ranked = sorted(best.items(), key=lambda item: (-item[1], len(self._keys[item[0]]), self._texts[item[0]]))
        out: list[Match] = []
        seen: set[tuple[str, str]] = set()
        for idx, score in ranked:
            ident = (self._kinds[idx], self._refs[idx])
            if ident in seen:
                continue
            seen.add(ident)
            out.append(Match(self._kinds[idx], self._refs[idx], self._texts[idx], round(score, 2)))
            if len(out) >= limit:
                break
        return out

