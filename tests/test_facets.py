"""Outlets and dates named in questions, and the lanes that give each named outlet its passages."""

from __future__ import annotations

from qa.facets import DateRef, find_facets, named_dates, outlet_aliases
from qa.fusion import interleave

SOURCES = ["TechCrunch", "The Verge", "The Age", "Cnbc | World Business News Leader",
           "The Independent - Life and Style", "The Independent - Sports", "FOX News - Health"]
ALIASES = outlet_aliases(SOURCES)


def test_aliases_include_the_head_of_long_outlet_names():
    assert ALIASES["cnbc"] == {"Cnbc | World Business News Leader"}
    assert ALIASES["the independent"] == {"The Independent - Life and Style", "The Independent - Sports"}
    assert ALIASES["the independent - life and style"] == {"The Independent - Life and Style"}
    assert ALIASES["fox news"] == {"FOX News - Health"}


def test_facets_follow_the_mentions_with_their_own_dates():
    question = ("Between the TechCrunch report on Epic Games published on November 6, 2023, and the report "
                "from The Verge on a lawsuit published on December 15, 2023, was there consistency?")
    facets = find_facets(question, ALIASES)
    assert [set(f.sources) for f in facets] == [{"TechCrunch"}, {"The Verge"}]
    assert [f.dates for f in facets] == [(DateRef(11, 6, 2023),), (DateRef(12, 15, 2023),)]
    assert facets[1].text.startswith("report on Epic Games") and facets[1].text.endswith("consistency?")


def test_outlet_names_must_be_written_as_names():
    assert find_facets("In the age of AI, fortune favours CNBC and the Verge.", ALIASES)[0].sources == {
        "Cnbc | World Business News Leader"}
    assert [set(f.sources) for f in find_facets("as the Verge and The Age reported", ALIASES)] == [
        {"The Verge"}, {"The Age"}]
    full = find_facets("Did The Independent - Life and Style say so?", ALIASES)
    assert [set(f.sources) for f in full] == [{"The Independent - Life and Style"}]


def test_the_same_source_repeats_the_outlet_before_it():
    facets = find_facets("After the TechCrunch report on X and the subsequent report by the same source on Y",
                         ALIASES)
    assert [set(f.sources) for f in facets] == [{"TechCrunch"}, {"TechCrunch"}]


def test_dates_without_a_year_match_any_year_and_bad_days_are_ignored():
    assert named_dates("published on October 5 and on February 30, 2023") == [DateRef(10, 5)]
    assert DateRef(10, 5).matches("2023-10-05") and not DateRef(10, 5, 2022).matches("2023-10-05")
    assert not DateRef(10, 5).matches(None)


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
