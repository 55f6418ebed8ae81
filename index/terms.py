"""Terms: what BM25 counts in a passage and a query (lower-cased, stop words out, Snowball-stemmed)."""

from __future__ import annotations

import re
from functools import lru_cache

from .articles import Passage

# the lookbehinds run only after "America" matched (checking them at every position made this the slowest step)
_US = re.compile(r"\b(?:U\.S\.(?=\W|$)|US\b|United States\b"
                 r"|America\b(?<!Latin America)(?<!South America)(?<!North America)(?<!Central America))")
_STEMS: dict[str, str] = {}  # word -> stem: a dict lookup is five times faster than the stemmer's own cache
MAX_STEMS = 500_000
_TOKEN = re.compile(r"\d[\d,]*\d|[^\W_][\w\-]*", re.UNICODE)


@lru_cache(maxsize=1)
def _stemmer():
    """English Snowball stemmer (PyStemmer)."""
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English stop words (bm25s's list), plus question words."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | {"what", "which", "who", "whom", "whose", "when", "where", "why", "how",
                                      "did", "does", "do", "many", "much"}


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop words out, stemmed terms; hyphenated words also give their parts."""
    text = _US.sub("USA", text)
    stops = stopwords()
    words = []
    for word in _TOKEN.findall(text.lower().replace("’", "'")):
        if "-" in word:
            words.extend(p for p in [word, *word.split("-")] if p and p not in stops and (len(p) > 1 or p.isdigit()))
        elif word not in stops and (len(word) > 1 or word.isdigit()):
            words.append(word)
    return [_stem(w.replace(",", "")) for w in words]


def _stem(word: str) -> str:
    """The Snowball stem of a word, remembered (the memory is emptied past MAX_STEMS words)."""
    stem = _STEMS.get(word)
    if stem is None:
        if len(_STEMS) >= MAX_STEMS:
            _STEMS.clear()
        stem = _STEMS[word] = _stemmer().stemWord(word)
    return stem


def keyword_text(p: Passage) -> str:
    """What BM25 indexes for a passage: title, outlet and date, then the passage."""
    return " ".join(x for x in (p.title, p.source or "", p.date or "", p.text) if x)
