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
