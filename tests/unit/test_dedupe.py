"""Syndicated copies: MinHash signatures, grouping, groups in the index (fakes), collapsing a ranking."""

import base64
import itertools
from pathlib import Path

from fakes import fake_corpus, fake_settings

from index import Passage
from index.dedupe import (FIGURE_THRESHOLD, THRESHOLD, current, figure_similarity, group_all, regroup, signature,
                          similarity)
from index.groups import Groups, collapse
from index.readers import read_file

COPIES = Path(__file__).resolve().parent.parent / "data" / "copies"


def _fixtures():
    return {p.stem: read_file(p, 2**20).articles[0] for p in sorted(COPIES.glob("*.txt"))}


def test_wire_copies_are_above_the_threshold_and_other_stories_on_the_topic_far_below():
    signatures = {name: signature(a.text) for name, a in _fixtures().items()}
    for a, b in itertools.combinations(signatures, 2):
        estimate = similarity(signatures[a], signatures[b])
        same_wire = a.split("-")[:2] == b.split("-")[:2] and "-wire-" in a
        if same_wire:
            assert estimate >= THRESHOLD + 0.09, (a, b, estimate)
        else:
            assert estimate <= 0.05, (a, b, estimate)


def test_signatures_are_stable_and_a_text_too_short_has_none():
    text = _fixtures()["storm-wire-coastal"].text
    assert signature(text) == signature(text) and len(signature(text)) == 1368  # base64 of 2 x 128 uint32
    assert signature("Four words only here") == "" and similarity("", signature(text)) == 0.0


def test_group_all_names_each_group_after_its_first_article():
    fixtures = _fixtures()
    groups = group_all((name, signature(a.text)) for name, a in fixtures.items())
    assert groups == {"chips-own-water": "chips-own-water", "chips-wire-chronicle": "chips-wire-chronicle",
                      "chips-wire-gazette": "chips-wire-chronicle", "storm-own-analysis": "storm-own-analysis",
                      "storm-own-seahaven-post": "storm-own-seahaven-post",
                      "storm-wire-bulletin": "storm-wire-bulletin", "storm-wire-coastal": "storm-wire-bulletin",
                      "storm-wire-courier": "storm-wire-bulletin"}


def _ids(corpus):
    return {Path(a.path).stem: a for a in corpus.keyword.current().articles.values()}


def test_an_index_keeps_every_copy_and_stores_the_group_on_articles_and_passages(tmp_path):
    corpus = fake_corpus(fake_settings(tmp_path))
    first = [COPIES / f"{n}.txt" for n in ("storm-wire-coastal", "storm-own-analysis", "chips-wire-chronicle")]
    corpus.add(first)
    report = corpus.add(sorted(COPIES.glob("*.txt")))
    assert (report.added, report.unchanged, report.copies) == (5, 3, 3)
    articles = _ids(corpus)
    coastal, chronicle = articles["storm-wire-coastal"].id, articles["chips-wire-chronicle"].id
    assert {n: a.group for n, a in articles.items()} == {
        "storm-wire-coastal": coastal, "storm-wire-courier": coastal, "storm-wire-bulletin": coastal,
        "chips-wire-chronicle": chronicle, "chips-wire-gazette": chronicle,
        **{n: articles[n].id for n in ("storm-own-analysis", "storm-own-seahaven-post", "chips-own-water")}}
    snapshot = corpus.keyword.current()
    assert all(p.group == snapshot.articles[p.article_id].group for p in snapshot.passages)
    assert Groups.of(snapshot.articles).stats() == {"groups": 5, "syndicated_groups": 2, "syndicated_articles": 5,
                                                    "largest_group": 3}


def test_regroup_derives_the_same_groups_from_the_index_earliest_dated_first(tmp_path):
    corpus = fake_corpus(fake_settings(tmp_path))
    corpus.add([COPIES])  # the bulletin (dated a day later) is indexed first, and names the group
    before = {n: a.group for n, a in _ids(corpus).items()}
    assert before["storm-wire-coastal"] == _ids(corpus)["storm-wire-bulletin"].id
    assert regroup(corpus.store) == 3  # the storm copies are renamed after the earliest dated one
    corpus.keyword.refresh(force=True)
    after = _ids(corpus)
    first = min(after[n].id for n in ("storm-wire-coastal", "storm-wire-courier"))  # same date: the smaller id
    assert {after[n].group for n in ("storm-wire-coastal", "storm-wire-courier", "storm-wire-bulletin")} == {first}
    assert regroup(corpus.store) == 0


def test_articles_indexed_before_groups_existed_get_theirs_at_the_next_build(tmp_path):
    corpus = fake_corpus(fake_settings(tmp_path))
    corpus.add([COPIES / "storm-wire-coastal.txt"])
    old = next(iter(corpus.store.articles()))
    corpus.store.articles_col.update(ids=[old], metadatas=[{"group": "", "minhash": ""}])  # as an older index
    corpus.add([COPIES / "storm-wire-courier.txt"])
    groups = {a.group for a in _ids(corpus).values()}
    assert groups == {old}


