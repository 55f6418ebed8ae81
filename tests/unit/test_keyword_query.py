"""KeywordQuery's top n and scores at positions equal the full BM25 arrays to the bit: over several
segments with tombstones, inside masks, for a question plus an outlet's words, and for ties."""

from __future__ import annotations

import numpy as np
import pytest

from index.keyword_query import KeywordQuery
from index.segments import Segments, Vocabulary
from index.terms import tokenize
from tests.unit.test_segments import QUERIES, corpus, segment

EXTRA = ("Kirkuk police curfew", "storm", "bank bank bank rates", "troops forces Mosul attack night")


def state_of(vocab: Vocabulary) -> Segments:
    """Three segments, one article tombstoned in the first and one in the second (no merge)."""
    first, second, third = corpus(40, 1), corpus(12, 2), corpus(5, 3)
    state = Segments.of([segment(first, vocab)], [frozenset()], vocab).plus(segment(second, vocab), vocab)
    state = state.plus(segment(third, vocab), vocab)
    return state.without({first[3][0].id, second[1][0].id}, vocab)


def ids_of(vocab: Vocabulary, text: str) -> list[int]:
    return [vocab.ids[t] for t in tokenize(text) if t in vocab.ids]


def expected_top(scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n best positive scores, ties by position, from a full array."""
    order = np.lexsort((np.arange(len(scores)), -scores))[:n]
    order = order[scores[order] > 0]
    return order, scores[order]


@pytest.mark.parametrize("n", [1, 3, 10, 1000])
def test_top_n_equals_the_full_scores_top_n(n):
    vocab = Vocabulary()
    state = state_of(vocab)
    assert len(state.segments) == 3 and any(state.dead)
    for text in QUERIES + EXTRA:
        full = state.scores(ids_of(vocab, text))
        positions, scores = KeywordQuery.of(state, ids_of(vocab, text)).top(n)
        want_positions, want_scores = expected_top(full, n)
        assert scores.dtype == np.float32 and positions.dtype == np.int64
        assert np.array_equal(scores, want_scores), text
        assert np.array_equal(positions, want_positions), text


def test_scores_at_positions_are_the_full_scores_to_the_bit():
    vocab = Vocabulary()
    state = state_of(vocab)
    everywhere = np.arange(state.docs)
    for text in QUERIES + EXTRA:
        query = KeywordQuery.of(state, ids_of(vocab, text))
        assert np.array_equal(query.at(everywhere), state.scores(ids_of(vocab, text))), text
        assert query.at([]).shape == (0,)


def test_a_mask_zeroes_the_scores_outside_it_and_the_top_stays_inside():
    vocab = Vocabulary()
    state = state_of(vocab)
    mask = np.zeros(state.docs, dtype=bool)
    mask[::3] = True
    text = QUERIES[0]
    full = np.where(mask, state.scores(ids_of(vocab, text)), np.float32(0.0))
    query = KeywordQuery.of(state, ids_of(vocab, text)).within(mask)
    positions, scores = query.top(5)
    assert np.array_equal(positions, expected_top(full, 5)[0]) and mask[positions].all()
    assert np.array_equal(query.at(np.arange(state.docs)), full)
    half = np.zeros(state.docs, dtype=bool)
    half[:state.docs // 2] = True
    both = query.within(half)
    assert np.array_equal(both.mask, mask & half)
    assert (both.top(1000)[0] < state.docs // 2).all()
    assert query.max() == float(full.max())


def test_a_lane_is_the_question_plus_the_outlets_words_as_the_arrays_added():
    vocab = Vocabulary()
    state = state_of(vocab)
    question, own = QUERIES[0], EXTRA[0]
    mask = np.ones(state.docs, dtype=bool)
    mask[1::2] = False
    arrays = state.scores(ids_of(vocab, question)) + 0.7 * state.scores(ids_of(vocab, own))
    expected = np.where(mask, arrays, 0.0)
    lane = KeywordQuery.of(state, ids_of(vocab, question)).plus(KeywordQuery.of(state, ids_of(vocab, own)), 0.7)
    lane = lane.within(mask)
    assert np.array_equal(lane.at(np.arange(state.docs)), expected.astype(np.float32))
    positions, scores = lane.top(7)
    assert np.array_equal(scores, expected_top(expected.astype(np.float32), 7)[1])


def test_ties_are_broken_by_position_and_an_empty_query_finds_nothing():
    vocab = Vocabulary()
    state = state_of(vocab)
    text = "curfew"  # one term: passages with one occurrence and the same length tie
    full = state.scores(ids_of(vocab, text))
    values, counts = np.unique(full[full > 0], return_counts=True)
    assert (counts > 1).any()  # the corpus has ties for this term
    positions, _ = KeywordQuery.of(state, ids_of(vocab, text)).top(len(full))
    assert np.array_equal(positions, expected_top(full, len(full))[0])
    nothing = KeywordQuery.of(state, ids_of(vocab, "zzzz qqqq"))
    assert nothing.empty and nothing.max() == 0.0 and len(nothing.top(10)[0]) == 0
    assert not nothing.at([0, 1]).any()


def test_queries_derived_from_one_share_its_scores():
    vocab = Vocabulary()
    state = state_of(vocab)
    question = KeywordQuery.of(state, ids_of(vocab, QUERIES[0]))
    question.top(5)
    computed = dict(question._scored)
    lane = question.plus(KeywordQuery.of(state, ids_of(vocab, EXTRA[0])), 1.0).within(np.ones(state.docs, bool))
    lane.top(5)
    assert all(lane._scored[key][1] is value[1] for key, value in computed.items())  # the question's, reused
    assert len(lane._scored) == 2 * len(state.segments)


@pytest.mark.parametrize("n", [1, 2, 7, 50, 400])
def test_the_compiled_top_n_matches_a_sort_with_ties_and_masks(n):
    from index.keyword_query import _NO_MASK, _best

    rng = np.random.default_rng(n)
    for _ in range(20):
        scores = rng.integers(0, 6, size=300).astype(np.float32) / 2  # many ties, many zeros
        mask = rng.random(300) < 0.6
        for m, allowed in ((_NO_MASK, np.ones(300, bool)), (mask, mask)):
            kept = np.where(allowed, scores, 0)
            expected = np.lexsort((np.arange(300), -kept))[:n]
            expected = expected[kept[expected] > 0]
            assert np.array_equal(_best(scores, m, n), expected)
