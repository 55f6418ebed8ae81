"""BM25 over segments equals bm25s built afresh on the surviving passages, after adds, removes and merges."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from index import Passage, StoredArticle
from index.segments import Segment, Segments, Vocabulary
from index.terms import keyword_text, tokenize

WORDS = ("troops Iraq Kirkuk checkpoint attack curfew police Mosul Reuters Pentagon spokesman bases advising "
         "forces night weeks gunmen city officers suspects arrested election budget vote senate court ruling "
         "storm flood rainfall river bank rates inflation").split()
QUERIES = ("How many US troops remain in Iraq?", "Kirkuk checkpoint attack police", "flood river storm storm",
           "inflation rates bank vote", "nothing matches zzzz")


def corpus(n_articles: int, seed: int) -> list[tuple[StoredArticle, list[Passage]]]:
    """Articles of 1 to 4 passages of random words (deterministic per seed)."""
    rng = np.random.default_rng(seed)
    out = []
    for a in range(n_articles):
        aid = f"s{seed}a{a:03d}"
        article = StoredArticle(aid, f"Title {a}", "Reuters" if a % 2 else None, None, None, None, f"{aid}.txt", "h",
                                1, 0)
        passages = [Passage(f"{aid}-{i}", aid, " ".join(rng.choice(WORDS, size=int(rng.integers(3, 30)))), i * 100,
                            i * 100 + 99, article.title, article.source) for i in range(int(rng.integers(1, 5)))]
        out.append((article, passages))
    return out


def segment(items, vocab: Vocabulary) -> Segment:
    """A segment of these articles."""
    return Segment.build([p for _, ps in items for p in ps], {a.id: a for a, _ in items}, vocab)


def live_passages(state: Segments) -> list[Passage]:
    """The live passages in snapshot order."""
    return [seg.passages[i] for seg, rows in zip(state.segments, state.rows) for i in rows.tolist()]


def assert_equals_bm25s(state: Segments, vocab: Vocabulary) -> None:
    """Every query's scores, by passage id, equal a fresh bm25s.BM25() on the live passages (< 1e-4)."""
    passages = live_passages(state)
    reference = bm25s.BM25()
    reference.index([tokenize(keyword_text(p)) for p in passages], show_progress=False)
    for query in QUERIES:
        terms = [t for t in tokenize(query) if t in reference.vocab_dict]
        expected = reference.get_scores(terms) if terms else np.zeros(len(passages))
        got = state.scores([vocab.ids[t] for t in terms])
        assert got.shape == (len(passages),)
        assert np.abs(got - expected).max() < 1e-4, query
    df = np.diff(np.asarray(reference.scores["indptr"]))
    idf = np.log1p((len(passages) - df + 0.5) / (df + 0.5))
    terms = [t for t, i in reference.vocab_dict.items() if i < len(idf)]
    ours = state.idf(np.asarray([vocab.ids[t] for t in terms]))
    assert np.abs(ours - idf[[reference.vocab_dict[t] for t in terms]]).max() < 1e-9


def test_one_segment_scores_as_bm25s():
    vocab = Vocabulary()
    state = Segments.of([segment(corpus(20, 1), vocab)], [frozenset()], vocab)
    assert state.docs == sum(len(ps) for _, ps in corpus(20, 1))
    assert_equals_bm25s(state, vocab)


def test_adds_and_removes_score_as_bm25s_on_the_survivors():
    vocab = Vocabulary()
    first, second, third = corpus(20, 1), corpus(6, 2), corpus(3, 3)
    state = Segments.of([segment(first, vocab)], [frozenset()], vocab)
    state = state.plus(segment(second, vocab), vocab)
    assert_equals_bm25s(state, vocab)
    gone = {first[0][0].id, first[5][0].id, second[1][0].id}
    state = state.without(gone, vocab)
    assert not gone & {p.article_id for p in live_passages(state)}
    assert_equals_bm25s(state, vocab)
    state = state.plus(segment(third, vocab), vocab).without({third[0][0].id}, vocab)
    assert_equals_bm25s(state, vocab)
    assert state.without({"no-such-article"}, vocab) is state


def test_a_removed_then_readded_article_counts_once():
    vocab = Vocabulary()
    items = corpus(10, 4)
    state = Segments.of([segment(items, vocab)], [frozenset()], vocab)
    again = state.without({items[2][0].id}, vocab).plus(segment([items[2]], vocab), vocab)
    assert again.docs == state.docs and again.length == state.length and (again.df == state.df).all()
    assert_equals_bm25s(again, vocab)
    pid = items[2][1][0].id
    assert live_passages(again)[again.position(pid)].id == pid


@pytest.mark.parametrize("adds", [3, 10])
def test_merges_keep_scores_and_statistics(adds):
    vocab = Vocabulary()
    state = Segments.of([segment(corpus(40, 5), vocab)], [frozenset()], vocab)
    for k in range(adds):
        items = corpus(1, 100 + k)
        state = state.plus(segment(items, vocab), vocab)
        if k % 2:
            state = state.without({items[0][0].id}, vocab)
        state = state.merged(vocab)
    assert len(state.segments) <= 9  # MAX_SEGMENTS plus the one just added
    assert_equals_bm25s(state, vocab)
    everything = Segments.of(state.segments, state.dead, vocab)  # df recounted from the rows
    assert (everything.df == state.df).all() and everything.docs == state.docs


def test_tombstones_past_the_share_merge_everything_in_article_order():
    vocab = Vocabulary()
    items = corpus(12, 6)
    state = Segments.of([segment(items, vocab)], [frozenset()], vocab)
    state = state.without({a.id for a, _ in items[:4]}, vocab).merged(vocab)
    assert len(state.segments) == 1 and state.dead == (frozenset(),)
    assert [p.id for p in state.segments[0].passages] == [p.id for _, ps in items[4:] for p in ps]
    assert set(state.segments[0].articles) == {a.id for a, _ in items[4:]}
    assert_equals_bm25s(state, vocab)


def test_a_stream_in_row_order_builds_the_same_segment_and_one_out_of_order_is_refused():
    items = corpus(6, seed=4)
    flat = [p for _, ps in items for p in ps]
    articles = {a.id: a for a, _ in items}
    sorted_once = Segment.build(flat, articles, Vocabulary())
    streamed = Segment.build(iter(sorted(flat, key=lambda p: (p.article_id, p.start))), articles, Vocabulary(),
                             ordered=True)
    assert list(streamed.passages) == list(sorted_once.passages)
    assert (streamed.tf != sorted_once.tf).nnz == 0 and streamed.lengths.tolist() == sorted_once.lengths.tolist()
    with pytest.raises(ValueError, match="out of order"):
        Segment.build(iter(flat[::-1]), articles, Vocabulary(), ordered=True)


def test_the_compiled_loop_adds_what_the_numpy_expression_added_to_the_bit():
    from index.segments import B, K1, _accumulate

    rng = np.random.default_rng(5)
    lengths = rng.integers(1, 400, size=5000).astype(np.int32)
    rows = np.sort(rng.choice(5000, size=1200, replace=False)).astype(np.int32)
    counts = rng.integers(1, 9, size=1200).astype(np.uint16)
    for weight, mean in ((3.17, 41.3), (0.0213, 187.9)):
        expected = rng.random(5000)
        got = expected.copy()
        tf = counts.astype(np.float64)
        expected[rows] += weight * tf / (tf + K1 * (1 - B + B * lengths[rows] / mean))
        _accumulate(got, rows, counts, K1 * (1 - B + B * lengths / mean), weight)
        assert np.array_equal(got, expected)
