"""The Indexer over the fakes: incremental, idempotent, skips with a kind, prune (no model is loaded)."""

from __future__ import annotations

import json

from fakes import WordCountEmbedder, fake_settings, memory_store

from index import Corpus, SkipKind


def corpus_on(tmp_path) -> Corpus:
    settings = fake_settings(tmp_path)
    return Corpus.open(settings, embedder=WordCountEmbedder(), store=memory_store(settings.embed_model))


def write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def test_a_second_run_embeds_nothing_and_a_changed_file_replaces_its_passages(tmp_path):
    corpus, docs = corpus_on(tmp_path), tmp_path / "docs"
    write(docs, "a.txt", "title Oslo buses\n\nThe Oslo depot counted 41 buses on Monday.\n")
    write(docs, "b.md", "title Bergen trams\n\nBergen ran 12 trams on Sunday.\n")
    first = corpus.add([docs])
    assert (first.added, first.updated, first.unchanged, first.skipped) == (2, 0, 0, [])
    again = corpus.add([docs])
    assert (again.added, again.unchanged, again.passages) == (0, 2, 0)
    write(docs, "a.txt", "title Oslo buses\n\nThe Oslo depot counted 43 buses on Monday.\n")
    changed = corpus.add([docs])
    assert (changed.added, changed.updated, changed.unchanged) == (0, 1, 1)
    texts = [p.text for p in corpus.keyword.current().passages]
    assert any("43 buses" in t for t in texts) and not any("41 buses" in t for t in texts)


def test_skips_carry_a_kind_and_a_reason_and_the_rest_is_indexed(tmp_path):
    corpus, docs = corpus_on(tmp_path), tmp_path / "docs"
    write(docs, "good.txt", "The Oslo depot counted 41 buses on Monday.\n")
    write(docs, "copy.txt", "The Oslo depot counted 41 buses on Monday.\n")
    write(docs, "empty.txt", "   \n")
    write(docs, "notes.exe", "x")
    write(docs, "bad.jsonl", '{"body": "Bergen ran 12 trams on Sunday.", "title": "Trams"}\n{broken\n')
    report = corpus.add([docs, tmp_path / "nowhere"])
    kinds = {(s.path.rsplit("/", 1)[-1], s.kind) for s in report.skipped}
    assert kinds == {("good.txt", SkipKind.DUPLICATE), ("empty.txt", SkipKind.UNREADABLE),
                     ("notes.exe", SkipKind.UNSUPPORTED), ("bad.jsonl#line2", SkipKind.UNREADABLE),
                     ("nowhere", SkipKind.MISSING)}
    assert report.added == 2
    duplicate = next(s for s in report.skipped if s.kind is SkipKind.DUPLICATE)
    assert duplicate.title == "The Oslo depot counted 41 buses on Monday."
    assert json.loads(json.dumps(report.to_dict()))["skipped"][0].keys() == {"path", "reason", "kind", "title"}


def test_prune_removes_articles_whose_files_are_gone(tmp_path):
    corpus, docs = corpus_on(tmp_path), tmp_path / "docs"
    gone = write(docs, "gone.txt", "Tromso saw 3 ferries leave.\n")
    write(docs, "kept.txt", "Bergen ran 12 trams on Sunday.\n")
    corpus.add([docs])
    gone.unlink()
    assert corpus.add([docs]).removed == 0, "without prune nothing is removed"
    assert corpus.add([docs], prune=True).removed == 1
    assert [a.title for a in corpus.store.articles().values()] == ["Bergen ran 12 trams on Sunday."]


def test_passages_keep_their_offsets(tmp_path):
    corpus, docs = corpus_on(tmp_path), tmp_path / "docs"
    text = " ".join(f"Sentence {i} tells of the depot in Oslo and its {i} buses." for i in range(120))
    write(docs, "long.txt", text + "\n")
    corpus.add([docs])
    passages = corpus.keyword.current().passages
    assert len(passages) > 3
    article = corpus.store.article_text(passages[0].article_id)
    assert all(article[p.start:p.end] == p.text for p in passages)


def test_one_unreadable_json_file_never_stops_a_build(tmp_path):
    """Issue 13, case 1: before, the RecursionError of one file aborted the build and indexed nothing."""
    corpus, docs = corpus_on(tmp_path), tmp_path / "docs"
    write(docs, "deep.json", "[" * 100_000 + "]" * 100_000)
    write(docs, "good.txt", "title Oslo buses\n\nThe Oslo depot counted 41 buses on Monday.\n")
    report = corpus.add([docs])
    assert report.added == 1
    assert [(s.path, s.kind) for s in report.skipped] == [("docs/deep.json", SkipKind.UNREADABLE)]


def test_articles_are_shown_relative_to_what_was_indexed(tmp_path):
    corpus, docs = corpus_on(tmp_path), tmp_path / "docs"
    write(docs / "sub", "a.txt", "title Oslo buses\n\nThe Oslo depot counted 41 buses on Monday.\n")
    single = write(tmp_path / "elsewhere", "b.txt", "title Bergen trams\n\nBergen ran 12 trams on Sunday.\n")
    corpus.add([docs, single])
    shown = {a.title: a.to_dict()["path"] for a in corpus.store.articles().values()}
    assert shown == {"Oslo buses": "docs/sub/a.txt", "Bergen trams": "b.txt"}
    assert {p.path for p in corpus.keyword.current().passages} == {"docs/sub/a.txt", "b.txt"}
    again = corpus.add([write(tmp_path / "copy", "c.txt", "title Oslo buses\n\nThe Oslo depot counted 41 buses on "
                                                          "Monday.\n")])
    assert [s.reason for s in again.skipped] == ["duplicate of an article already in docs/sub/a.txt"]
    assert str(tmp_path) not in json.dumps(again.to_dict())


def test_a_files_articles_become_visible_together(tmp_path):
    """Readers see a file's articles only once all of them are committed (a cut-off upload stays hidden)."""
    import numpy as np

    from index import make_article, visible_articles

    corpus = corpus_on(tmp_path)
    store, dim = corpus.store, 256
    articles = [make_article(f"Town {i} opened {i} bridges.", title=f"Town {i}", path="/up/towns.jsonl")
                for i in range(3)]
    for n, article in enumerate(articles[:2]):
        store.put_article(article, [], np.ones((0, dim), dtype=np.float32), "hash", 3)
        assert visible_articles(store.articles()) == {}, f"{n + 1} of 3 committed: none visible"
    store.put_article(articles[2], [], np.ones((0, dim), dtype=np.float32), "hash", 3)
    assert set(visible_articles(store.articles())) == {a.id for a in articles}
