"""The real server: `python app.py` on a free port over a fresh index folder, called by gradio_client and httpx."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import httpx
import pytest

from conftest import ROOT
from serving import LOCAL, app_env, free_port, running_server

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

TROOPS = "How many US troops remain?"
HARBOURS = [a + b for a in ("Bel", "Cor", "Dun", "Fal", "Gor", "Hal")
            for b in ("mouth", "haven", "stead", "wick", "ford")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """app.py over an empty index folder (so it builds the seed index first); yields (url, log path)."""
    folder = tmp_path_factory.mktemp("server")
    log = folder / "server.log"
    with running_server(folder / "index", log) as url:
        yield url, log


@pytest.mark.slow
def test_server_builds_the_seeds_and_prints_its_url(server):
    url, log = server
    output = log.read_text()
    assert "indexing the seed articles first" in output
    assert "added 2, updated 0, unchanged 0, removed 0, skipped 0" in output
    assert f"newsqa is running at {url}" in output
    assert httpx.get(url + "api/health").json() == {"status": "ok", "articles": 2}
    assert httpx.get(url).status_code == 200
    config = httpx.get(url + "config").json()
    assert config["title"] == "newsqa" and config["analytics_enabled"] is False
    assert httpx.get(url + "docs").status_code == 200
    paths = httpx.get(url + "openapi.json").json()["paths"]
    assert {"/api/ask", "/api/search", "/api/articles", "/api/articles/{article_id}", "/api/health",
            "/api/stats"} <= set(paths)


@pytest.mark.slow
def test_gradio_client_gets_the_answer(server):
    from gradio_client import Client

    url, _ = server
    client = Client(url, verbose=False)
    assert "/ask" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    history, answer_json = client.predict(TROOPS, [], api_name="/ask")
    answer = json.loads(answer_json)
    assert "2,500" in answer["answer"] and answer["refused"] is False
    assert [m["role"] for m in history] == ["user", "assistant"]
    shown = history[1]["content"][0]["text"]
    assert "2,500" in shown and "<mark>" in shown and "nqa-source" in shown
    history, follow_json = client.predict("And in Mosul?", history, api_name="/ask")
    assert "Mosul" in json.loads(follow_json)["rewritten_question"]
    assert len(history) == 4


@pytest.mark.slow
def test_rest_over_httpx(server):
    url, _ = server
    body = httpx.post(url + "api/ask", json={"question": TROOPS}, timeout=60).json()
    assert "2,500" in body["answer"]
    assert len(body["citations"]) == 2
    bad = httpx.post(url + "api/ask", json={"question": ""})
    assert (bad.status_code, bad.json()) == \
        (422, {"error": "The question is empty: type a question about the news articles."})


@pytest.mark.slow
def test_the_server_answers_while_it_indexes_an_upload(server):
    """The upload runs in a worker thread: health is served during it, asks stay right, nothing is lost."""
    url, _ = server
    records = "".join(json.dumps({"title": f"{name} harbour report", "source": "Port Gazette",
                                  "date": f"2023-03-{i % 28 + 1:02d}",
                                  "text": " ".join(f"The harbour of {name} handled {1000 + 20 * i + j} ships in week "
                                                   f"{j}, the port authority said in its report on cargo and ferries."
                                                   for j in range(14))}) + "\n" for i, name in enumerate(HARBOURS))
    done = threading.Event()
    result = {}

    def upload():
        """Post the file; remember the response."""
        result["response"] = httpx.post(url + "api/articles", files={"file": ("harbours.jsonl", records.encode())},
                                        timeout=600)
        done.set()

    worker = threading.Thread(target=upload)
    worker.start()
    served_during = 0
    while not done.is_set():
        started = time.monotonic()
        assert httpx.get(url + "api/health", timeout=30).status_code == 200
        served_during += not done.is_set() and time.monotonic() - started < 5
        time.sleep(0.05)
    asked = httpx.post(url + "api/ask", json={"question": TROOPS}, timeout=120).json()
    worker.join()
    response = result["response"]
    assert response.status_code in (201, 202), response.text
    report = response.json()["report"] if response.status_code == 201 else _job_report(url, response)
    assert report["added"] == 30
    assert served_during >= 1
    assert "2,500" in asked["answer"]
    articles = httpx.get(url + "api/articles").json()["articles"]
    assert sum(a["source"] == "Port Gazette" for a in articles) == 30
    answer = httpx.post(url + "api/ask", json={"question": "How many ships did Falwick handle in week 3?"},
                        timeout=120).json()
    assert HARBOURS.index("Falwick") == 18 and "1363" in answer["answer"], answer


@pytest.mark.slow
def test_refuses_a_public_host_without_credentials(tmp_path):
    env = app_env(tmp_path / "index", free_port(), NEWSQA_HOST="0.0.0.0")
    done = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("error: Refusing to listen on 0.0.0.0:")
    assert "NEWSQA_API_TOKEN" in done.stderr and "NEWSQA_UI_AUTH" in done.stderr
    assert not (tmp_path / "index").exists()


@pytest.mark.slow
@pytest.mark.parametrize("token, ui_auth, user, password, rest_header", [
    ("tok", "", "anyone", "tok", {"Authorization": "Bearer tok"}),
    ("", "ann:pw", "ann", "pw", {"Authorization": "Basic YW5uOnB3"}),
])
def test_one_credential_guards_ui_and_rest(seed_settings, token, ui_auth, user, password, rest_header):
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from qa.serve.server import AssistantSource, build_app

    settings = replace(seed_settings, api_token=token, ui_auth=ui_auth)
    with TestClient(build_app(AssistantSource(settings), settings), base_url=LOCAL) as client:
        assert client.get("/gradio_api/info").status_code == 401
        assert client.get("/api/stats").status_code == 401
        assert client.get("/api/stats", headers=rest_header).json()["articles"] == 2
        assert client.post("/login", data={"username": user, "password": "wrong"}).status_code == 400
        assert client.post("/login", data={"username": user, "password": password}).json() == {"success": True}
        assert "/ask" in client.get("/gradio_api/info").json()["named_endpoints"]


def _job_report(url: str, accepted) -> dict:
    """The report of an upload answered 202 (slower than NEWSQA_UPLOAD_WAIT_SECONDS), once its job is done."""
    job = accepted.json()["job"]
    assert accepted.headers["Location"] == f"/api/jobs/{job['id']}"
    deadline = time.monotonic() + 600
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = httpx.get(url + f"api/jobs/{job['id']}", timeout=30).json()
    assert job["state"] == "done", job
    return job["report"]
