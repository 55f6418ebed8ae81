"""The LLM's short answer: read from its reply's `Answer:` line, checked against the sources it cites, and led
with in the final answer (scripted replies, no model)."""

from __future__ import annotations

from fakes import ScriptedGenerator

from index import Passage
from qa.answer import Answer
from qa.answer.citations import cite
from qa.answer.claims import Claim
from qa.generate.shortanswer import check_short, split_reply
from qa.generate.synthesis import Synthesizer
from qa.generate.verification import Source

TROOPS = ("Over a dozen Iraqi security members have been killed this week.",
          "America still retains approximately 2,500 soldiers in Iraq in a training and advisory capacity.")
KIRKUK = ("A terrorist attack in Kirkuk claimed the lives of 13 Iraqi police officers.",)
SOURCES = [Source(1, "Attacks rock Iraq — Outlet A, 2022-12-18", TROOPS),
           Source(2, "Kirkuk attack — Outlet B, undated", KIRKUK)]
TECH = [Source(1, "OpenAI board fires Altman — TechCrunch, 2023-11-18",
               ("The board of OpenAI removed Sam Altman as chief executive on Friday.",)),
        Source(2, "Altman returns — The Verge, 2023-11-22",
               ("Sam Altman is back as chief executive of OpenAI after the board reversed course.",))]


def test_the_answer_line_is_split_from_the_sentences_with_its_marks():
    reply = split_reply("Answer: **2,500 soldiers** [1].\nThe US keeps 2,500 soldiers in Iraq [1].")
    assert (reply.short, reply.marks, reply.rest) == ("2,500 soldiers", (1,), "The US keeps 2,500 soldiers in Iraq [1].")
    assert split_reply("  short answer: Yes\n").short == "Yes"
    assert split_reply("The US keeps 2,500 soldiers [1].") == split_reply("The US keeps 2,500 soldiers [1].")
    assert split_reply("The US keeps 2,500 soldiers [1].").short is None


def test_a_number_stands_when_a_cited_sentence_holds_it_with_the_questions_names():
    found = check_short("How many US troops remain in Iraq?", "2,500 soldiers", SOURCES, [1])
    assert (found.verified, found.evidence, found.reason) == (True, ((1, 1),), "a cited sentence holds it")
    british = check_short("How many British troops remain in Iraq?", "2,500", SOURCES, [1])
    assert (british.verified, british.reason) == (False, "no cited sentence holds it in a source with the question's names")
    made_up = check_short("How many US troops remain in Iraq?", "4,000", SOURCES, [])
    assert (made_up.verified, made_up.reason) == (False, "no cited sentence holds it in a source with the question's names")


def test_only_the_cited_sources_count_and_every_source_when_none_is_cited():
    question = "How many police officers died in Kirkuk?"
    assert not check_short(question, "13", SOURCES, [1]).verified
    assert check_short(question, "13", SOURCES, [2]).evidence == ((2, 0),)
    assert check_short(question, "13", SOURCES, []).evidence == ((2, 0),)


def test_a_short_answer_must_be_of_the_asked_type_and_add_to_the_question():
    wrong_type = check_short("How many US troops remain in Iraq?", "a training capacity", SOURCES, [1])
    assert (wrong_type.verified, wrong_type.reason) == (False, "is not the number the question asks for")
    echo = check_short("Which company removed Sam Altman?", "Sam Altman", TECH, [1])
    assert (echo.verified, echo.reason) == (False, "repeats the question")
    assert check_short("Which company removed Sam Altman?", "OpenAI", TECH, [1]).verified
    refusal = check_short("How many?", "The indexed articles do not answer this question", SOURCES, [])
    assert (refusal.verified, refusal.refusal) == (False, True)


def test_a_verdict_stands_when_every_claim_has_evidence_in_the_cited_sources():
    question = ("Does the TechCrunch article report that the board removed Sam Altman, while The Verge "
                "article says Altman is back as chief executive?")
    claims = [Claim("the TechCrunch article report that the board removed Sam Altman", frozenset({"TechCrunch"})),
              Claim("The Verge article says Altman is back as chief executive", frozenset({"The Verge"}))]
    yes = check_short(question, "Yes, both do", TECH, [1, 2], claims)
    assert (yes.text, yes.verified, yes.evidence) == ("Yes", True, ((1, 0), (2, 0)))
    only_one = check_short(question, "No", TECH, [1], claims)
    assert (only_one.verified, only_one.reason) == (
        False, "no cited source holds the claim “The Verge article says Altman is back as chief executive”")
    assert check_short(question, "Both articles agree", TECH, [1, 2], claims).reason == \
        "a yes/no question answered without a Yes or a No"