def _passage(pid, article, group):
    return Passage(id=pid, article_id=article, text="t", start=0, end=1, title="T", group=group)


def test_collapse_keeps_the_best_ranked_copy_and_its_other_passages():
    ranked = [_passage("a-1", "a", "g"), _passage("b-1", "b", "g"), _passage("c-1", "c", None),
              _passage("a-2", "a", "g"), _passage("d-1", "d", "g2"), _passage("b-2", "b", "g")]
    assert [p.id for p in collapse(ranked)] == ["a-1", "c-1", "a-2", "d-1"]


def test_copies_lists_the_other_members_oldest_first(tmp_path):
    corpus = fake_corpus(fake_settings(tmp_path))
    corpus.add([COPIES])
    articles = _ids(corpus)
    groups = Groups.of(corpus.keyword.current().articles)
    courier = articles["storm-wire-courier"]
    listed = groups.copies(courier.id)
    assert [(d["source"], d["date"]) for d in listed] == [("Coastal Wire", "2023-11-02"),
                                                          ("Valley Bulletin", "2023-11-03")]
    assert listed[0] == {"article_id": articles["storm-wire-coastal"].id, "source": "Coastal Wire",
                         "title": "Storm Helena knocks out power to 180,000 homes along the coast",
                         "date": "2023-11-02", "url": None}
    assert groups.copies(articles["chips-own-water"].id) == [] and groups.copies("nope") == []


def test_collapse_keeps_a_passage_whose_figures_differ_from_the_kept_copy():
    """Articles from one template (the same sentences, other names and numbers) can share a group; a question about
    one of them must still find it."""
    def harbour(name, ships):
        return f"The harbour of {name} handled {ships} ships in week 3, the port authority said in its report."

    ranked = [Passage(id="b-1", article_id="b", text=harbour("Belmouth", 1003), start=0, end=90, title="B", group="g"),
              Passage(id="f-1", article_id="f", text=harbour("Falwick", 1363), start=0, end=90, title="F", group="g"),
              Passage(id="w-1", article_id="w", text=harbour("Belmouth", 1003) + " Ferries ran.", start=0, end=90,
                      title="W", group="g")]
    assert [p.id for p in collapse(ranked)] == ["b-1", "f-1"]


def _harbour_report(i: int, name: str) -> str:
    return " ".join(f"The harbour of {name} handled {1000 + 20 * i + j} ships in week {j}, the port authority said "
                    f"in its report on cargo and ferries." for j in range(14))


def test_articles_from_one_template_are_not_copies_though_their_shingles_reach_the_threshold():
    """Weekly reports written from one template share most word 5-grams (about 0.3) but not their figures."""
    names = ["Belmouth", "Belhaven", "Belstead", "Belwick"]
    signatures = [signature(_harbour_report(i, n)) for i, n in enumerate(names)]
    assert max(similarity(a, b) for a, b in itertools.combinations(signatures, 2)) >= THRESHOLD
    assert max(figure_similarity(a, b) for a, b in itertools.combinations(signatures, 2)) < FIGURE_THRESHOLD
    groups = group_all((n, s) for n, s in zip(names, signatures))
    assert groups == {n: n for n in names}


def test_wire_copies_share_their_figures_and_old_signatures_group_as_before():
    signatures = {name: signature(a.text) for name, a in _fixtures().items()}
    for a, b in itertools.combinations([n for n in signatures if "-wire-" in n], 2):
        if a.split("-")[0] == b.split("-")[0]:
            assert figure_similarity(signatures[a], signatures[b]) >= FIGURE_THRESHOLD + 0.1, (a, b)
    old = base64.b64encode(base64.b64decode(signatures["storm-wire-coastal"])[:512]).decode()  # shingles only
    assert figure_similarity(old, signatures["storm-wire-courier"]) == 1.0
    assert not current(old) and current(signatures["storm-wire-courier"]) and current("")


def test_an_index_of_template_reports_has_no_copies_and_regroup_signs_old_articles_again(tmp_path):
    import json

    names = ["Belmouth", "Belhaven", "Belstead", "Belwick"]
    path = tmp_path / "harbours.jsonl"
    path.write_text("".join(json.dumps({"title": f"{n} harbour report", "source": "Port Gazette",
                                        "date": f"2023-03-0{i + 1}", "text": _harbour_report(i, n)}) + "\n"
                            for i, n in enumerate(names)))
    corpus = fake_corpus(fake_settings(tmp_path))
    corpus.add([path])
    assert Groups.of(corpus.store.articles()).stats()["syndicated_groups"] == 0
    first = min(corpus.store.articles())
    for article_id, (_, encoded, _) in corpus.store.group_records().items():  # as signed before figures, grouped
        old = base64.b64encode(base64.b64decode(encoded)[:512]).decode()
        corpus.store.articles_col.update(ids=[article_id], metadatas=[{"group": first, "minhash": old}])
    assert regroup(corpus.store) == 3
    assert Groups.of(corpus.store.articles()).stats()["syndicated_groups"] == 0
    assert all(current(encoded) for _, encoded, _ in corpus.store.group_records().values())
