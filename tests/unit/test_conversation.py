"""Follow-up questions rewritten with the conversation before retrieval."""

from qa.answer.conversation import rewrite


def test_follow_up_questions_carry_the_subject():
    history = [{"role": "user", "content": "How many US troops remain?"}, {"role": "assistant", "content": "2,500"}]
    assert rewrite("and how many in Mosul?", history) == "How many in Mosul (US troops remain)?"
    assert rewrite("what about in Kirkuk?", history) == "How many US troops remain in Kirkuk?"
    assert rewrite("Who is the Iraqi Prime Minister?", history) == "Who is the Iraqi Prime Minister?"
    assert rewrite("and how many in Mosul?", []) == "and how many in Mosul?"
