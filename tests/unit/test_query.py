"""What a question asks for, and which questions are accepted."""

import pytest

from qa import InvalidQuestion
from qa.retrieve.query import analyse, check_question
from qa.vocabulary import answer_type, names_in


def test_question_checks():
    assert check_question("  How   many?\x00 ", 50) == "How many?"
    with pytest.raises(InvalidQuestion, match="empty"):
        check_question(" \n\t ", 50)
    with pytest.raises(InvalidQuestion, match="limit is 50"):
        check_question("x" * 51, 50)


def test_answer_types_and_names_of_questions():
    assert [answer_type(q) for q in ("How many troops?", "When did it end?", "Who leads Iraq?", "Where was it?",
                                     "What happened?")] == ["NUMBER", "DATE", "PERSON", "PLACE", "OTHER"]
    assert names_in("Who is the Iraqi Prime Minister?") == ["Iraqi Prime Minister"]
    assert analyse("How many US troops remain in Kirkuk?").names == ("US", "Kirkuk")
    # a name may end in digits, which tell apart names that differ only there
    assert names_in("How many bridges did Placeville0 build?") == ["Placeville0"]
    assert names_in("Did COVID-19 cases rise after the F-35 deal in Q3?") == ["COVID-19", "F-35", "Q3"]


def test_when_inside_a_clause_is_a_conjunction_not_a_date_question():
    questions = ("number of soldiers wounded when gunmen hit the checkpoint outside mosul",
                 "who was in charge when the attack happened", "what did the PM say when the attack happened",
                 "The attack happened when?", "In the attack, when did police arrive?", "Since when has ISIS been active?",
                 "when did the caliphate fall")
    assert [answer_type(q) for q in questions] == ["NUMBER", "PERSON", "OTHER", "DATE", "DATE", "DATE", "DATE"]
