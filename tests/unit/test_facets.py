"""Outlets and dates named in questions, and the lanes that give each named outlet its passages."""

from __future__ import annotations

from qa.retrieve.facets import DateRef, find_facets, named_dates, outlet_aliases

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
