"""Rank fusion and diversity: exact scores on tiny inputs."""

import pytest

from qa.fusion import diversify, reciprocal_rank_fusion


def test_rrf_sums_reciprocal_ranks():
    fused = dict(reciprocal_rank_fusion([[("a", 9), ("b", 8)], [("b", 3), ("c", 2)]], k=60))
    assert fused["b"] == pytest.approx(1 / 62 + 1 / 61)
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["c"] == pytest.approx(1 / 62)


def test_rrf_weights_and_order():
    fused = reciprocal_rank_fusion([[("a", 1)], [("b", 1)]], weights=[1.0, 2.0], k=10)
    assert [item for item, _ in fused] == ["b", "a"]
    assert fused[0][1] == pytest.approx(2 / 11)


def test_rrf_ties_break_by_id_and_empty_input():
    assert [i for i, _ in reciprocal_rank_fusion([[("z", 1)], [("y", 1)]])] == ["y", "z"]
    assert reciprocal_rank_fusion([[], []]) == []


def test_diversify_spreads_over_groups():
    ranked = [("a1", 1.0), ("a2", 0.9), ("b1", 0.8)]
    result = diversify(ranked, {"a1": "A", "a2": "A", "b1": "B"}, penalty=0.5)
    assert [i for i, _ in result] == ["a1", "b1", "a2"]
    assert result[2][1] == pytest.approx(0.9 / 1.5)
    assert [i for i, _ in diversify(ranked, {"a1": "A", "a2": "A", "b1": "B"}, penalty=0.0)] == ["a1", "a2", "b1"]
