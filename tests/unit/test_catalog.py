"""The catalog's passage masks (outlet lanes and filters), exact and made without comparing every passage with
every wanted value."""

from __future__ import annotations

import numpy as np

from index.store import StoredArticle
from qa.retrieve.filters import Filters
from qa.retrieve.retriever import Catalog


def test_outlet_masks_are_exact_and_remembered():
    catalog = Catalog("g", np.array(["A", "B", "A", "C"], dtype=object), {}, {})
    first = catalog.mask(frozenset({"A", "C"}))
    assert first.tolist() == [True, False, True, True]
    assert catalog.mask(frozenset({"C", "A"})) is first
    assert catalog.mask(frozenset({"B"})).tolist() == [False, True, False, False]


def test_filter_masks_are_exact():
    def article(i, source, day):
        return StoredArticle(i, f"t{i}", source, day, None, None, "p", "h", 1, 1)

    articles = {"a": article("a", "BBC", "2023-10-01"), "b": article("b", "CNN", "2023-11-01"),
                "c": article("c", "BBC", "2023-12-01")}
    catalog = Catalog("g", np.array(["BBC", "CNN", "BBC", "BBC"], dtype=object), {}, {},
                      np.array(["a", "b", "c", "a"], dtype=object), articles)
    ids, mask = catalog.allowed(Filters(since="2023-10-15"))
    assert ids == ["b", "c"] and mask.tolist() == [False, True, True, False]
    ids, mask = catalog.allowed(Filters(sources=("BBC",), until="2023-11-15"))
    assert ids == ["a"] and mask.tolist() == [True, False, False, True]
    assert catalog.allowed(Filters(since="2030-01-01"))[1].tolist() == [False] * 4
