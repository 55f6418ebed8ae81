"""The Guard's rules (pure functions) and the REST app behind it over the fakes: hosts, origins, credentials,
sign-in backoff, body limits, jobs, 405 and 500 (no model is loaded)."""

from __future__ import annotations

import base64
import time
from dataclasses import replace

import pytest
from fakes import fake_assistant
from serving import LOCAL, api_client

from index import SEEDS
from qa import Settings

TROOPS = "How many US troops remain?"
TOKEN = "s3cret-token-123"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.mark.parametrize("host, allowed", [
    ("127.0.0.1:7860", True), ("localhost:7860", True), ("[::1]:7860", True), ("192.168.1.9:7860", True),
    ("attacker.example", False), ("attacker.example:7860", False), ("", False), ("news.example.org", True),
    ("a.corp.example", True), ("corp.example", True), ("evilcorp.example", False),
])
def test_host_headers(host, allowed):
    from qa.serve.guard import allowed_hosts, host_allowed

    settings = Settings.from_env(env={}, allowed_hosts="news.example.org, .corp.example")
    assert host_allowed(host, allowed_hosts(settings)) is allowed


@pytest.mark.parametrize("origin, configured, allowed", [
    ("http://127.0.0.1:7860", False, True), ("http://localhost:7880", False, False), ("null", False, False),
    ("https://news.example.org", True, True), ("https://news.example.org", False, False),
    ("file://", False, False),
])
def test_origins(origin, configured, allowed):
    from qa.serve.guard import allowed_hosts, origin_allowed

    settings = Settings.from_env(env={}, allowed_hosts="news.example.org" if configured else "")
    assert origin_allowed(origin, "127.0.0.1:7860", allowed_hosts(settings), configured) is allowed


def test_failed_sign_ins_back_off_per_client():
    from qa.serve.guard import Attempts

    now = [100.0]
    attempts = Attempts(clock=lambda: now[0])
    for _ in range(5):
        assert attempts.wait("a") == 0
        attempts.failed("a")
    assert attempts.wait("a") == 1.0 and attempts.wait("b") == 0
    attempts.failed("a")
    assert attempts.wait("a") == 2.0
    now[0] += 2.0
    assert attempts.wait("a") == 0
    for _ in range(20):
        attempts.failed("a")
    assert attempts.wait("a") == 60.0, "the lockout is capped"
    attempts.succeeded("a")
    assert attempts.wait("a") == 0


def test_an_empty_password_never_matches():
    from qa.serve.guard import credentials_ok

    settings = Settings.from_env(env={}, ui_auth="admin:")
    assert not credentials_ok("Basic " + base64.b64encode(b"admin:").decode(), settings)


@pytest.fixture()
def fresh(tmp_path):
    """A private fake assistant over the seeds."""
    return fake_assistant(tmp_path, files=[SEEDS])


def test_forged_host_and_cross_origin_writes_are_refused(fresh):
    """Issue 13, case 9: before, a page on http://localhost:7880 planted an article through a no-cors form post."""
    client = api_client(lambda: fresh, fresh.settings)
    planted = {"file": ("troops.txt", b"title Troops\n\nExactly 7 US troops remain in Iraq.\n")}
    refused = client.post("/api/articles", files=planted, headers={"Origin": "http://localhost:7880"})
    assert refused.status_code == 403 and refused.json()["error"].startswith("Cross-origin request refused")
    by_referer = client.post("/api/articles", files=planted, headers={"Referer": "http://localhost:7880/page"})
    assert by_referer.status_code == 403
    forged = client.get("/api/health", headers={"Host": "attacker.example"})
    assert forged.status_code == 400 and "NEWSQA_ALLOWED_HOSTS" in forged.json()["error"]
    assert client.get("/api/health").json()["articles"] == 2
    same = client.post("/api/ask", json={"question": TROOPS}, headers={"Origin": LOCAL})
    assert same.status_code == 200 and "2,500" in same.json()["answer"]


def test_a_script_with_a_token_and_no_origin_still_writes(fresh):
    client = api_client(lambda: fresh, replace(fresh.settings, api_token=TOKEN))
    response = client.post("/api/articles", headers=BEARER,
                           files={"file": ("mars.txt", b"title Mars\n\nThe Mars depot in Oslo counted 41 buses.\n")})
    assert response.status_code == 201 and response.json()["report"]["added"] == 1


