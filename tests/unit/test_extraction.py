"""Extraction of saved news pages (tests/data/pages): trafilatura against the markup reader it replaced."""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from extraction import PAGES, compare, page_html  # noqa: E402

from index.extract import not_an_article  # noqa: E402
from index.readers import parse_html  # noqa: E402


def test_trafilatura_extracts_better_than_the_markup_reader_on_every_page():
    results = compare()
    assert len(results) == 12
    for name, scores in results.items():
        assert scores["trafilatura"].f1 >= scores["beautifulsoup"].f1, name
        assert scores["trafilatura"].recall == 1.0, name
    mean = sum(s["trafilatura"].f1 for s in results.values()) / len(results)
    assert round(mean, 3) == 0.983
    right = [sum(getattr(s["trafilatura"], k) for s in results.values()) for k in ("title", "date", "author")]
    assert right == [11, 11, 11]  # the legacy table page (09) has none in its markup


def test_a_page_without_an_article_tag_gets_its_text_and_json_ld_metadata():
    name = "02-valley-times-wildfire.html"
    expected = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))[name]
    article = parse_html(page_html(name), name)
    assert (article.title, article.source, article.date, article.author) == (
        expected["title"], "Valley Times", "2023-08-14", "Daniel Whitfield")
    assert article.text == expected["text"]


def test_a_windows_1252_page_decoded_by_its_meta_charset_keeps_its_accents():
    article = parse_html(page_html("12-euro-observer-zurich.html"), "z.html")
    assert article.title == "Zürich café owners protest new terrace fees"
    assert "Zoë Brändli" in article.text and article.author == "Sébastien Müller"


def test_a_section_front_is_not_an_article():
    article = parse_html((PAGES / "section-harbor-gazette-news.html").read_text(encoding="utf-8"), "s.html",
                         url="https://www.harborgazette.example/news")
    assert not_an_article(article) == ("not an article: 9 words of running text (an article has at least 40); "
                                       "a section front, index or error page?")
    assert not_an_article(parse_html(page_html("01-harbor-gazette-bridge.html"), "b.html")) is None


def test_a_page_without_outlet_metadata_is_credited_to_its_host():
    html = page_html("03-metro-ledger-transit.html").replace('<meta property="og:site_name" content="Metro Ledger">', "")
    article = parse_html(html, "", url="https://www.metroledger.example/transit/fares")
    assert (article.source, article.url) == ("metroledger.example", "https://www.metroledger.example/transit/fares")
