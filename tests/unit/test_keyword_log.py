"""The keyword index follows the store's change log: changes applied without a rebuild, idempotently, equal to a
full rebuild; a log that cannot explain the store's generation (trimmed, missing) falls back to the rebuild."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from fakes import WordCountEmbedder, memory_store
from index import Article, KeywordIndex, Passage
from index.keyword import applied, build_snapshot

QUERIES = ("troops remain in Iraq", "Kirkuk curfew lifted", "flood river", "budget vote senate")
TEXTS = {"troops": "About 2,000 US troops remain in Iraq. Most advise Iraqi forces at two bases.",
         "curfew": "Authorities in Kirkuk lifted the night curfew. Gunmen attacked a checkpoint.",
         "flood": "The river burst its banks after the storm. The flood reached the old town.",
         "budget": "The senate passed the budget vote late on Friday. The bill goes to the house."}


def article(key: str, path: str | None = None, text: str | None = None) -> tuple[Article, list[Passage]]:
    """An article of two passages (one a sentence) from TEXTS."""
    body = text or TEXTS[key]
    cut = body.index(". ") + 1
    art = Article(id=f"id-{key}", text=body, title=key.title(), source="Test Wire", path=path or f"{key}.txt",
                  name=f"{key}.txt")
    passages = [Passage(f"id-{key}-0", art.id, body[:cut], 0, cut, art.title, art.source, path=art.name),
                Passage(f"id-{key}-1", art.id, body[cut + 1:], cut + 1, len(body), art.title, art.source,
                        path=art.name)]
    return art, passages


def put(store, key: str, file_articles: int = 1, **kw) -> None:
    """Commit an article the product's way."""
    art, passages = article(key, **kw)
    store.put_article(art, passages, WordCountEmbedder().embed([p.text for p in passages]),
                      file_hash=f"h-{art.path}", file_articles=file_articles)


def by_id(snapshot, query: str) -> dict[str, float]:
    """Positive scores by passage id."""
    return {p.id: float(s) for p, s in zip(snapshot.passages, snapshot.scores(query)) if s > 0}


def assert_same_as_rebuild(snapshot, store) -> None:
    """The snapshot holds what a full rebuild holds, and scores as it does."""
    full = build_snapshot(store)
    assert snapshot.articles == full.articles
    assert sorted(p.id for p in snapshot.passages) == sorted(p.id for p in full.passages)
    assert {p.id: p for p in snapshot.passages} == {p.id: p for p in full.passages}
    assert dict(snapshot.idf()) == pytest.approx(dict(full.idf()))  # terms of removed passages are gone
    assert all(snapshot.position[p.id] == i and snapshot.get(p.id) == p for i, p in enumerate(snapshot.passages))
    for query in QUERIES:
        ours, theirs = by_id(snapshot, query), by_id(full, query)
        assert ours.keys() == theirs.keys() and all(abs(ours[k] - theirs[k]) < 1e-5 for k in ours), query
        assert [pid for pid, _ in snapshot.search(query, 3)] == [pid for pid, _ in full.search(query, 3)]


@pytest.fixture()
def store():
    s = memory_store()
    put(s, "troops")
    put(s, "curfew")
    return s


def test_an_added_and_a_removed_article_are_applied_without_a_rebuild(store):
    keyword = KeywordIndex(store, None)
    assert keyword.rebuilds == 1 and len(keyword.snapshot.articles) == 2
    put(store, "flood")
    snapshot = keyword.refresh()
    assert keyword.rebuilds == 1 and snapshot.generation == store.generation()
    assert snapshot.search("flood river", 1)[0][0].startswith("id-flood")
    assert_same_as_rebuild(snapshot, store)
    store.remove_article("id-troops")
    snapshot = keyword.refresh()
    assert keyword.rebuilds == 1 and "id-troops" not in snapshot.articles and snapshot.get("id-troops-0") is None
    assert_same_as_rebuild(snapshot, store)


def test_a_changed_article_replaces_its_passages(store):
    keyword = KeywordIndex(store, None)
    put(store, "troops", text="About 3,000 US troops remain in Syria. They guard the oil fields in the east.")
    snapshot = keyword.refresh()
    assert keyword.rebuilds == 1 and snapshot.get("id-troops-0").text == "About 3,000 US troops remain in Syria."
    assert_same_as_rebuild(snapshot, store)


def test_applying_a_change_twice_or_late_gives_the_same_snapshot(store):
    keyword = KeywordIndex(store, None)
    put(store, "flood")
    store.remove_article("id-curfew")
    once = keyword.refresh()
    twice = applied(once, store, {"id-flood", "id-curfew"}, {"flood.txt", "curfew.txt"})
    assert twice.articles == once.articles and [p.id for p in twice.passages] == sorted(p.id for p in once.passages)
    for query in QUERIES:
        assert by_id(twice, query) == pytest.approx(by_id(once, query))
    # every record fetched again, none remembered as applied
    forgotten = replace(once, log=replace(once.log, last_ns=once.log.last_ns - 10**12, applied=frozenset()))
    keyword.snapshot = forgotten
    again = keyword.refresh(force=True)
    assert keyword.rebuilds == 1 and again.articles == once.articles
    assert_same_as_rebuild(again, store)


