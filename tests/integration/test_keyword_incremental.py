"""The keyword index on a real on-disk Chroma with the real bundled model follows uploads and removals from the
change log without a full rebuild, scores as a full rebuild does, converges across two instances on one store,
and an index written before the log opens (rebuilt once)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

import index.keyword as keyword_module
from index import Corpus, KeywordIndex, Store
from index.keyword import build_snapshot

pytestmark = pytest.mark.slow
STORY = ("title Harbour bridge reopens\nsource Test Wire\ndate 2023-03-02\n\n"
         "The Kessington harbour bridge reopened on Thursday after eleven months of repairs. Engineers replaced "
         "forty cables and the whole deck. Ferry crossings, which carried commuters during the closure, end "
         "next week.")
QUERIES = ("Kessington harbour bridge cables", "How many US troops remain?", "Kirkuk police checkpoint attack")


@pytest.fixture()
def counted(monkeypatch):
    """Counts the full rebuilds (build_snapshot calls) from here on."""
    calls = []

    def counting(store):
        calls.append(store)
        return build_snapshot(store)

    monkeypatch.setattr(keyword_module, "build_snapshot", counting)
    return calls


def by_id(snapshot, query: str) -> dict[str, float]:
    """Positive BM25 scores by passage id."""
    return {p.id: float(s) for p, s in zip(snapshot.passages, snapshot.scores(query)) if s > 0}


def assert_scores_as_a_rebuild(snapshot, store) -> None:
    """Every query scores each passage as a full rebuild does, and finds the same top 3."""
    full = build_snapshot(store)
    assert snapshot.articles == full.articles and {p.id: p for p in snapshot.passages} == {p.id: p for p in
                                                                                           full.passages}
    for query in QUERIES:
        ours, theirs = by_id(snapshot, query), by_id(full, query)
        assert ours.keys() == theirs.keys() and all(abs(ours[k] - theirs[k]) < 1e-5 for k in ours)
        assert same_hits(snapshot.search(query, 3), full.search(query, 3))


def same_hits(ours: list[tuple[str, float]], theirs: list[tuple[str, float]]) -> bool:
    """The same passage ids in the same order, with scores within 1e-5."""
    return [i for i, _ in ours] == [i for i, _ in theirs] and all(abs(a - b) < 1e-5 for (_, a), (_, b) in
                                                                  zip(ours, theirs))


def upload(assistant):
    """Upload STORY the way the UI and REST do; returns its article id."""
    assistant.add_upload("bridge.txt", STORY.encode())
    (found,) = [a for a in assistant.articles() if a.title == "Harbour bridge reopens"]
    return found.id


def test_an_upload_and_its_removal_reach_the_keyword_side_without_a_rebuild(fresh_assistant, tmp_path, counted):
    corpus = fresh_assistant._corpus
    article_id = upload(fresh_assistant)
    snapshot = corpus.keyword.current()
    assert counted == [] and len(snapshot.index.segments) >= 1
    top = snapshot.search("Kessington harbour bridge cables", 1)
    assert snapshot.get(top[0][0]).article_id == article_id
    assert fresh_assistant.search("Kessington harbour bridge cables", k=1)[0].article_id == article_id
    assert_scores_as_a_rebuild(snapshot, corpus.store)
    fresh_assistant.remove_article(article_id)
    snapshot = corpus.keyword.current()
    assert counted == [] and article_id not in snapshot.articles
    assert snapshot.search("Kessington harbour bridge cables", 3) == []
    assert_scores_as_a_rebuild(snapshot, corpus.store)


def test_two_instances_on_one_store_converge(fresh_assistant, tmp_path, counted):
    writer = fresh_assistant._corpus
    other_store = Store.open(writer.settings)
    reader = Corpus(writer.settings, other_store, writer.embedder, KeywordIndex(other_store, tmp_path / "other"))
    assert len(counted) == 1  # the reader's first build (its folder was empty)
    article_id = upload(fresh_assistant)
    assert article_id not in reader.keyword.snapshot.articles
    seen = reader.keyword.refresh()
    assert len(counted) == 1 and article_id in seen.articles
    for query in QUERIES:
        assert same_hits(seen.search(query, 5), writer.keyword.current().search(query, 5))
    reader_store_id = next(iter(a for a in seen.articles if a != article_id))
    other_store.remove_article(reader_store_id, recount=True)  # now the other way round
    assert reader_store_id not in writer.keyword.refresh().articles and len(counted) == 1
    assert writer.keyword.snapshot.articles == reader.keyword.refresh().articles
    assert_scores_as_a_rebuild(writer.keyword.snapshot, writer.store)


def test_an_index_written_before_the_log_opens_and_rebuilds_once(seed_settings, tmp_path, counted):
    from qa import Assistant

    settings = replace(seed_settings, index_dir=tmp_path / "old")
    shutil.copytree(seed_settings.index_dir, settings.index_dir)
    store = Store.open(settings)
    store._client.delete_collection(f"{settings.collection}-changes")  # what an older version wrote: no log...
    keyword = settings.index_dir / f"keyword-{settings.collection}"
    shutil.rmtree(keyword)
    keyword.mkdir()
    (keyword / "meta.json").write_text('{"format": 2, "generation": "x"}')  # ...and a bm25s cache
    store.close()
    old = Assistant.open(settings=settings)
    assert len(counted) == 1 and len(old.articles()) == 2
    assert "2,500" in old.ask("How many US troops remain?").text
    assert (keyword / "manifest.json").exists() and not (keyword / "meta.json").exists()
    article_id = upload(old)
    assert len(counted) == 1 and article_id in old._corpus.keyword.current().articles
