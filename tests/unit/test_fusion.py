"""Rank fusion and diversity: exact scores on tiny inputs."""

import pytest

from qa.retrieve.fusion import diversify, interleave, reciprocal_rank_fusion


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


def test_interleave_gives_each_lane_a_turn_then_fills_from_the_overall_ranking():
    groups = {"a1": "A", "a2": "A", "b1": "B", "c1": "C", "d1": "D"}
    lanes = [[("a1", 0.9), ("a2", 0.8)], [("a2", 0.7), ("b1", 0.6)]]
    overall = [("a1", 0.5), ("c1", 0.4), ("a2", 0.35), ("d1", 0.3)]
    got = interleave(lanes, overall, groups, rounds=2, penalty=1.0, limit=4)
    assert got == [("a1", 0.9, "lane-0"), ("b1", 0.6, "lane-1"), ("c1", 0.4, "overall"), ("d1", 0.3, "overall")]


def test_interleave_without_lanes_is_the_diversified_ranking():
    groups = {"a1": "A", "a2": "A", "b1": "B"}
    got = interleave([], [("a1", 1.0), ("a2", 0.9), ("b1", 0.5)], groups, rounds=2, penalty=1.0, limit=3)
    assert got == [("a1", 1.0, "overall"), ("b1", 0.5, "overall"), ("a2", 0.45, "overall")]


def test_interleave_orders_a_round_by_score_and_may_repeat_a_group_after_the_first():
    groups = {"a1": "A", "a2": "A", "b1": "B", "b2": "B", "c1": "C"}
    lanes = [[("a1", 0.5), ("a2", 0.4)], [("b1", 0.9), ("b2", 0.3)]]
    got = interleave(lanes, [("c1", 0.2)], groups, rounds=2, penalty=1.0, limit=5, by_score=True, repeat=True)
    assert got == [("b1", 0.9, "lane-1"), ("a1", 0.5, "lane-0"), ("a2", 0.4, "lane-0"), ("b2", 0.3, "lane-1"),
                   ("c1", 0.2, "overall")]