def test_a_question_that_offers_two_answers_takes_one_of_them_checked_like_a_verdict():
    from qa.generate.synthesis import task

    question = ("Did the TechCrunch article report that the board removed Sam Altman before or after The Verge "
                "article said Altman is back as chief executive?")
    claims = [Claim("the TechCrunch article report that the board removed Sam Altman", frozenset({"TechCrunch"})),
              Claim("The Verge article said Altman is back as chief executive", frozenset({"The Verge"}))]
    before = check_short(question, "Before.", TECH, [1, 2], claims)
    assert (before.text, before.verified, before.evidence) == ("Before", True, ((1, 0), (2, 0)))
    assert check_short(question, "Yes", TECH, [1, 2], claims).text == "Yes", "a Yes is still read as a verdict"
    assert "Before or After" in task(question) and "Yes or No" not in task(question)
    assert "Yes or No" in task("Did the board remove Sam Altman?")


def _extractive(question: str, source: Source, passage: Passage) -> Answer:
    citation = cite(1, passage, passage.start, passage.end)
    return Answer(question=question, text=citation.quote + " [1]", refused=False, citations=(citation,),
                  short_answer=citation.quote, timings={"total": 0.1})


def _passages(sources):
    found = []
    for s in sources:
        text = " ".join(s.sentences)
        title, rest = s.header.split(" — ")
        outlet, date = rest.rsplit(", ", 1)
        found.append(Passage(id=f"p{s.n}", article_id=f"a{s.n}", text=text, start=0, end=len(text), title=title,
                             source=outlet, date=None if date == "undated" else date, path=f"/{s.n}.txt"))
    return found


def test_the_final_answer_leads_with_the_verified_short_answer_then_sentences_then_other_evidence():
    passages = _passages(TECH)
    question = ("Does the TechCrunch article report that the board removed Sam Altman, while The Verge "
                "article says Altman is back as chief executive?")
    claims = [Claim("the TechCrunch article report that the board removed Sam Altman", frozenset({"TechCrunch"})),
              Claim("The Verge article says Altman is back as chief executive", frozenset({"The Verge"}))]
    reply = "Answer: Yes [1][2]\nThe board of OpenAI removed Sam Altman [1]."
    events = list(Synthesizer(ScriptedGenerator(reply)).stream(_extractive(question, TECH[0], passages[0]),
                                                               passages, claims))
    answer = events[-1].answer
    assert (answer.mode, answer.short_answer, answer.refused) == ("llm", "Yes", False)
    assert answer.text == ("Yes\nThe board of OpenAI removed Sam Altman. [1]\n"
                           "- 2023-11-22, The Verge: Sam Altman is back as chief executive of OpenAI after the board "
                           "reversed course. [2]")
    assert [(c.n, c.article_id) for c in answer.citations] == [(1, "a1"), (2, "a2")]
    uncited = "Answer: Yes\nThe board of OpenAI removed Sam Altman [1]."  # the Verge's claim has no cited evidence
    events = list(Synthesizer(ScriptedGenerator(uncited)).stream(_extractive(question, TECH[0], passages[0]),
                                                                 passages, claims))
    assert events[-1].answer.short_answer != "Yes" and "was not used (no cited source holds the claim" in \
        events[-1].answer.notes[0]


def test_an_unverified_short_answer_falls_back_to_the_sentences_with_a_note():
    passages = _passages(SOURCES)
    extractive = _extractive("How many US troops remain in Iraq?", SOURCES[0], passages[0])
    reply = "Answer: 4,000\nAmerica still retains approximately 2,500 soldiers in Iraq [1]."
    answer = list(Synthesizer(ScriptedGenerator(reply)).stream(extractive, passages))[-1].answer
    assert answer.mode == "llm" and answer.text == "America still retains approximately 2,500 soldiers in Iraq. [1]"
    assert answer.notes[0] == ("The language model's short answer “4,000” was not used (no cited sentence holds it in "
                               "a source with the question's names).")
