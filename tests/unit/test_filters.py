"""Filters (outlets and dates), the dates questions write (read by dateparser), and filtered retrieval and timelines
over the fakes (no model)."""

from __future__ import annotations

from datetime import date

import pytest
from fakes import fake_assistant

from conftest import DATA, SEEDS
from qa import Filters, InvalidFilters
from qa.retrieve.periods import Period, question_dates

TODAY = date(2023, 10, 20)  # a Friday: the corpus's newest article date
OUTLETS = DATA / "outlets"


def test_filters_store_tuples_and_check_their_dates():
    f = Filters(sources=["Reuters", " AP ", ""], exclude_sources="CNN", since="2023-10-01", until=date(2023, 10, 31))
    assert f == Filters(("Reuters", "AP"), ("CNN",), "2023-10-01", "2023-10-31")
    assert f.to_dict() == {"sources": ["Reuters", "AP"], "exclude_sources": ["CNN"], "since": "2023-10-01",
                           "until": "2023-10-31"}
    assert f.describe() == "outlets Reuters, AP; not CNN; since 2023-10-01; until 2023-10-31"
    assert hash(f) == hash(Filters(["Reuters", "AP"], ["CNN"], "2023-10-01", "2023-10-31"))
    assert not Filters().active and Filters(since="2023-01-01").active


@pytest.mark.parametrize("kwargs, message", [
    ({"since": "2023-13-01"}, "since must be a date written YYYY-MM-DD, not '2023-13-01'"),
    ({"until": "Oct 5"}, "until must be a date written YYYY-MM-DD, not 'Oct 5'"),
    ({"since": "2023-1-5"}, "since must be a date written YYYY-MM-DD, not '2023-1-5'"),
    ({"since": "2023-10-31", "until": "2023-10-01"},
     "since (2023-10-31) is after until (2023-10-01): give a range whose start comes first"),
    ({"sources": [3]}, "sources must be a list of outlet names"),
])
def test_bad_filters_are_a_domain_error_that_says_what_to_write(kwargs, message):
    with pytest.raises(InvalidFilters) as caught:
        Filters(**kwargs)
    assert str(caught.value) == message


def test_filters_from_json_refuse_unknown_keys():
    assert Filters.of({"sources": ["AP"], "since": "2023-01-01"}) == Filters(("AP",), (), "2023-01-01")
    assert Filters.of(None) == Filters()
    with pytest.raises(InvalidFilters, match="unknown filter 'outlet'"):
        Filters.of({"outlet": "AP"})


def test_outlets_match_case_insensitively_and_dates_leave_out_undated_articles():
    f = Filters(sources=["reuters"], since="2023-01-01", until="2023-01-31")
    assert f.admits("Reuters", "2023-01-10") and f.admits("REUTERS", "2023-01-31T08:00:00")
    assert not f.admits("Reuters", "2022-12-31") and not f.admits("Reuters", None)
    assert not f.admits("AP", "2023-01-10") and not f.admits(None, "2023-01-10")
    excluding = Filters(exclude_sources=["yahoo news"])
    assert not excluding.admits("Yahoo News", None) and excluding.admits(None, None) and excluding.admits("AP", None)


def test_narrowing_to_a_range_keeps_the_overlap_or_says_there_is_none():
    f = Filters(sources=["AP"], since="2023-01-01")
    assert f.within("2022-06-01", "2023-03-31") == Filters(("AP",), (), "2023-01-01", "2023-03-31")
    assert f.within(None, "2022-12-31") is None


