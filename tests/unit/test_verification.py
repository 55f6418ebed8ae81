"""Verification of generated answers: pure functions over strings."""

from __future__ import annotations

import pytest

from qa.answer import REFUSAL
from qa.generate.verification import (Claim, Source, agrees, answers, claimed_numbers, clauses, critical, is_refusal,
                                      names, numbers, parse_claims, renumber, supports, verify)

TROOPS = Source(1, "Attacks rock Iraq — National Review, 2022-12-18", (
    "America still retains approximately 2,500 soldiers in Iraq in a training and advisory capacity.",
    "Washington has reduced its troops numbers."))
KIRKUK = Source(2, "Two terrorist attacks in Iraq — Tehran Times, undated", (
    "A terrorist attack in Kirkuk claimed the lives of 13 Iraqi police officers and wounded many more.",
    "They ruined three military vehicles this way through various blasts."))
SOURCES = [TROOPS, KIRKUK]


# --- parsing ---------------------------------------------------------------------------------------

def test_marks_after_the_full_stop_belong_to_the_sentence_before():
    claims = parse_claims("America keeps 2,500 soldiers in Iraq. [1] The attack killed 13 officers [2][7].")
    assert claims == [Claim("America keeps 2,500 soldiers in Iraq.", (1,)),
                      Claim("The attack killed 13 officers.", (2, 7))]


def test_leading_marks_and_list_bullets_and_grouped_marks():
    assert parse_claims("[1] There are 3,500 forces. [2] The US has 2,500.") == [
        Claim("There are 3,500 forces.", (1,)), Claim("The US has 2,500.", (2,))]
    assert parse_claims("- Thirteen officers died [1, 2].\n- Three vehicles were ruined [Source 2].") == [
        Claim("Thirteen officers died.", (1, 2)), Claim("Three vehicles were ruined.", (2,))]


def test_numbers_names_and_critical_words():
    assert numbers("about 2,500 troops, three vehicles, 1.5 km on 2022-12-18") == {
        "2500", "3", "1.5", "2022", "12", "18"}
    assert claimed_numbers("One of the three attacks") == {"3"}
    assert names("According to the BBC, Mohammed Shia al-Sundani met U.S. officials.") == [
        ("bbc",), ("moham",), ("shia",), ("al-sundani", "al", "sundani"), ("usa",)]
    assert critical("Troops didn't leave; numbers are increasing, the most since 2014.") == {
        "not", "increase", "most"}
    assert clauses("The US keeps 2,500 troops, and the number is rising; Iraq agreed") == [
        "The US keeps 2,500 troops", "the number is rising", "Iraq agreed"]


def test_refusal_sentences_are_recognised():
    assert is_refusal(REFUSAL)
    assert is_refusal("The sources do not mention British troops.")
    assert not is_refusal("America still retains approximately 2,500 soldiers in Iraq.")


# --- support ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("sentence, reason", [
    ("America keeps about 2,500 soldiers in Iraq.", ""),
    ("The US keeps 3,500 soldiers in Iraq.", "number 3500 is not in the cited source"),
    ("Britain keeps 2,500 soldiers in Iraq.", "name 'britain' is not in the cited source"),
    ("The US does not keep soldiers in Iraq.", "'not' is not in the cited source"),
    ("The US keeps 2,500 soldiers in Iraq, and the number of troops is increasing.",
     "'increase' is not in the cited source"),
    ("The soldiers enjoy football and cooking competitions.", "only 20% of its words are in the cited source"),
    ("America still retains approximately 2,500 soldiers in Iraq in a training and advisory capacity, which "
     "celebrate football festivals.",
     "only 0% of the words of 'celebrate football festivals.' are in the cited source"),
])
def test_supports_checks_numbers_names_negation_and_words(sentence, reason):
    assert supports(sentence, [TROOPS]) == reason


def test_numbers_may_come_from_any_cited_source_together():
    assert supports("13 officers died and 2,500 US soldiers remain.", SOURCES) == ""
    assert supports("13 officers died and 2,500 US soldiers remain.", [TROOPS]) == \
        "number 13 is not in the cited source"


def test_answers_requires_what_the_question_asks_for():
    assert answers("How many US troops remain?", "America retains approximately 2,500 soldiers.")
    assert not answers("How many US troops remain?", "Some US troops remain in Iraq.")
    assert answers("Who is the Iraqi Prime Minister?", "The Iraqi Prime Minister is Mohammed Shia al-Sundani.")
    assert not answers("Who is the Iraqi Prime Minister?", "The Iraqi Prime Minister leads the government.")


# --- verify: citations -----------------------------------------------------------------------------

