"""Server mode: app instances share one real Chroma server (`chroma run`), index through it and see each
other's articles; an authenticating proxy in front of it, a server that goes away, and the CLI's env vars."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS
from serving import LOCAL
from qa.bench.services import free_port, service

pytestmark = pytest.mark.slow

TROOPS = "How many US troops remain?"
SEED_IDS = {"13c60e9b7cba16c2", "b3983ad9117060e8"}
MARS = (b"title Mars base opens\ndate 2023-01-05\nsource Space Wire\n\n"
        b"The first crewed base on Mars opened on Thursday near Jezero crater. "
        b"Twelve astronauts will live in its pressurised domes for two years, the agency said.\n")
MARS_Q = "How many astronauts will live in the Mars base?"
REFRESH = 0.5


def chroma_cli() -> str:
    """The `chroma` command the chromadb package installs beside this Python."""
    found = Path(sys.executable).with_name("chroma")
    return str(found) if found.exists() else shutil.which("chroma") or pytest.fail("chromadb's `chroma` CLI is missing")


@contextmanager
def chroma_server(path: Path, port: int | None = None):
    """Run `chroma run --path PATH --host 127.0.0.1 --port N` until the block ends; yields the port."""
    port = port or free_port()
    command = [chroma_cli(), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with service(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", path.with_suffix(".log"), 60):
        yield port


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One Chroma server for the module."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server") / "data") as port:
        yield port


def instance_settings(folder: Path, port: int, collection: str, **overrides):
    """The settings of one app instance (its own local folder) using the Chroma server."""
    from qa import Settings

    return Settings.from_env(env={}, **{"index_dir": folder, "chroma_host": "127.0.0.1", "chroma_port": port,
                                        "collection": collection, "keyword_refresh_seconds": REFRESH, **overrides})


def eventually(check, seconds: float = 10.0):
    """Poll check() until it returns a truthy value (returned) or the time is up (AssertionError)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            assert value, "condition not met in time"
            return value
        time.sleep(0.1)


def ids(assistant) -> set[str]:
    """The article ids an instance sees."""
    return {a.id for a in assistant.articles()}


@pytest.fixture(scope="module")
def pair(server, tmp_path_factory):
    """Two instances on one collection: the second opened empty, before the first indexed the seeds."""
    from qa import Assistant

    one = Assistant.open(settings=instance_settings(tmp_path_factory.mktemp("one"), server, "shared"), create=True)
    two = Assistant.open(settings=instance_settings(tmp_path_factory.mktemp("two"), server, "shared"), create=True)
    assert ids(one) == ids(two) == set()
    report = one.add_files([SEEDS])
    assert (report.added, report.skipped) == (2, [])
    return one, two


def test_second_instance_sees_what_the_first_indexed(pair):
    one, two = pair
    assert ids(one) == SEED_IDS
    assert eventually(lambda: ids(two) == SEED_IDS)
    assert two.stats()["passages"] == one.stats()["passages"] > 0
    assert two.stats()["server_mode"] is True
    for article_id in SEED_IDS:
        assert two.article_text(article_id) == one.article_text(article_id)


def test_both_instances_answer_the_troops_question_from_both_seeds(pair):
    answers = [instance.ask(TROOPS) for instance in pair]
    for answer in answers:
        assert "2,500" in answer.text and not answer.refused
        assert {c.article_id for c in answer.citations} == SEED_IDS
    assert answers[0].text == answers[1].text
    assert [c.quote for c in answers[0].citations] == [c.quote for c in answers[1].citations]


def test_upload_on_one_is_answered_by_the_other_and_removal_is_seen_by_both(pair):
    from qa import ArticleNotFound

    one, two = pair
    (mars_id,) = one.add_upload("mars.txt", MARS).article_ids
    assert eventually(lambda: mars_id in ids(two))
    answer = two.ask(MARS_Q)
    assert [c.article_id for c in answer.citations] == [mars_id]
    assert "Twelve astronauts" in answer.text
    two.remove_article(mars_id)
    assert ids(two) == SEED_IDS
    assert eventually(lambda: ids(one) == SEED_IDS)
    with pytest.raises(ArticleNotFound):
        one.article_text(mars_id)
    assert mars_id not in {c.article_id for c in one.ask(MARS_Q).citations}


def test_an_instance_refreshes_at_most_every_refresh_seconds(server, tmp_path):
    from qa import Assistant

    writer = Assistant.open(settings=instance_settings(tmp_path / "w", server, "throttle"), create=True)
    reader = Assistant.open(settings=instance_settings(tmp_path / "r", server, "throttle",
                                                       keyword_refresh_seconds=3600.0), create=True)
    assert ids(reader) == set()
    (mars_id,) = writer.add_upload("mars.txt", MARS).article_ids
    assert ids(reader) == set(), "checked the store before keyword_refresh_seconds passed"
    reader.refresh()
    assert ids(reader) == {mars_id}


