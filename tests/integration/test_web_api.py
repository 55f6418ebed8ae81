"""REST for the web: POST /api/articles {"url"} and /api/feeds against the fixture HTTP server (tests/webserver.py),
over the fakes (word-count embedder, in-memory Chroma); every bad URL a 4xx with its reason."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakes import fake_assistant  # noqa: E402
from serving import api_client  # noqa: E402
from webserver import web  # noqa: E402,F401 (fixture)


def _client(tmp_path):
    assistant = fake_assistant(tmp_path, allow_local_urls=True, fetch_timeout=1.0)
    return assistant, api_client(lambda: assistant, assistant.settings)


def test_an_article_url_is_fetched_and_indexed(tmp_path, web):
    assistant, client = _client(tmp_path)
    url = web.url("/pages/12-euro-observer-zurich.html")
    response = client.post("/api/articles", json={"url": url})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["report"]["added"] == 1
    assert [(a["title"], a["source"], a["url"]) for a in body["articles"]] == [
        ("Zürich café owners protest new terrace fees", "Euro Observer", url)]


def test_bad_urls_are_4xx_with_the_reason(tmp_path, web):
    _, client = _client(tmp_path)
    cases = {web.url("/missing"): "HTTP 404 Not Found", "ftp://example.org/x": "only http and https",
             "not a url": "is not an http(s) URL", web.url("/image.png"): "neither a web page nor a feed"}
    for url, reason in cases.items():
        response = client.post("/api/articles", json={"url": url})
        assert response.status_code == 422 and reason in response.json()["error"], (url, response.text)
    assert client.post("/api/articles", json={"link": "x"}).status_code == 422
    assert client.post("/api/articles", content=b"{", headers={"content-type": "application/json"}).status_code == 422
    assert client.get("/api/articles").json()["articles"] == []


def test_feeds_are_remembered_listed_and_removed(tmp_path, web):
    assistant, client = _client(tmp_path)
    url = web.url("/feeds/rss2.xml")
    response = client.post("/api/feeds", json={"url": url})
    assert response.status_code == 201, response.text
    added = response.json()["report"]["added"]
    assert added >= 2 and len(assistant.articles()) == added
    feeds = client.get("/api/feeds").json()["feeds"]
    assert [f["url"] for f in feeds] == [url]
    again = client.post("/api/feeds", json={"url": url})  # seen entries are not fetched again
    assert again.status_code == 201 and again.json()["report"]["added"] == 0
    assert client.delete(f"/api/feeds/{feeds[0]['id']}").json()["removed"]["url"] == url
    assert client.get("/api/feeds").json()["feeds"] == []
    assert len(assistant.articles()) == added  # a feed's articles stay when it is forgotten
    assert client.delete(f"/api/feeds/{feeds[0]['id']}").status_code == 404
    assert client.post("/api/feeds", json={"url": "file:///etc/passwd"}).status_code == 422
