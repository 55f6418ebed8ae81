"""The REST layer's contract over the fakes: every domain error as its status with {"error": ...}, credentials,
bad bodies (no model is loaded)."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from serving import api_client
from fakes import fake_assistant

from index import SEEDS

TROOPS = "How many US troops remain?"


@pytest.fixture(scope="module")
def client(fake_seeds):
    """A client over the shared fake seed index (read-only use)."""
    return api_client(lambda: fake_seeds, fake_seeds.settings)


@pytest.fixture()
def fresh_assistant(tmp_path):
    """A private fake assistant over the seeds, free to modify."""
    return fake_assistant(tmp_path, files=[SEEDS])


@pytest.fixture()
def writable(fresh_assistant):
    """A client over the private fake assistant."""
    return api_client(lambda: fresh_assistant, fresh_assistant.settings)


@pytest.mark.parametrize("payload, status, message", [
    ({"question": ""}, 422, "The question is empty: type a question about the news articles."),
    ({"question": "   \n\t "}, 422, "The question is empty: type a question about the news articles."),
    ({"question": "x" * 2001}, 422, "The question is 2,001 characters long; the limit is 2,000."),
    ({"question": 42}, 422, "question: Input should be a valid string"),
    ({}, 422, "question: Field required"),
    ({"question": TROOPS, "k": 0}, 422, "k: Input should be greater than or equal to 1"),
    ({"question": "", "stream": True}, 422, "The question is empty: type a question about the news articles."),
])
def test_bad_questions_get_json_errors(client, payload, status, message):
    response = client.post("/api/ask", json=payload)
    assert (response.status_code, response.json()) == (status, {"error": message})


def test_question_of_exactly_the_limit_is_accepted(client):
    assert client.post("/api/ask", json={"question": "troops " * 285 + "Iraq?"}).status_code == 200


def test_malformed_json_is_400(client):
    response = client.post("/api/ask", content=b'{"question": "How many', headers={"content-type": "application/json"})
    assert (response.status_code, response.json()) == (400, {"error": "Malformed JSON in the request body."})


def test_unknown_article_is_404(client):
    assert client.get("/api/articles/nope").status_code == 404
    assert client.get("/api/articles/nope").json() == {"error": "No article with id 'nope'"}
    assert client.get("/api/search").status_code == 422
    assert client.get("/api/nothing-here").json() == {"error": "Not Found"}


@pytest.mark.parametrize("name, data, status, message", [
    ("report.pdf", b"%PDF-1.4", 415, "'report.pdf': unsupported file type .pdf; use one of "
                                     ".htm, .html, .json, .jsonl, .markdown, .md, .ndjson, .txt"),
    ("empty.txt", b"   \n", 422, None),
    ("broken.json", b'{"title": "x", ', 422, None),
])
def test_bad_uploads_are_rejected_whole(writable, fresh_assistant, name, data, status, message):
    response = writable.post("/api/articles", files={"file": (name, data)})
    assert response.status_code == status
    assert response.json()["error"] == message if message else name in response.json()["error"]
    assert writable.get("/api/health").json()["articles"] == 2
    uploads = fresh_assistant.settings.index_dir / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_uploading_an_indexed_article_again_is_409_without_server_paths(writable):
    seed = (SEEDS / "003_223332f489a77368.txt").read_bytes()
    response = writable.post("/api/articles", files={"file": ("copy.txt", seed)})
    assert response.status_code == 409
    assert response.json()["error"].startswith("'copy.txt' was not indexed: already in the index (Two terrorist")
    assert "/" not in response.json()["error"].split("(", 1)[1]
    assert writable.get("/api/health").json()["articles"] == 2


def test_upload_over_the_limit_is_413(fresh_assistant):
    settings = replace(fresh_assistant.settings, max_upload_mb=0.0001)
    client = api_client(lambda: fresh_assistant, settings)
    response = client.post("/api/articles", files={"file": ("big.txt", b"word " * 100)})
    assert (response.status_code, response.json()) == \
        (413, {"error": "'big.txt': file is 0.0 MB, over the 0.0001 MB limit (NEWSQA_MAX_UPLOAD_MB)"})
    assert client.get("/api/health").json()["articles"] == 2


def test_missing_index_is_503(tmp_path):
    from qa import Settings
    from qa.serve.server import AssistantSource

    settings = Settings.from_env(env={}, index_dir=tmp_path / "none")
    client = api_client(AssistantSource(settings), settings)
    for response in (client.get("/api/health"), client.post("/api/ask", json={"question": TROOPS})):
        assert response.status_code == 503
        assert response.json()["error"] == ("No index at $NEWSQA_INDEX_DIR: build one with "
                                            "`python -m index build PATH --index-dir $NEWSQA_INDEX_DIR`")
        assert str(tmp_path) not in response.text, "no server path in an answer to the network"


def test_api_token_is_required_when_set(fake_seeds):
    client = api_client(lambda: fake_seeds, replace(fake_seeds.settings, api_token="s3cret"))
    assert client.get("/api/health").status_code == 200
    denied = client.get("/api/stats")
    assert denied.status_code == 401 and denied.headers["www-authenticate"] == "Bearer"
    assert denied.json() == {"error": "Missing or wrong credentials: send 'Authorization: Bearer ...'"}
    assert client.get("/api/stats", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/api/stats", headers={"Authorization": "Bearer s3cret"}).json()["articles"] == 2
    asked = client.post("/api/ask", json={"question": TROOPS}, headers={"Authorization": "Bearer s3cret"})
    assert asked.status_code == 200


def test_ui_credentials_protect_rest_when_no_token(fake_seeds):
    client = api_client(lambda: fake_seeds, replace(fake_seeds.settings, ui_auth="ann:pw"))
    good = base64.b64encode(b"ann:pw").decode()
    assert client.get("/api/articles").status_code == 401
    assert client.get("/api/articles", headers={"Authorization": "Basic bm9wZQ=="}).status_code == 401
    assert client.get("/api/articles", headers={"Authorization": f"Basic {good}"}).status_code == 200


