"""Differing figures across quoted articles: each named in the short answer, dated, newest first."""

from qa.answer.differences import Figure, agree, dated_short, differing, numbers


def test_numbers_read_commas_and_decimals():
    assert numbers("more than 2,500 troops") == {2500.0}
    assert numbers("£19.5m and 3 ships") == {19.5, 3.0}
    assert numbers("Baghdad") == frozenset()


def test_same_number_in_other_words_agrees():
    assert agree("approximately 2,500 soldiers", "more than 2,500 troops")
    assert not agree("42", "more than 2,500 troops")


def test_names_agree_when_one_holds_the_other():
    assert agree("Biden", "Joe Biden")
    assert agree("the Pentagon", "Pentagon")
    assert not agree("Baghdad", "Kirkuk")


def test_agreeing_figures_give_no_dated_list():
    figures = [Figure("approximately 2,500 soldiers", "2022-12-18"), Figure("more than 2,500 troops", None)]
    assert differing(figures) == []
    assert differing(figures[:1]) == []


def test_differing_figures_are_listed_newest_first_undated_last_once_each():
    figures = [Figure("more than 2,500 troops", None), Figure("42", "2024-05-01"),
               Figure("approximately 2,500 soldiers", "2022-12-18"), Figure("42", "2024-04-30")]
    listed = differing(figures)
    assert [f.text for f in listed] == ["42", "approximately 2,500 soldiers", "more than 2,500 troops"]
    assert dated_short(listed) == "42 (2024-05-01); approximately 2,500 soldiers (2022-12-18); " \
                                  "more than 2,500 troops (undated)"