@pytest.mark.parametrize("question, periods, restrict", [
    ("What happened last week?", [("last week", "2023-10-09", "2023-10-15")], False),
    ("What happened in October?", [("in October", "2023-10-01", "2023-10-31")], False),
    ("What happened in November?", [("in November", "2022-11-01", "2022-11-30")], False),
    ("Who was hurt on Oct. 5?", [("on Oct. 5", "2023-10-05", "2023-10-05")], False),
    ("What changed since the summer?", [("since the summer", "2023-06-01", None)], True),
    ("What happened between October 1 and October 10?",
     [("between October 1 and October 10", "2023-10-01", "2023-10-10")], True),
    ("What was reported between Sept. 3, 2023, and Sept. 9, 2023?",
     [("between Sept. 3, 2023 and Sept. 9, 2023", "2023-09-03", "2023-09-09")], True),
    ("What did the police say only in 2022?", [("in 2022", "2022-01-01", "2022-12-31")], True),
    ("What happened in the past week?", [("in the past week", "2023-10-14", "2023-10-20")], False),
    ("What was published on 2023-10-02?", [("on 2023-10-02", "2023-10-02", "2023-10-02")], False),
    ("Was it calm during the winter?", [("during the winter", "2022-12-01", "2023-02-28")], False),
    ("What happened before November 2023?", [("before November 2023", None, "2023-10-31")], False),
    ("What happened from May 2 until May 9?", [("from May 2 until May 9", "2023-05-02", "2023-05-09")], False),
    ("How many troops remain?", [], False),
    ("May I ask about the 2018 World Cup?", [], False),
    ("What happened after the fall of Kabul?", [], False),
    ("Did USA Today report it?", [], False),
    ("Who won in the 2023 World Cup final?", [], False),
    ("How does today's housing market compare?", [], False),
    ("Did it score only eight times in the past year?", [("in the past year", "2022-10-21", "2023-10-20")], False),
])
def test_question_dates_are_read_relative_to_the_newest_article(question, periods, restrict):
    found = question_dates(question, TODAY)
    assert [(p.text, p.start and str(p.start), p.end and str(p.end)) for p in found.periods] == periods
    assert found.restrict is restrict


def test_question_dates_say_how_they_were_read_and_what_is_left():
    found = question_dates("What happened in October?", TODAY)
    assert found.describe() == "dates: in October = 2023-10-01 to 2023-10-31 (preferred)"
    assert found.span() == ("2023-10-01", "2023-10-31")
    since = question_dates("What changed since the summer?", TODAY)
    assert since.describe() == "dates: since the summer = since 2023-06-01 (only these)"
    assert since.span() == ("2023-06-01", None)
    assert since.rest == "What changed?" and found.rest == "What happened?"
    assert question_dates("Who spoke between Oct. 1, 2023, and Oct. 3 in Kirkuk?", TODAY).rest == "Who spoke in Kirkuk?"
    assert Period("x", date(2023, 10, 5), date(2023, 10, 5)).matches("2023-10-05T10:00:00")
    assert not Period("x", None, date(2023, 10, 4)).matches("2023-10-05") and not Period("x", None, None).matches(None)


# --- over the fakes: the seeds plus four articles from Reuters, AP, Yahoo News (AP's copy) and Test Wire ----------

@pytest.fixture(scope="module")
def outlets(tmp_path_factory):
    """An Assistant over the fakes with the seeds and tests/data/outlets."""
    return fake_assistant(tmp_path_factory.mktemp("outlets"), files=[SEEDS, OUTLETS])


def sources_of(passages) -> set:
    """The outlets of passages or citations."""
    return {p.source for p in passages}


def test_search_keeps_to_the_filters_on_both_retrieval_sides(outlets):
    assert {None, "Reuters"} <= sources_of(outlets.search("Kirkuk checkpoint attack", k=20))
    assert sources_of(outlets.search("Kirkuk checkpoint attack", k=20, filters=Filters(sources=["reuters"]))) == \
        {"Reuters"}
    excluded = outlets.search("Kirkuk", k=20, filters={"exclude_sources": ["Reuters", "Associated Press",
                                                                          "yahoo news"]})
    assert sources_of(excluded) == {None, "Test Wire"}
    dated = outlets.search("Kirkuk", k=20, filters=Filters(since="2022-12-01", until="2023-01-31"))
    assert {p.date for p in dated} == {"2022-12-18", "2023-01-10"}
    assert outlets.search("Kirkuk", k=5, filters=Filters(sources=["Nobody"])) == []


def test_the_retriever_filters_dense_and_keyword_candidates(outlets):
    retriever = outlets._retriever
    only = Filters(sources=["Test Wire"])
    found, _ = retriever.candidates("Kirkuk police checkpoint", 20, filters=only)
    assert sources_of(found) == {"Test Wire"} and all(p.signals.get("keyword") is None for p in found)
    assert retriever.admitted(only) == 1 and retriever.admitted(Filters()) == 6


def test_an_ask_never_cites_outside_the_filters_and_says_when_nothing_passes(outlets):
    answer = outlets.ask("How many US troops remain?", filters=Filters(sources=["REUTERS"]))
    assert sources_of(answer.citations) == {"Reuters"} and "2,000" in answer.text
    nothing = outlets.ask("How many US troops remain?", filters=Filters(sources=["Nobody"], since="2023-01-01"))
    assert nothing.refused and nothing.citations == ()
    assert nothing.text == "No article matches the filters (outlets Nobody; since 2023-01-01)."