def test_prune_on_one_instance_keeps_articles_indexed_elsewhere(server, tmp_path):
    """Files indexed by another machine are invisible here: prune must only judge the paths it was given."""
    from qa import Assistant

    elsewhere, here = tmp_path / "elsewhere", tmp_path / "here"
    for folder, names in ((elsewhere, ["e1"]), (here, ["h1", "h2"])):
        folder.mkdir()
        for name in names:
            (folder / f"{name}.txt").write_text(f"title Report {name}\n\nThe {name} depot in Oslo counted "
                                                f"{len(name) * 7} buses on Monday.\n")
    one = Assistant.open(settings=instance_settings(tmp_path / "one", server, "prune"), create=True)
    two = Assistant.open(settings=instance_settings(tmp_path / "two", server, "prune"), create=True)
    assert one.add_files([elsewhere]).added == 1
    assert two.add_files([here]).added == 2
    elsewhere.rename(tmp_path / "moved")  # the other machine's files do not exist here
    assert two.add_files([here], prune=True).removed == 0
    one.refresh()
    assert len(one.articles()) == 3
    (here / "h2.txt").unlink()
    assert two.add_files([here], prune=True).removed == 1
    one.refresh()
    assert sorted(a.title for a in one.articles()) == ["Report e1", "Report h1"]


class _AuthProxy(BaseHTTPRequestHandler):
    """Forwards to the Chroma server only requests carrying the expected Authorization header."""

    protocol_version = "HTTP/1.1"
    upstream: int = 0
    token: str = ""
    seen: list = []

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.seen.append(self.headers.get("authorization"))
        if self.headers.get("authorization") != f"Bearer {self.token}":
            status, headers, data = 401, {"content-type": "application/json"}, b'{"error":"Unauthorized"}'
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.upstream, timeout=30)
            conn.request(self.command, self.path, body=body or None,
                         headers={k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")})
            reply = conn.getresponse()
            status, data = reply.status, reply.read()
            headers = {k: v for k, v in reply.getheaders()
                       if k.lower() not in ("transfer-encoding", "connection", "content-length")}
            conn.close()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

    def log_message(self, *args) -> None:
        """Quiet."""


def test_chroma_headers_authenticate_through_a_token_proxy(server, tmp_path):
    """Chroma 1.x leaves auth to a proxy in front of it; NEWSQA_CHROMA_HEADERS must reach it on every call."""
    from qa import Assistant, IndexUnavailable, Settings

    handler = type("Proxy", (_AuthProxy,), {"upstream": server, "token": "s3cret", "seen": []})
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        env = {"NEWSQA_CHROMA_HOST": "127.0.0.1", "NEWSQA_CHROMA_PORT": str(proxy.server_address[1]),
               "NEWSQA_CHROMA_HEADERS": "Authorization: Bearer s3cret", "NEWSQA_COLLECTION": "authed",
               "NEWSQA_INDEX_DIR": str(tmp_path / "authed")}
        settings = Settings.from_env(env=env)
        assistant = Assistant.open(settings=settings, create=True)
        (mars_id,) = assistant.add_upload("mars.txt", MARS).article_ids
        assert [c.article_id for c in assistant.ask(MARS_Q).citations] == [mars_id]
        assert handler.seen and set(handler.seen) == {"Bearer s3cret"}
        with pytest.raises(IndexUnavailable, match=r"127\.0\.0\.1:\d+"):
            Assistant.open(settings=replace(settings, chroma_headers="Authorization: Bearer wrong"))
        with pytest.raises(IndexUnavailable):
            Assistant.open(settings=replace(settings, chroma_headers=""))
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_a_server_that_goes_away_is_a_clear_error_and_recovery_is_automatic(tmp_path):
    """While the server is down: IndexUnavailable (HTTP 503), nothing lost; once it is back, answers resume."""
    from fastapi.testclient import TestClient

    from qa import Assistant, IndexUnavailable
    from qa.serve.api import create_api

    data, port = tmp_path / "data", free_port()
    with chroma_server(data, port):
        settings = instance_settings(tmp_path / "app", port, "downtime", keyword_refresh_seconds=0.0)
        assistant = Assistant.open(settings=settings, create=True)
        (mars_id,) = assistant.add_upload("mars.txt", MARS).article_ids
    client = TestClient(create_api(lambda: assistant, settings), base_url=LOCAL)
    with pytest.raises(IndexUnavailable, match=f"127.0.0.1:{port}"):
        assistant.ask(MARS_Q)
    with pytest.raises(IndexUnavailable):
        assistant.add_upload("late.txt", b"title Late\n\nA late article about 3 trains in Leeds.\n")
    response = client.post("/api/ask", json={"question": MARS_Q})
    assert response.status_code == 503 and f"127.0.0.1:{port}" in response.json()["error"]
    with chroma_server(data, port):
        assert [c.article_id for c in assistant.ask(MARS_Q).citations] == [mars_id]
        assert client.post("/api/ask", json={"question": MARS_Q}).status_code == 200
        assert ids(assistant) == {mars_id}


def test_cli_uses_the_server_from_env_vars(pair, server, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(NEWSQA_CHROMA_HOST="127.0.0.1", NEWSQA_CHROMA_PORT=str(server), NEWSQA_COLLECTION="shared",
               NEWSQA_INDEX_DIR=str(tmp_path / "cli"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "qa", "ask", TROOPS, "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    body = json.loads(done.stdout)
    assert "2,500" in body["answer"] and {c["article_id"] for c in body["citations"]} == SEED_IDS
    assert not (tmp_path / "cli" / "chroma").exists(), "server mode must not create a local Chroma"