def test_valid_citation_is_kept_and_made_up_citation_removed():
    checks = verify("America keeps 2,500 soldiers in Iraq [1][7].", SOURCES)
    assert [(c.verified, c.cited, c.reason) for c in checks] == [
        (True, (1,), "removed citation [7] (no such source); supported by the cited source")]


def test_claim_citing_only_a_made_up_source_is_attributed_to_the_one_that_supports_it():
    checks = verify("Thirteen Iraqi police officers were killed in Kirkuk [7].", SOURCES)
    assert [(c.verified, c.cited, c.reason) for c in checks] == [
        (True, (2,), "removed citation [7] (no such source); cited the source that supports it")]


def test_wrong_citation_moves_to_the_supporting_source_and_wrong_number_is_caught():
    moved, wrong = verify("13 Iraqi police officers were killed in Kirkuk [1]. "
                          "14 Iraqi police officers were killed in Kirkuk [2].", SOURCES)
    assert (moved.verified, moved.cited) == (True, (2,))
    assert moved.reason.startswith("moved from [1] (number 13 is not in the cited source) to")
    assert (wrong.verified, wrong.cited, wrong.reason) == (False, (), "number 14 is not in the cited source")


def test_sentence_citing_two_sources_keeps_only_those_that_contribute():
    checks = verify("America keeps 2,500 soldiers in Iraq [1][2].", SOURCES)
    assert [(c.verified, c.support) for c in checks] == [(True, ((1, 0),))]


def test_renumber_orders_by_first_citation_and_skips_unverified():
    checks = verify("Three military vehicles were ruined [2]. Aliens landed in Kirkuk [2]. "
                    "America keeps 2,500 soldiers [1].", SOURCES)
    assert [c.verified for c in checks] == [True, False, True]
    assert renumber(checks) == ("Three military vehicles were ruined. [1] America keeps 2,500 soldiers. [2]",
                                [2, 1])


def test_sentence_needing_two_sources_is_attributed_to_both():
    checks = verify("America keeps 2,500 soldiers in Iraq, while the attack in Kirkuk killed 13 police officers [3].",
                    SOURCES)
    assert [(c.verified, c.support, c.reason) for c in checks] == [
        (True, ((1, 0), (2, 0)), "removed citation [3] (no such source); cited the sources that together "
                                 "support it")]


def test_a_number_must_come_from_the_sentence_that_says_the_same_thing():
    both = [Source(1, "ISIS in Iraq — Wire, undated", (
        "IS first burst onto the scene in Iraq in 2014.",
        "Iraq administration proclaimed the extermination of ISIS in late months of 2017."))]
    assert supports("The Iraq administration proclaimed the extermination of ISIS in 2017.", both) == ""
    assert supports("The Iraq administration proclaimed the extermination of ISIS in late 2014.", both) == (
        "number 2014 is not in the sentence that says 'The Iraq administration proclaimed the extermination "
        "of ISIS in late 2014.'")


def test_a_reply_that_echoes_a_source_heading_is_not_a_claim():
    checks = verify("The sources: (Attacks rock Iraq — National Review, 2022-12-18) America still retains "
                    "approximately 2,500 soldiers in Iraq.", SOURCES)
    assert [(c.verified, c.reason) for c in checks] == [(False, "repeats a source's heading")]


def test_an_answer_must_be_about_the_question():
    assert not answers("What happened to the caliphate after the defeat?",
                       "The two attacks occurred early on Sunday.")


def test_the_answer_must_agree_with_the_quoted_sentences_on_what_was_asked():
    quotes = ["A terrorist attack in Kirkuk claimed the lives of 13 Iraqi police officers."]
    assert agrees("How many police officers died in Kirkuk?", quotes, "Twelve officers died in Kirkuk. [1]") is False
    assert agrees("How many police officers died in Kirkuk?", quotes, "Thirteen officers died in Kirkuk. [1]")
    assert agrees("Where did the attacks occur?", ["They occurred in the al-Rashad area."], "In Kirkuk. [1]") is False
    assert agrees("Where did the attacks occur?", ["They occurred in the al-Rashad area."], "Near al-Rashad. [1]")
    assert agrees("When did IS burst onto the scene?", ["IS appeared in 2014."], "In June 2014. [1]")
    assert agrees("What did the group declare?", ["It declared a caliphate."], "Independence. [1]")


def test_agreement_ignores_one_as_a_pronoun():
    quotes = ["3 police forces suffered injuries in the incident, and one was missing."]
    assert agrees("How many police were injured?", quotes, "It was one of the bloodiest attacks in 2021. [1]") is False