def test_the_articles_of_one_file_become_visible_together():
    store = memory_store()
    keyword = KeywordIndex(store, None)
    put(store, "troops", path="both.jsonl", file_articles=2)
    assert keyword.refresh().articles == {}  # the file's other article is not committed yet
    put(store, "curfew", path="both.jsonl", file_articles=2)
    snapshot = keyword.refresh()
    assert set(snapshot.articles) == {"id-troops", "id-curfew"} and keyword.rebuilds == 1
    assert_same_as_rebuild(snapshot, store)


def test_a_group_change_reaches_the_passages(store):
    keyword = KeywordIndex(store, None)
    store.set_group("id-curfew", "id-troops", "sig")
    snapshot = keyword.refresh()
    assert keyword.rebuilds == 1 and snapshot.articles["id-curfew"].group == "id-troops"
    assert {p.group for p in snapshot.passages if p.article_id == "id-curfew"} == {"id-troops"}
    assert_same_as_rebuild(snapshot, store)


def test_a_trimmed_log_falls_back_to_the_rebuild(store):
    keyword = KeywordIndex(store, None)
    put(store, "flood")
    store.log.trim(time.time_ns())  # every record gone, the horizon past the snapshot's position
    snapshot = keyword.refresh()
    assert keyword.rebuilds == 2 and "id-flood" in snapshot.articles
    put(store, "budget")  # and from the rebuilt snapshot on, changes are applied again
    assert "id-budget" in keyword.refresh().articles and keyword.rebuilds == 2


def test_a_generation_the_log_does_not_hold_falls_back_to_the_rebuild(store):
    keyword = KeywordIndex(store, None)
    art, passages = article("flood")
    store.put_article(art, passages, WordCountEmbedder().embed([p.text for p in passages]), file_hash="h")
    store.state_col.upsert(ids=["__newsqa_state__"], embeddings=[[1.0]], documents=[""],
                           metadatas=[{"generation": "written-by-an-older-version"}])  # a writer without the log
    snapshot = keyword.refresh()
    assert keyword.rebuilds == 2 and snapshot.generation == "written-by-an-older-version"


def test_a_missing_log_falls_back_to_the_rebuild(store):
    keyword = KeywordIndex(store, None)
    put(store, "flood")
    ids = store.changes_col.get(include=[])["ids"]
    store.changes_col.delete(ids=ids)  # e.g. a log lost, or an index written before the log existed
    snapshot = keyword.refresh()
    assert keyword.rebuilds == 2 and "id-flood" in snapshot.articles


class Killed(BaseException):
    """The writer dies (SIGKILL) at this point."""


def test_a_writer_killed_before_its_commit_is_done_leaves_a_record_readers_apply(tmp_path, monkeypatch, store):
    """Killed after the article record (the commit) and before its log record is done: a reader opening the saved
    snapshot from before finds the article, as a rebuild would; settled, the record is applied once and done."""
    folder = tmp_path / "keyword"
    before = KeywordIndex(store, folder)
    generation = store.generation()
    with monkeypatch.context() as m:
        m.setattr(store.log, "finish", lambda *a, **k: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            put(store, "flood")
    pending = store.log.pending()
    assert store.generation() == generation and [c.articles for c in pending] == [("id-flood",)]
    reopened = KeywordIndex(store, folder)
    assert reopened.rebuilds == 0 and "id-flood" in reopened.snapshot.articles
    assert pending[0].id not in reopened.snapshot.log.applied  # applied again at every catch-up until done
    assert_same_as_rebuild(reopened.snapshot, store)
    assert store.log.settle(time.time_ns() - 10**12) == 0  # not stale yet
    assert store.log.settle(time.time_ns() + 1) == 1 and store.log.pending() == []
    snapshot = before.refresh(force=True)  # the generation never moved; the settled record is new to the log
    assert before.rebuilds == 1 and "id-flood" in snapshot.articles
    assert_same_as_rebuild(snapshot, store)


def test_old_records_are_trimmed_behind_a_horizon(store):
    assert store.log.trim(time.time_ns() - 10**12) == 0 and store.log.horizon() == 0
    cut = time.time_ns() + 1
    assert store.log.trim(cut) == 2 and store.log.horizon() == cut and store.log.since(0) == []


def test_the_snapshot_persists_as_segments_and_catches_up_on_open(tmp_path, store):
    folder = tmp_path / "keyword"
    first = KeywordIndex(store, folder)
    put(store, "flood")
    first.refresh()
    assert (folder / "manifest.json").exists() and len(list(folder.glob("seg-*.jsonl"))) >= 1
    put(store, "budget")  # committed while no index is open
    second = KeywordIndex(store, folder)
    assert second.rebuilds == 0 and set(second.snapshot.articles) == {"id-troops", "id-curfew", "id-flood",
                                                                        "id-budget"}
    assert_same_as_rebuild(second.snapshot, store)
    scores = second.snapshot.scores("flood river")
    assert np.count_nonzero(scores) >= 1
