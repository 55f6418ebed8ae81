"""Reading articles: header lines, HTML metadata, JSON records, and skips with reasons."""

import json

from index.readers import normalize_date, parse_html, parse_json, parse_text, read_bytes, split_headers

LIMIT = 1_000_000


def test_seed_style_date_header_on_the_first_line():
    article = parse_text(" date 2022-12-18 Over a dozen members were killed.\n\nMore text here.", "a.txt")
    assert article.date == "2022-12-18"
    assert article.text.startswith("Over a dozen members were killed.")
    assert article.title == "Over a dozen members were killed."


def test_header_lines_and_no_invented_date():
    fields, body = split_headers("title Kirkuk attack\nsource Al-Jazeera\nurl https://x.test/a\n\nBody text.")
    assert fields == {"title": "Kirkuk attack", "source": "Al-Jazeera", "url": "https://x.test/a"}
    assert body.strip() == "Body text."
    article = parse_text("Two attacks in Iraq. Events of 2021 are described.", "b.txt")
    assert article.date is None and article.source is None


def test_a_body_line_that_looks_like_a_key_is_not_a_header():
    fields, body = split_headers("Date of the attack was unclear. Police said so.")
    assert fields == {} and body.startswith("Date of the attack")


def test_markdown_heading_becomes_the_title():
    article = parse_text("# Big news\n\nSomething happened today.", "c.md")
    assert article.title == "Big news"


def test_html_article_with_metadata():
    html = """<html><head><title>Ignored</title><meta property="og:title" content="Troops stay">
    <meta property="og:site_name" content="Daily Test"><meta property="article:published_time"
    content="2023-10-05T08:00:00Z"></head><body><nav>menu</nav><article><h1>Troops stay</h1>
    <p>About 2,500 troops remain.</p><script>alert(1)</script><p>Second paragraph.</p></article></body></html>"""
    article = parse_html(html, "d.html")
    assert (article.title, article.source, article.date) == ("Troops stay", "Daily Test", "2023-10-05")
    assert article.text == "Troops stay\n\nAbout 2,500 troops remain.\n\nSecond paragraph."


def test_json_list_of_benchmark_records():
    records = [{"title": "T1", "source": "Mashable", "published_at": "2023-11-27T08:45:59+00:00",
                "url": "https://m.test/1", "author": None, "body": "Deals are here."},
               {"title": "T2", "body": ""}, "not an object"]
    result = parse_json(json.dumps(records), "corpus.json", lines=False)
    assert [(a.title, a.source, a.date) for a in result.articles] == [("T1", "Mashable", "2023-11-27")]
    assert [s.reason for s in result.skipped] == ["record has no body text (body, text or content)",
                                                  "record is not a JSON object"]


def test_jsonl_with_a_malformed_line():
    raw = '{"text": "One.", "title": "A"}\n{broken\n{"text": "Two.", "title": "B", "date": "2021"}\n'
    result = parse_json(raw, "x.jsonl", lines=True)
    assert [a.title for a in result.articles] == ["A", "B"]
    assert result.articles[1].date is None
    assert len(result.skipped) == 1 and result.skipped[0].path == "x.jsonl#line2"
    assert result.skipped[0].reason.startswith("malformed JSON")


def test_bad_bytes_are_skipped_with_reasons():
    reasons = {name: read_bytes(data, suffix, name, 100).skipped[0].reason
               for name, data, suffix in [("empty", b"  \n", ".txt"), ("binary", b"ab\0cd", ".txt"),
                                          ("latin1", "caf\xe9".encode("latin-1"), ".txt"),
                                          ("huge", b"x" * 101, ".txt"), ("pdf", b"%PDF", ".pdf")]}
    assert reasons["empty"] == "empty file"
    assert reasons["binary"] == "binary file, not text"
    assert reasons["latin1"].startswith("not valid UTF-8")
    assert "over the" in reasons["huge"]
    assert reasons["pdf"].startswith("unsupported file type .pdf")


def test_dates_are_normalised_or_left_out():
    assert normalize_date("2023-11-27T08:45:59+00:00") == "2023-11-27"
    assert normalize_date("December 18, 2022") == "2022-12-18"
    assert normalize_date("last Sunday") is None
    assert normalize_date("2023-02-30") is None
    assert normalize_date(None) is None


def test_article_ids_are_stable_and_content_based():
    a = parse_text("title X\n\nSame body.", "one.txt")
    b = parse_text("title X\n\nSame   body.", "two.txt")
    c = parse_text("title X\n\nOther body.", "one.txt")
    assert a.id == b.id != c.id and len(a.id) == 16


def test_json_the_decoder_cannot_read_is_a_skip_with_a_reason():
    """Issue 13, case 1: nesting past the decoder's depth, a 5,000-digit number, a lone surrogate."""
    deep = '{"title": "Deep", "body": ' + "[" * 100_000 + "]" * 100_000 + "}"
    digits = '{"title": "Digits", "body": "x", "count": ' + "9" * 5000 + "}"
    surrogate = '{"title": "\\udfff", "body": "The council met on Monday."}'
    good = '{"title": "Good", "body": "Bergen ran 12 trams on Sunday."}'
    result = parse_json("\n".join([deep, digits, surrogate, good]), "bad.jsonl", lines=True)
    assert [a.title for a in result.articles] == ["Good"]
    assert [(s.path, s.reason) for s in result.skipped] == [
        ("bad.jsonl#line1", "JSON nested too deeply (the limit is about 1,000 levels)"),
        ("bad.jsonl#line2", "JSON holds a number too long to read (exceeds the limit (4300 digits) for integer "
                            "string conversion)"),
        ("bad.jsonl#line3", "record holds a lone surrogate (\\udfff) in its title, which is not valid Unicode text; "
                            "fix the file's encoding")]
    whole = read_bytes(("[" * 5000 + "]" * 5000).encode(), ".json", "deep.json", LIMIT)
    assert [(s.path, s.reason) for s in whole.skipped] == [
        ("deep.json", "JSON nested too deeply (the limit is about 1,000 levels)")]


def test_a_reader_failure_costs_that_file_only(tmp_path, monkeypatch):
    import index.readers as readers

    def broken(raw, path):
        raise RuntimeError("reader bug")

    monkeypatch.setattr(readers, "parse_text", broken)
    (tmp_path / "a.txt").write_text("Some text.")
    result = readers.read_file(tmp_path / "a.txt", LIMIT, label="docs/a.txt")
    assert (result.articles, [(s.path, s.reason) for s in result.skipped]) == \
        ([], [("docs/a.txt", "could not be read (RuntimeError: reader bug)")])
