"""Ingestion from the web against a real HTTP server on 127.0.0.1 (tests/webserver.py): pages and feeds in
`build`, bad URLs with their reasons, feeds remembered and updated with conditional GETs, polling; the CLI
with the real model and Chroma on disk."""

import json
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakes import WordCountEmbedder, fake_corpus  # noqa: E402
from webserver import FEEDS, allow_local, web  # noqa: E402,F401 (fixtures)

from index import Corpus, Feeds, Groups, IndexSettings, SkipKind, start_polling  # noqa: E402
from index.__main__ import main  # noqa: E402

SEEDS = Path(__file__).resolve().parent.parent.parent / "seeds"


def _settings(tmp_path, **env):
    """Index settings from the environment the tests set: the fixture server is on 127.0.0.1."""
    values = {"NEWSQA_ALLOW_LOCAL_URLS": "1", "NEWSQA_FETCH_TIMEOUT": "1", "NEWSQA_FETCH_MAX_MB": "1", **env}
    return IndexSettings.from_env(env=values, index_dir=tmp_path / "index", embed_model=WordCountEmbedder.name)


def _by_url(corpus, web):
    return {a.url.removeprefix(web.base): a for a in corpus.keyword.current().articles.values() if a.url}


def test_bad_urls_each_get_their_reason_and_lose_nothing(tmp_path, web):
    corpus = fake_corpus(_settings(tmp_path))
    corpus.add([str(SEEDS)])
    bad = ["/missing", "/slow", "/loop/a", "/image.png", "/huge", "/huge-declared", "/section"]
    report = corpus.add([web.url(p) for p in bad] + ["http://unreachable.invalid/story", "ftp://example.org/x",
                                                     web.url("/pages/12-euro-observer-zurich.html")])
    assert [(s.path.removeprefix(web.base), s.kind) for s in report.skipped] == [
        ("/missing", SkipKind.HTTP_ERROR), ("/slow", SkipKind.TIMEOUT), ("/loop/a", SkipKind.REDIRECTS),
        ("/image.png", SkipKind.UNSUPPORTED), ("/huge", SkipKind.TOO_LARGE), ("/huge-declared", SkipKind.TOO_LARGE),
        ("/section", SkipKind.NOT_ARTICLE), ("http://unreachable.invalid/story", SkipKind.UNREACHABLE),
        ("ftp://example.org/x", SkipKind.REFUSED)]
    reasons = {s.path.removeprefix(web.base): s.reason for s in report.skipped}
    assert reasons["/missing"] == "HTTP 404 Not Found"
    assert reasons["/loop/a"] == f"redirect loop: {web.base}/loop/b leads back to {web.base}/loop/a"
    assert reasons["/huge"] == "response too large: stopped reading at 1.1 MB, over the 1 MB limit (NEWSQA_FETCH_MAX_MB)"
    assert reasons["/image.png"] == "content type image/png is neither a web page nor a feed"
    assert report.added == 1
    zurich = _by_url(corpus, web)["/pages/12-euro-observer-zurich.html"]  # windows-1252, declared in a meta tag
    assert (zurich.title, zurich.source, zurich.date) == ("Zürich café owners protest new terrace fees",
                                                         "Euro Observer", "2024-04-03")
    assert len(corpus.keyword.current().articles) == 3  # the seeds are still there


def test_loopback_is_refused_without_the_setting(tmp_path, web, monkeypatch):
    monkeypatch.delenv("NEWSQA_ALLOW_LOCAL_URLS", raising=False)
    settings = IndexSettings.from_env(index_dir=tmp_path / "index", embed_model=WordCountEmbedder.name)
    report = fake_corpus(settings).add([web.url("/feeds/rss2.xml")])
    assert [(s.kind, s.reason) for s in report.skipped] == [
        (SkipKind.REFUSED, "127.0.0.1 resolves to 127.0.0.1, a loopback address: refused to prevent server-side "
                           "request forgery (set NEWSQA_ALLOW_LOCAL_URLS=1 to allow)")]
    assert web.requests == [] and report.added == 0