def test_wrong_credentials_are_slowed_down(fresh):
    """Issue 13, case 8: before, 40 wrong guesses took 0.29 s."""
    client = api_client(lambda: fresh, replace(fresh.settings, api_token=TOKEN))
    statuses = [client.get("/api/stats", headers={"Authorization": f"Bearer guess{i}"}).status_code
                for i in range(40)]
    assert statuses[:5] == [401] * 5 and statuses.count(401) <= 7, "after five, each try waits 1 s, 2 s, 4 s..."
    locked = client.get("/api/stats", headers=BEARER)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1
    assert client.get("/api/health").status_code == 200, "the open health check is not locked"


def test_credentials_and_size_are_checked_before_the_body(fresh):
    """Issue 13, case 6 (in process; tests/integration/test_hardening.py sends the bytes to a real server)."""
    client = api_client(lambda: fresh, replace(fresh.settings, api_token=TOKEN, max_body_kb=1))
    body = b'{"question": "' + b"x" * 4000 + b'"}'
    assert client.post("/api/ask", content=body, headers={"content-type": "application/json"}).status_code == 401
    large = client.post("/api/ask", content=body, headers={**BEARER, "content-type": "application/json"})
    assert (large.status_code, large.json()) == (413, {"error": "The request body is 0.0 MB, over the 0.000977 MB "
                                                                "limit (NEWSQA_MAX_BODY_KB)"})

    def chunks():
        yield body

    streamed = client.post("/api/ask", content=chunks(), headers={**BEARER, "content-type": "application/json"})
    assert streamed.status_code == 413 and "NEWSQA_MAX_BODY_KB" in streamed.json()["error"]


def test_wrong_methods_on_api_routes_are_405_and_unexpected_errors_500_json(fresh):
    client = api_client(lambda: fresh, fresh.settings)
    wrong = client.get("/api/ask")
    assert (wrong.status_code, wrong.headers["allow"]) == (405, "POST")
    assert wrong.json() == {"error": "GET is not allowed on /api/ask; use POST"}
    assert client.delete("/api/articles").status_code == 405
    assert client.get("/api/nothing-here").json() == {"error": "Not Found"}

    def broken():
        raise RuntimeError("a bug")

    failing = api_client(broken, fresh.settings, raise_server_exceptions=False).get("/api/stats")
    assert (failing.status_code, failing.json()) == \
        (500, {"error": "Internal error (RuntimeError); the server log has the details."})


def test_a_long_upload_is_a_job_with_progress(fresh):
    client = api_client(lambda: fresh, replace(fresh.settings, upload_wait_seconds=0))
    records = b"".join(b'{"title": "Town %d", "body": "Town %d opened %d bridges."}\n' % (i, i, i) for i in range(5))
    accepted = client.post("/api/articles", files={"file": ("towns.jsonl", records)})
    assert accepted.status_code == 202
    job = accepted.json()["job"]
    assert accepted.headers["location"] == f"/api/jobs/{job['id']}" and job["name"] == "towns.jsonl"
    assert set(job) >= {"id", "name", "state", "progress"}
    deadline = time.monotonic() + 30
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get(f"/api/jobs/{job['id']}").json()
    assert (job["state"], job["status"], job["report"]["added"]) == ("done", 201, 5)
    assert job["progress"]["passages_done"] == job["progress"]["passages_total"] == 5
    assert sorted(a["title"] for a in job["articles"]) == [f"Town {i}" for i in range(5)]
    assert client.get("/api/jobs/nope").status_code == 404


def test_two_file_parts_index_both(fresh):
    """Before, the first `file` part was dropped silently."""
    client = api_client(lambda: fresh, fresh.settings)
    files = [("file", ("a.txt", b"title A\n\nOslo counted 41 buses.\n")),
             ("file", ("b.txt", b"title B\n\nBergen ran 12 trams.\n"))]
    response = client.post("/api/articles", files=files)
    assert response.status_code == 202
    jobs = response.json()["jobs"]
    assert [j["name"] for j in jobs] == ["a.txt", "b.txt"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(client.get(f"/api/jobs/{j['id']}").json()["state"] != "done"
                                              for j in jobs):
        time.sleep(0.05)
    assert {a["title"] for a in client.get("/api/articles").json()["articles"]} >= {"A", "B"}


def test_history_over_the_limit_is_422(fresh):
    client = api_client(lambda: fresh, fresh.settings)
    response = client.post("/api/ask", json={"question": "And in Mosul?", "history": ["x" * 60_000]})
    assert response.status_code == 422 and "NEWSQA_MAX_HISTORY_CHARS" in response.json()["error"]