def test_a_question_that_restricts_its_dates_is_filtered_and_shows_how_it_was_read(outlets):
    answer = outlets.ask("How many US troops remain since January?")
    assert answer.notes == ("dates: since January = since 2023-01-01 (only these)",)
    assert {c.date for c in answer.citations} <= {"2023-01-10", "2023-02-03", "2023-02-04", "2023-05-02"}
    outside = outlets.ask("How many US troops remain since January?", filters=Filters(until="2022-12-31"))
    assert outside.text == ("No article matches the filters (until 2022-12-31) and the question's dates: "
                            "since January = since 2023-01-01 (only these).")
    events = [e.kind for e in outlets.ask_stream("How many US troops remain since January?")]
    assert events[0] == "dates" and events[-1] == "answer"


def test_a_timeline_is_oldest_first_undated_last_copies_merged_and_on_topic(outlets):
    found = outlets.timeline("Kirkuk")
    assert [e.date for e in found.events] == ["2022-12-18", "2023-01-10", found.events[2].date, None]
    arrests = found.events[2]
    assert {arrests.citation.source, *(d["source"] for d in arrests.citation.duplicates)} == {"Associated Press",
                                                                                                "Yahoo News"}
    assert all("Kirkuk" in e.text for e in found.events)
    assert "Test Wire" not in {e.citation.source for e in found.events}
    assert [e.citation.n for e in found.events] == [1, 2, 3, 4]
    for e in found.events:
        assert outlets.article_text(e.citation.article_id)[e.citation.start:e.citation.end] == e.text


def test_a_timeline_within_filters_and_its_json(outlets):
    found = outlets.timeline("Kirkuk", filters=Filters(exclude_sources=["Yahoo News"], since="2023-01-01"))
    assert [(e.date, e.citation.source) for e in found.events] == [("2023-01-10", "Reuters"),
                                                                   ("2023-02-03", "Associated Press")]
    assert found.events[1].citation.duplicates == ()
    data = found.to_dict()
    assert data["topic"] == "Kirkuk" and set(data["events"][0]) == {"date", "text", "citation"}
    assert data["events"][0]["citation"]["source"] == "Reuters" and data["events"][0]["citation"]["n"] == 1
    assert outlets.timeline("Exampleton libraries").events[0].citation.source == "Test Wire"
    assert outlets.timeline("Mars rover").events == ()


def test_what_happened_with_a_topic_is_answered_by_its_timeline(outlets):
    answer = outlets.ask("What happened with Kirkuk?")
    assert not answer.refused and answer.text.startswith("What happened with Kirkuk, oldest first:\n- 2022-12-18, ")
    assert [c.n for c in answer.citations] == [1, 2, 3, 4] and answer.citations[-1].date is None
    assert outlets.ask("What happened with the Mars rover?").refused


@pytest.mark.parametrize("filters", [Filters(sources=["Reuters"]), Filters(since="2023-01-01"),
                                     Filters(exclude_sources=["Test Wire"])])
def test_the_wide_dense_query_and_the_where_query_find_the_same_passages(outlets, filters):
    from dataclasses import replace

    from qa.retrieve import Retriever

    base = outlets._retriever
    snapshot = base.keyword.current()
    vector = base.embedder.embed(["Kirkuk police checkpoint attack"])[0]
    allowed = base.catalog(snapshot).allowed(filters)

    def dense(**knobs):
        retriever = Retriever(base.store, base.keyword, base.embedder, replace(base.config, candidates=3, **knobs))
        return retriever._dense(vector, snapshot, allowed)

    assert dense(wide_share=0.0) == dense(wide_share=2.0)
    assert len(dense(wide_share=0.0)) == min(3, int(allowed[1].sum()))


def test_a_timeline_question_with_dates_is_about_its_topic_within_them(outlets):
    answer = outlets.ask("What happened with Kirkuk since January?")
    assert answer.text.startswith("What happened with Kirkuk since January, oldest first:\n- 2023-01-10, Reuters: ")
    assert [c.date for c in answer.citations][0] == "2023-01-10" and len(answer.citations) == 2
    assert answer.notes == ("dates: since January = since 2023-01-01 (only these)",)


@pytest.mark.parametrize("question, topic", [
    ("What happened with Kirkuk?", "Kirkuk"), ("what's been happening with the Kirkuk curfew", "the Kirkuk curfew"),
    ("So what has happened with FTX since May?", "FTX since May"),
    ("What happened to the caliphate after the defeat by the American-led coalition?", None),
    ("How many US troops remain?", None)])
def test_a_timeline_is_asked_for_with_what_happened_with(question, topic):
    from qa.timeline import timeline_topic

    assert timeline_topic(question) == topic