def test_a_page_refetched_with_new_text_replaces_its_article(tmp_path, web):
    corpus = fake_corpus(_settings(tmp_path))
    page = "/pages/11-sports-desk-final.html"
    assert corpus.add([web.url("/moved")]).added == 1  # a redirect to the page
    assert corpus.add([web.url("/moved")]).unchanged == 1
    route = web.routes[page]
    route.body = route.body.replace(b"41,000 fans", b"42,000 fans")
    report = corpus.add([web.url("/moved")])
    assert (report.added, report.updated, report.unchanged) == (0, 1, 0)
    (article,) = corpus.keyword.current().articles.values()
    assert "42,000 fans" in corpus.store.article_text(article.id) and article.url == web.url(page)


def test_feed_updates_use_conditional_gets_and_fetch_only_new_entries(tmp_path, web):
    corpus = fake_corpus(_settings(tmp_path))
    feeds = Feeds.open(corpus.settings)
    for name in ("rss2.xml", "rss1.rdf", "atom.xml"):
        feeds.add(web.url(f"/feeds/{name}"))
    first = feeds.update(corpus)
    assert [(c.status, c.entries, c.new) for c in first.checks] == [("new", 3, 3), ("new", 2, 2), ("new", 3, 3)]
    assert (first.index.added, first.index.copies, first.index.skipped) == (8, 1, [])
    articles = _by_url(corpus, web)
    assert articles["/pages/06-daily-courier-storm.html"].group == articles["/pages/05-coastal-wire-storm.html"].id
    assert articles["/pages/03-metro-ledger-transit.html"].author == "Priya Raman"

    seen = len(web.requests)
    second = feeds.update(corpus)
    assert [c.status for c in second.checks] == ["not_modified"] * 3 and second.index.added == 0
    assert web.paths()[seen:] == ["/feeds/rss2.xml", "/feeds/rss1.rdf", "/feeds/atom.xml"]
    for _, headers in web.requests[seen:]:
        assert (headers["If-None-Match"], headers["If-Modified-Since"]) == ('"v1"', "Thu, 14 Dec 2023 08:00:00 GMT")
        assert headers["User-Agent"].startswith("newsqa/")

    # the feed changes: one entry leaves, one arrives; only the new one's page is fetched, the old article stays
    xml = (FEEDS / "rss2.xml").read_text(encoding="utf-8")
    start, end = xml.index("<item>", xml.index("</item>")), xml.index("</item>", xml.index("ml-2024")) + 7
    xml = xml[:start] + ("<item><title>Drought aid approved for 3,400 farms</title>"
                         "<link>{base}/pages/09-prairie-herald-farm.html</link><guid>ph-drought</guid>"
                         "<pubDate>Fri, 28 Jul 2023 06:00:00 GMT</pubDate></item>") + xml[end:]
    web.set_feed("rss2.xml", xml, etag='"v2"')
    seen = len(web.requests)
    third = feeds.update(corpus, [web.url("/feeds/rss2.xml")])
    assert [(c.status, c.entries, c.new) for c in third.checks] == [("new", 3, 1)]
    assert web.paths()[seen:] == ["/feeds/rss2.xml", "/pages/09-prairie-herald-farm.html"]
    articles = _by_url(corpus, web)
    assert len(articles) == 9 and "/pages/03-metro-ledger-transit.html" in articles
    assert articles["/pages/09-prairie-herald-farm.html"].date == "2023-07-28"  # from the feed: the page has none
    assert [f.entries_read for f in feeds.list()] == [4, 2, 3]


