"""URL checks, decoding, feed parsing of fixture bytes and the feed registry: no server, no model."""

import socket
from pathlib import Path

import httpx
import pytest

from index import FeedNotFound, Feeds, IndexSettings, SkipKind, UnsupportedUrl
from index.fetch import Fetcher, FetchError, check_url, decode, is_http_url, is_url
from index.web import parse_feed

FEEDS = Path(__file__).resolve().parent.parent / "data" / "feeds"
BASE = "https://news.example"


def _feed(name):
    return parse_feed((FEEDS / name).read_text(encoding="utf-8").replace("{base}", BASE).encode(), f"{BASE}/{name}")


def _refused(url, allow_local=False):
    with pytest.raises(FetchError) as raised:
        check_url(url, allow_local)
    return raised.value.kind, raised.value.reason


@pytest.mark.parametrize("url, kind", [("http://127.0.0.1:8080/x", "loopback"), ("http://[::1]/", "loopback"),
                                       ("http://10.1.2.3/", "private"), ("http://192.168.0.10/", "private"),
                                       ("http://169.254.169.254/latest/meta-data/", "link-local"),
                                       ("http://[::ffff:127.0.0.1]/", "loopback"), ("http://0.0.0.0/", "private"),
                                       ("http://localhost/", "loopback")])
def test_non_public_addresses_are_refused_unless_allowed(url, kind):
    refused = _refused(url)
    assert refused[0] is SkipKind.REFUSED and f"a {kind} address" in refused[1]
    assert refused[1].endswith("(set NEWSQA_ALLOW_LOCAL_URLS=1 to allow)")
    check_url(url, allow_local=True)


def test_only_http_urls_with_a_host_are_fetched():
    assert _refused("ftp://news.example/a") == (SkipKind.REFUSED, "only http and https URLs are fetched, not 'ftp'")
    assert _refused("file:///etc/passwd", True)[0] is SkipKind.REFUSED
    assert _refused("http://:80/x", True) == (SkipKind.UNREADABLE, "malformed URL: no host")
    assert [is_url(u) for u in ("https://a.example/x", "HTTP://a.example", "a.example/x", "/tmp/x.html")] == [
        True, True, False, False]
    assert (is_url("ftp://a.example/x"), is_http_url("ftp://a.example/x"), is_http_url("https://a.example")) == (
        True, False, True)


def test_every_redirect_hop_is_checked(monkeypatch):
    public = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 80))]
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, *a, **k: public if host == "news.example" else real(host, *a, **k))
    asked = []

    def answer(request):
        asked.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    fetcher = Fetcher(IndexSettings.from_env(env={}), transport=httpx.MockTransport(answer))
    with pytest.raises(FetchError) as raised:
        fetcher.get("http://news.example/story")
    assert raised.value.kind is SkipKind.REFUSED and "169.254.169.254, a link-local address" in raised.value.reason
    assert asked == ["http://news.example/story"]


def test_pages_are_decoded_by_declared_inline_or_detected_charset():
    text = "<html><head><meta charset=\"windows-1252\"></head><body><p>Zürich café – “quoted”</p></body></html>"
    data = text.encode("cp1252")
    assert "Zürich café – “quoted”" in decode(data)  # the meta tag's charset
    assert "Zürich café – “quoted”" in decode(data, "windows-1252")  # the header's
    assert "Zürich" in decode(text.replace("windows-1252", "utf-8").encode("cp1252"))  # a wrong declaration
    assert decode("<p>naïve</p>".encode("utf-8"), "no-such-charset") == "<p>naïve</p>"
    assert decode("<p>naïve</p>".encode("latin-1"), "iso-8859-1") == "<p>naïve</p>"


def test_rss2_rss1_and_atom_feeds_give_their_entries():
    rss2, rss1, atom = _feed("rss2.xml"), _feed("rss1.rdf"), _feed("atom.xml")
    assert [(e.key, e.link.removeprefix(BASE), e.date, e.author) for e in rss2.entries] == [
        ("hg-2023-10-05-bridge", "/pages/01-harbor-gazette-bridge.html", "2023-10-05", "Martha Okafor"),
        ("ml-2024-02-21-fares", "/pages/03-metro-ledger-transit.html", "2024-02-21", None),
        ("np-2023-10-03-election", "/pages/04-northern-post-election.html", "2023-10-03", None)]
    assert rss2.title == "Harbor City news" and rss2.skipped == []
    assert [e.link.removeprefix(BASE) for e in rss1.entries] == ["/pages/02-valley-times-wildfire.html",
                                                                 "/pages/07-tech-chronicle-chips.html"]
    assert [(e.key, e.link, e.stamp) for e in atom.entries][1] == (
        "urn:daily-courier:helena-power-marlow", f"{BASE}/pages/06-daily-courier-storm.html", "2023-11-02T18:30:00Z")


def test_a_feed_with_broken_entries_keeps_the_good_ones_and_says_why_for_the_rest():
    feed = _feed("broken.xml")
    assert feed.title == "River City & region"  # not well-formed XML (a bare &): read leniently
    assert [e.link.removeprefix(BASE) for e in feed.entries] == [
        "/missing", "/section", "/slow", "/pages/08-river-city-news-school.html"]
    assert [(s.path.removeprefix(BASE), s.kind, s.title) for s in feed.skipped] == [
        ("/broken.xml#entry1", SkipKind.UNREADABLE, "An entry without a link"),
        ("/broken.xml#entry3", SkipKind.REFUSED, "Not a web link"),
        ("/broken.xml#entry7", SkipKind.DUPLICATE, "The same story again")]


def test_a_page_is_not_a_feed():
    assert parse_feed(b"<html><body><p>Hello</p></body></html>", BASE) is None
    assert parse_feed(b"", BASE) is None


def test_feeds_are_added_listed_and_removed(tmp_path):
    feeds = Feeds.open(IndexSettings.from_env(env={}, index_dir=tmp_path))
    assert feeds.list() == []
    first = feeds.add("https://news.example/rss.xml")
    assert feeds.add(" https://news.example/rss.xml ") == first  # once
    feeds.add("https://other.example/atom.xml")
    assert [f.url for f in Feeds.open(IndexSettings.from_env(env={}, index_dir=tmp_path)).list()] == [
        "https://news.example/rss.xml", "https://other.example/atom.xml"]
    assert feeds.remove(first.id) == first and feeds.get("https://other.example/atom.xml").entries_read == 0
    with pytest.raises(FeedNotFound, match="No feed 'https://news.example/rss.xml'"):
        feeds.remove("https://news.example/rss.xml")
    with pytest.raises(UnsupportedUrl, match="'news.example/rss' is not an http"):
        feeds.add("news.example/rss")
    assert (tmp_path / "feeds.json").exists()
