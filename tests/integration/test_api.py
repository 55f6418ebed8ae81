"""REST API tests against a real on-disk index (FastAPI TestClient over the seed index)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from serving import api_client

from conftest import SEEDS

pytestmark = pytest.mark.slow

TROOPS = "How many US troops remain?"
SEED_IDS = {"13c60e9b7cba16c2", "b3983ad9117060e8"}
LIBRARY = (b"Title: Exampleton opens libraries\nSource: Test Wire\nDate: 2023-05-02\n\n"
           b"The town of Exampleton opened 17 new public libraries on Monday, the mayor said. "
           b"Each library lends books, maps and bicycles to residents.\n")


@pytest.fixture(scope="module")
def client(assistant):
    """A client over the shared seed index (read-only use)."""
    return api_client(lambda: assistant, assistant.settings)


@pytest.fixture()
def writable(fresh_assistant):
    """A client over a private copy of the seed index."""
    return api_client(lambda: fresh_assistant, fresh_assistant.settings)


def test_health_and_stats(client, seed_settings):
    assert client.get("/api/health").json() == {"status": "ok", "articles": 2}
    stats = client.get("/api/stats").json()
    articles = client.get("/api/articles").json()["articles"]
    assert stats["articles"] == 2
    assert stats["date_range"] == ["2022-12-18", "2022-12-18"]
    assert stats["undated_articles"] == 1
    assert stats["outlets"] == []
    assert stats["passages"] == sum(a["passages"] for a in articles)
    assert {a["id"] for a in articles} == SEED_IDS
    assert {a["path"].rsplit("/", 1)[-1] for a in articles} == {p.name for p in SEEDS.iterdir()}


def test_ask_answers_with_both_seed_articles(client):
    response = client.post("/api/ask", json={"question": TROOPS})
    assert response.status_code == 200
    body = response.json()
    assert body["question"] == TROOPS and body["refused"] is False
    assert "2,500" in body["answer"]
    assert len(body["citations"]) == 2
    assert {c["article_id"] for c in body["citations"]} == SEED_IDS
    assert [c["n"] for c in body["citations"]] == [1, 2]
    for c in body["citations"]:
        assert f"[{c['n']}]" in body["answer"]
        text = client.get(f"/api/articles/{c['article_id']}").json()["text"]
        assert text[c["start"]:c["end"]] == c["quote"]
        assert c["passage_text"][c["start"] - c["passage_start"]:c["end"] - c["passage_start"]] == c["quote"]
    assert {c["date"] for c in body["citations"]} == {"2022-12-18", None}


def test_ask_is_the_assistants_answer(client, assistant):
    body = client.post("/api/ask", json={"question": TROOPS, "k": 6}).json()
    expected = assistant.ask(TROOPS, k=6).to_dict()
    assert {k: v for k, v in body.items() if k != "timings_ms"} == \
        {k: v for k, v in expected.items() if k != "timings_ms"}


def test_follow_up_is_rewritten_with_history(client, assistant):
    history = [{"role": "user", "content": TROOPS}, {"role": "assistant", "content": "About 2,500."}]
    body = client.post("/api/ask", json={"question": "And in Mosul?", "history": history}).json()
    assert body["rewritten_question"] == assistant.ask("And in Mosul?", history=history).rewritten_question
    assert "troops" in body["rewritten_question"] and "Mosul" in body["rewritten_question"]
    pairs = client.post("/api/ask", json={"question": "And in Mosul?", "history": [[TROOPS, "About 2,500."]]})
    assert pairs.json()["rewritten_question"] == body["rewritten_question"]


def test_unanswerable_question_is_refused(client):
    body = client.post("/api/ask", json={"question": "Who won the 2018 World Cup?"}).json()
    assert body["refused"] is True
    assert body["citations"] == []
    assert body["answer"] == "The indexed articles do not answer this question."


def test_search_returns_exact_passages(client):
    body = client.get("/api/search", params={"q": "US troops in Iraq", "k": 3}).json()
    assert body["query"] == "US troops in Iraq"
    assert len(body["passages"]) == 3
    for p in body["passages"]:
        text = client.get(f"/api/articles/{p['article_id']}").json()["text"]
        assert text[p["start"]:p["end"]] == p["text"]
    assert [p["score"] for p in body["passages"]] == sorted((p["score"] for p in body["passages"]), reverse=True)


def test_upload_ask_and_delete(writable, fresh_assistant):
    response = writable.post("/api/articles", files={"file": ("libraries.txt", LIBRARY, "text/plain")})
    assert response.status_code == 201
    body = response.json()
    assert body["report"]["added"] == 1 and body["report"]["skipped"] == []
    (article,) = body["articles"]
    assert (article["title"], article["source"], article["date"]) == \
        ("Exampleton opens libraries", "Test Wire", "2023-05-02")
    assert writable.get("/api/health").json()["articles"] == 3
    answer = writable.post("/api/ask", json={"question": "How many libraries did Exampleton open?"}).json()
    assert "17" in answer["answer"]
    assert [c["article_id"] for c in answer["citations"]] == [article["id"]]
    assert writable.delete(f"/api/articles/{article['id']}").json() == {"removed": article["id"]}
    assert writable.get(f"/api/articles/{article['id']}").status_code == 404
    assert writable.delete(f"/api/articles/{article['id']}").status_code == 404
    assert {a["id"] for a in writable.get("/api/articles").json()["articles"]} == SEED_IDS
    assert not any((fresh_assistant.settings.index_dir / "uploads").iterdir())


def test_the_real_source_opens_the_index(seed_settings):
    from qa.serve.server import AssistantSource

    client = api_client(AssistantSource(seed_settings), seed_settings)
    assert client.get("/api/health").json() == {"status": "ok", "articles": 2}


def test_asks_during_uploads_lose_nothing(writable):
    """Uploads (serialised by the Assistant's write lock) and asks (on snapshots) run at once."""
    docs = [(f"town{i}.txt", f"Title: Town {i} news\nDate: 2023-06-0{i + 1}\n\nThe village of Placeville{i} "
             f"built {10 + i} new bridges this spring, officials said.\n".encode()) for i in range(4)]
    with ThreadPoolExecutor(6) as pool:
        uploads = [pool.submit(writable.post, "/api/articles", files={"file": doc}) for doc in docs]
        asks = [pool.submit(writable.post, "/api/ask", json={"question": TROOPS}) for _ in range(6)]
        assert [u.result().status_code for u in uploads] == [201] * 4
        assert all("2,500" in a.result().json()["answer"] for a in asks)
    articles = writable.get("/api/articles").json()["articles"]
    assert len(articles) == 6
    assert writable.get("/api/stats").json()["passages"] == sum(a["passages"] for a in articles)
    for i in range(4):
        answer = writable.post("/api/ask", json={"question": f"How many bridges did Placeville{i} build?"}).json()
        assert str(10 + i) in answer["answer"], answer
