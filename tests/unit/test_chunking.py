"""Passages: exact offsets, sentence boundaries, token limits and overlap."""


from index.chunking import _windows, passage_spans, sentence_spans, split_long, Span

TEXT = ("The first sentence is here. The second one follows it!\n"
        "A new paragraph starts. It has two sentences.\n\n"
        "Finally, a last line without a full stop")


def words(texts):
    """A deterministic token counter: one token per word."""
    return [len(t.split()) for t in texts]


def test_sentence_spans_are_exact_and_trimmed():
    spans = sentence_spans(TEXT)
    got = [TEXT[s.start:s.end] for s in spans]
    assert got == ["The first sentence is here.", "The second one follows it!", "A new paragraph starts.",
                   "It has two sentences.", "Finally, a last line without a full stop"]


def test_passages_are_substrings_within_the_limit_and_overlap():
    text = " ".join(f"Sentence number {i} has exactly seven words." for i in range(40))
    spans = passage_spans(text, words, max_tokens=30, overlap_tokens=10)
    assert len(spans) == 13 and [(s.start, s.end) for s in spans[:2]] == [(0, 171), (129, 300)]
    for a, b in zip(spans, spans[1:]):
        assert b.start < a.end, "consecutive passages share text"
        assert b.start > a.start, "passages advance"
    for s in spans:
        assert len(text[s.start:s.end].split()) <= 30
        assert text[s.start:s.end].startswith("Sentence") and text[s.start:s.end].endswith(".")
    assert spans[0].start == 0 and spans[-1].end == len(text)


def test_every_character_of_every_sentence_is_in_some_passage():
    text = " ".join(f"Fact {i} is stated in this sentence." for i in range(25))
    spans = passage_spans(text, words, max_tokens=20, overlap_tokens=6)
    for sentence in sentence_spans(text):
        assert any(p.start <= sentence.start and sentence.end <= p.end for p in spans)


def test_a_sentence_longer_than_the_limit_is_cut_at_words():
    text = " ".join(["word"] * 100) + "."
    pieces = split_long(text, Span(0, len(text)), 100, 30)
    assert all(len(text[p.start:p.end].split()) <= 30 for p in pieces)
    assert pieces[0].start == 0 and pieces[-1].end == len(text)
    assert " ".join(text[p.start:p.end] for p in pieces) == text


def test_windows_always_advance_even_with_large_overlap():
    assert _windows([5, 5, 5, 5], max_tokens=10, overlap_tokens=100) == [(0, 2), (1, 3), (2, 4)]
    assert _windows([50], max_tokens=10, overlap_tokens=5) == [(0, 1)]
    assert _windows([], 10, 5) == []