def test_a_feed_with_broken_entries_indexes_the_good_one_and_retries_only_the_timeout(tmp_path, web):
    corpus = fake_corpus(_settings(tmp_path))
    feeds = Feeds.open(corpus.settings)
    feeds.add(web.url("/feeds/broken.xml"))
    report = feeds.update(corpus)
    assert [(s.path.removeprefix(web.base), s.kind.value) for s in report.index.skipped] == [
        ("/feeds/broken.xml#entry1", "unreadable"), ("/feeds/broken.xml#entry3", "refused"),
        ("/feeds/broken.xml#entry7", "duplicate"), ("/missing", "http_error"), ("/section", "not_article"),
        ("/slow", "timeout")]
    assert report.index.added == 1 and report.checks[0].reason == "1 to retry"
    seen = len(web.requests)
    feeds.update(corpus)
    assert web.paths()[seen:] == ["/feeds/broken.xml", "/slow"]  # no validators kept while an entry waits
    assert "If-None-Match" not in web.requests[seen][1]


def test_polling_updates_the_feeds_in_a_thread_until_stopped(tmp_path, web):
    corpus = fake_corpus(_settings(tmp_path))
    feeds = Feeds.open(corpus.settings)
    assert start_polling(feeds, corpus) is None  # NEWSQA_FEED_MINUTES is 0: off
    feeds.add(web.url("/feeds/rss1.rdf"))
    stop = start_polling(feeds, corpus, minutes=0.005)
    try:
        deadline = time.monotonic() + 30
        while web.paths().count("/feeds/rss1.rdf") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        stop.set()
    assert web.paths().count("/feeds/rss1.rdf") >= 2
    assert len(corpus.keyword.refresh(force=True).articles) == 2


@pytest.mark.slow
def test_cli_builds_feeds_pages_and_paths_then_remembers_and_updates_feeds(tmp_path, web, allow_local, capsys):
    index_dir = str(tmp_path / "index")

    def cli(*args):
        assert main([*args, "--index-dir", index_dir, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    built = cli("build", web.url("/feeds/atom.xml"), str(SEEDS), web.url("/pages/01-harbor-gazette-bridge.html"),
                web.url("/missing"))
    assert (built["added"], built["copies"]) == (6, 1)
    assert [(s["path"], s["kind"], s["reason"]) for s in built["skipped"]] == [
        (web.url("/missing"), "http_error", "HTTP 404 Not Found")]
    added = cli("feeds", "add", web.url("/feeds/rss2.xml"))
    assert [c["status"] for c in added["feeds"]] == ["new"]
    assert (added["index"]["added"], added["index"]["unchanged"]) == (2, 1)  # the bridge story was built already
    listed = cli("feeds", "list")
    assert [(f["url"], f["title"], f["entries_read"]) for f in listed] == [(web.url("/feeds/rss2.xml"),
                                                                          "Harbor City news", 3)]
    assert [c["status"] for c in cli("update")["feeds"]] == ["not_modified"]
    groups = cli("groups")
    assert groups["stats"] == {"groups": 7, "syndicated_groups": 1, "syndicated_articles": 2, "largest_group": 2}
    assert [[d["source"] for d in g] for g in groups["groups"]] == [["Coastal Wire", "Daily Courier"]]
    assert cli("feeds", "remove", listed[0]["id"])["url"] == web.url("/feeds/rss2.xml") and cli("feeds", "list") == []

    corpus = Corpus.open(IndexSettings.from_env(env={}, index_dir=Path(index_dir)))
    snapshot = corpus.keyword.current()
    assert len(snapshot.articles) == 8  # articles stay when their feed is removed
    for p in snapshot.passages:
        assert corpus.store.article_text(p.article_id)[p.start:p.end] == p.text
        assert p.group == snapshot.articles[p.article_id].group
    bridge = next(a for a in snapshot.articles.values() if a.source == "Harbor Gazette")
    assert (bridge.date, bridge.author, bridge.url) == ("2023-10-05", "Martha Okafor",
                                                        web.url("/pages/01-harbor-gazette-bridge.html"))
    assert Path(bridge.path).parent == Path(index_dir) / "pages"
    assert Groups.of(snapshot.articles).stats()["syndicated_groups"] == 1
