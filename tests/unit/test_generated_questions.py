"""The LLM-written training questions (qa/bench/questions.py): which sentences are asked about, how a reply is
read, and which questions are kept."""

from __future__ import annotations

import json

import pytest

from qa.bench.questions import Target, acceptable, generate, question_of, row, specific, targets

ARTICLE = {"title": "Rainforest raises a seed round", "source": "TechCrunch", "url": "https://t.example/r",
           "body": "Rainforest, an Atlanta payments startup, raised $8.5 million in a seed round led by Accel. "
                   "It was founded in 2021 by Joshua Silver and Craig Hewitt, who met at another company."}
TARGET = Target(ARTICLE, "Rainforest, an Atlanta payments startup, raised $8.5 million in a seed round led by "
                         "Accel.", "$8.5 million", "number")


def test_the_question_is_the_first_line_that_asks():
    assert question_of("Question: How much did Rainforest raise in its first round?\nAnswer: $8.5 million") == \
        "How much did Rainforest raise in its first round?"
    assert question_of('1. "Who backed the Atlanta startup?"') == "Who backed the Atlanta startup?"
    assert question_of("Rainforest raised money.") is None


def test_a_question_is_kept_when_it_asks_about_the_sentence_without_giving_the_answer():
    assert acceptable("How much seed money did the Atlanta fintech Rainforest pull in?", TARGET)
    assert not acceptable("Did Rainforest raise $8.5 million?", TARGET), "holds the answer"
    assert not acceptable("How much money?", TARGET), "fewer than 4 words"
    assert not acceptable("How much did the startup get from its investors last year?", TARGET), \
        "shares no name or number with the sentence: it could be about anything"


def test_an_answer_is_specific():
    assert specific("$8.5 million", "MONEY") and specific("Nov. 17", "DATE") and specific("Accel", "ORG")
    assert not specific("this month", "DATE") and not specific("the year", "DATE"), "no day, month or number"
    assert not specific("two", "CARDINAL"), "a number without a digit is too easily a word of the question"
    assert not specific("Americans", "NORP"), "not a label asked for"


def test_only_even_index_articles_are_asked_about_and_skipped_sentences_are_not():
    spacy = pytest.importorskip("spacy")
    from qa.answer.entities import DEFAULT_MODEL

    nlp = spacy.load(DEFAULT_MODEL)
    odd = dict(ARTICLE, url="https://t.example/odd")
    found = targets([ARTICLE, odd], skip=set(), per_article=2, seed=0, nlp=nlp)
    assert {t.article["url"] for t in found} == {"https://t.example/r"}
    assert len(found) == 2 and all(t.answer in t.sentence for t in found)
    skipped = targets([ARTICLE], skip={TARGET.sentence}, per_article=2, seed=0, nlp=nlp)
    assert [t.sentence for t in skipped] == ["It was founded in 2021 by Joshua Silver and Craig Hewitt, who met "
                                             "at another company."]


class Scripted:
    """A generator that replies from a list, in order."""

    def __init__(self, replies):
        self.replies = list(replies)

    def stream(self, messages, max_tokens, stop=()):
        yield self.replies.pop(0)


def test_generate_writes_the_kept_questions_and_a_rerun_continues(tmp_path):
    out = tmp_path / "questions.jsonl"
    other = Target(ARTICLE, ARTICLE["body"].split(". ")[1], "2021", "date")
    assert generate(Scripted(["How much seed money did Rainforest get?", "Founded when?"]), [TARGET, other],
                    out, limit=10) == 1, "the second question is too short"
    assert [json.loads(line) for line in out.read_text().splitlines()] == [
        row(1, "How much seed money did Rainforest get?", TARGET)]
    assert generate(Scripted(["When did Joshua Silver start it?"]), [TARGET, other], out, limit=10) == 2, \
        "the sentence already asked about is not asked again"
