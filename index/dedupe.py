"""Syndicated and near-duplicate articles, found at ingest with MinHash/LSH (datasketch).

One wire story republished by several outlets with small edits is one *group*: every copy is kept, and each
carries the group's id, the id of the group's first article (first indexed; on a regroup, the earliest dated).
Copies share most word 5-grams and most figures (numbers, names); articles written from one template share the
first, not the second.
An article's signature (the MinHashes of its text's word shingles and of its figures) is stored with it in
Chroma, so a later build assigns new copies to the groups already there, and `regroup` derives every group
again from the texts.
"""

from __future__ import annotations

import base64
import re
import zlib
from typing import Iterable

import numpy as np

SHINGLE_WORDS = 5
NUM_PERM = 128
THRESHOLD = 0.3  # estimated Jaccard similarity of word 5-gram sets, measured in docs/ingestion.md
FIGURE_THRESHOLD = 0.3
"""Copies also share most of their figures (numbers of two or more digits, names inside a sentence): wire copies
0.45-0.88 on the fixtures, articles written from one template (a harbour's weekly report, other names and
numbers) 0.12, though their word 5-grams reach 0.30 (docs/ingestion.md)."""
_FIGURE_NUMBER = re.compile(r"\d[\d,.]*\d")
_FIGURE_NAME = re.compile(r"(?<=[a-z,;:] )[A-Z][\w’'-]+")
_SEED = 1
SCHEME = "affine32"  # datasketch 2.0's 32-bit permutation scheme; signatures are stored as 2 x 128 uint32 values


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """The text's overlapping runs of `size` words (lowercased, punctuation dropped), as bytes."""
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def figures(text: str) -> set[bytes]:
    """The text's figures: numbers of two or more digits and capitalised words inside a sentence."""
    found = set(_FIGURE_NUMBER.findall(text)) | set(_FIGURE_NAME.findall(text))
    return {f.encode("utf-8") for f in found}


def signature(text: str) -> str:
    """The MinHashes of the text's shingles and of its figures, encoded for storage ('' for a text too short to
    have shingles)."""
    grams = shingles(text)
    if not grams:
        return ""
    values = np.concatenate([_hashes(grams), _hashes(figures(text))])
    return base64.b64encode(values.astype("<u4").tobytes()).decode("ascii")


def _hashes(items: set[bytes]) -> np.ndarray:
    """The MinHash values of a set (those of an empty set are all the maximum)."""
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=zlib.crc32, scheme=SCHEME)  # crc32: 25x sha1's speed
    minhash.update_batch(list(items))
    return minhash.hashvalues


def similarity(a: str, b: str) -> float:
    """The Jaccard similarity of the texts' shingles two encoded signatures estimate (0.0 when either is empty)."""
    if not a or not b:
        return 0.0
    return float(np.mean(_values(a) == _values(b)))


def figure_similarity(a: str, b: str) -> float:
    """The Jaccard similarity of the texts' figures the signatures estimate; 1.0 when either signature predates
    figures (an index built before them groups as it did)."""
    fa, fb = _values(a, figures=True), _values(b, figures=True)
    if not len(fa) or not len(fb):
        return 1.0
    return float(np.mean(fa == fb))


def current(encoded: str | None) -> bool:
    """Is this a signature of the current kind (shingles and figures)?"""
    return encoded is not None and (not encoded or len(_values(encoded, figures=True)) == NUM_PERM)


def _minhash(encoded: str):
    """A datasketch MinHash from an encoded signature."""
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=_SEED, hashvalues=_values(encoded), scheme=SCHEME)


def _values(encoded: str, figures: bool = False) -> np.ndarray:
    """The shingles' hash values of an encoded signature, or its figures' (empty for a signature without them)."""
    values = np.frombuffer(base64.b64decode(encoded), dtype="<u4")
    return values[NUM_PERM:] if figures else values[:NUM_PERM]


class Grouper:
    """Assigns each article to the group of its most similar earlier article (above the threshold), or to a
    new group named after itself; candidates come from an LSH index, the choice from the estimated similarity."""

    def __init__(self, threshold: float = THRESHOLD):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._signatures: dict[str, str] = {}
        self._groups: dict[str, str] = {}

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._groups

    def add(self, article_id: str, encoded: str, group: str | None = None) -> str:
        """Insert an article with its signature; returns its group (the given one, if any, is kept)."""
        if article_id in self._groups:
            return self._groups[article_id]
        if group is None:
            match = self.nearest(encoded)
            group = self._groups[match] if match else article_id
        self._groups[article_id] = group
        if encoded:
            self._signatures[article_id] = encoded
            self._lsh.insert(article_id, _minhash(encoded))
        return group

    def nearest(self, encoded: str) -> str | None:
        """The id of the inserted article most similar to this signature, if any reaches the threshold."""
        if not encoded or not self._signatures:
            return None
        scored = [(similarity(encoded, self._signatures[c]), c) for c in self._lsh.query(_minhash(encoded))]
        scored = [(s, c) for s, c in scored if s >= self.threshold
                  and figure_similarity(encoded, self._signatures[c]) >= FIGURE_THRESHOLD]
        return max(scored, key=lambda sc: (sc[0], sc[1]))[1] if scored else None


def group_all(items: Iterable[tuple[str, str]], threshold: float = THRESHOLD) -> dict[str, str]:
    """Groups for (article id, encoded signature) pairs taken in the order given: {article id: group}."""
    grouper = Grouper(threshold)
    return {article_id: grouper.add(article_id, encoded) for article_id, encoded in items}


def stored_grouper(store, exclude: set[str] = frozenset(), threshold: float = THRESHOLD) -> Grouper:
    """A Grouper holding the store's articles (but `exclude`) with their groups; articles indexed before groups
    existed get theirs here, earliest dated first, and it is stored."""
    grouper, missing = Grouper(threshold), []
    records = store.group_records()
    for article_id, (group, encoded, _) in records.items():
        if article_id in exclude:
            continue
        if group:
            grouper.add(article_id, encoded or "", group)
        else:
            missing.append(article_id)
    for article_id in sorted(missing, key=lambda i: _dated_first(i, records[i][2])):
        encoded = records[article_id][1] or signature(store.article_text(article_id) or "")
        store.set_group(article_id, grouper.add(article_id, encoded), encoded)
    return grouper


def regroup(store, threshold: float = THRESHOLD) -> int:
    """Derive every group again from the stored articles, earliest dated first (undated last); returns how many
    articles changed group."""
    records = store.group_records()
    grouper, changed = Grouper(threshold), 0
    for article_id in sorted(records, key=lambda i: _dated_first(i, records[i][2])):
        group, encoded, _ = records[article_id]
        fresh = encoded if current(encoded) else signature(store.article_text(article_id) or "")
        new = grouper.add(article_id, fresh)
        if new != group or fresh != encoded:
            store.set_group(article_id, new, fresh)
            changed += new != group
    return changed


def _dated_first(article_id: str, date: str | None) -> tuple[str, str]:
    """Sort key: dated articles oldest first, then undated ones, ties by id."""
    return (date or "9999-99-99", article_id)
