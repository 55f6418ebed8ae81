"""Filters and timelines on a real on-disk Chroma with the real bundled model: the seeds plus four articles from
Reuters, Associated Press, Yahoo News (a copy of AP's story) and Test Wire, through Python, REST (in-process and
the real server), the Gradio client and the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import httpx
import pytest
from serving import api_client, running_copy

from conftest import DATA, ROOT, SEEDS
from qa import Assistant, Filters

pytestmark = pytest.mark.slow
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
TROOPS = "How many US troops remain?"
DATED_SEED, UNDATED_SEED = "13c60e9b7cba16c2", "b3983ad9117060e8"


@pytest.fixture(scope="module")
def outlets_settings(tmp_path_factory, seed_settings):
    """An index of the seeds and tests/data/outlets (a copy of the seed index, the four articles added)."""
    from dataclasses import replace

    from index import build_index

    folder = tmp_path_factory.mktemp("outlets") / "index"
    shutil.copytree(seed_settings.index_dir, folder)
    settings = replace(seed_settings, index_dir=folder)
    build_index(settings, [SEEDS, DATA / "outlets"])
    return settings


@pytest.fixture(scope="module")
def outlets(outlets_settings):
    """An Assistant over that index (read-only use)."""
    return Assistant.open(settings=outlets_settings)


def cited(answer) -> list[tuple]:
    """(outlet, date) of each citation, in order."""
    return [(c.source, c.date) for c in answer.citations]


def test_an_ask_cites_only_the_outlets_and_dates_it_is_filtered_to(outlets):
    everything = outlets.ask(TROOPS)
    assert ("Reuters", "2023-01-10") in cited(everything) and len(everything.citations) >= 2
    reuters = outlets.ask(TROOPS, filters=Filters(sources=["reuters"]))
    assert cited(reuters) == [("Reuters", "2023-01-10")] and "2,000" in reuters.text
    others = outlets.ask(TROOPS, filters=Filters(exclude_sources=["Reuters"]))
    assert {c.article_id for c in others.citations} == {DATED_SEED, UNDATED_SEED} and "2,500" in others.text
    assert cited(outlets.ask(TROOPS, filters=Filters(since="2023-01-01"))) == [("Reuters", "2023-01-10")]
    until = outlets.ask(TROOPS, filters=Filters(until="2022-12-31"))
    assert cited(until) == [(None, "2022-12-18")] and "2,500" in until.text


def test_no_article_passing_the_filters_is_said_in_the_refusal(outlets):
    answer = outlets.ask(TROOPS, filters=Filters(sources=["Reuters"], until="2022-12-31"))
    assert answer.refused and answer.citations == ()
    assert answer.text == "No article matches the filters (outlets Reuters; until 2022-12-31)."


def test_a_timeline_is_oldest_first_undated_last_copies_merged_and_on_topic(outlets):
    found = outlets.timeline("Kirkuk")
    assert [e.date for e in found.events][:2] == ["2022-12-18", "2023-01-10"]
    assert found.events[2].date in ("2023-02-03", "2023-02-04") and found.events[3].date is None
    assert len(found.events) == 4, "the AP story and its Yahoo News copy make one event"
    copy = found.events[2].citation
    assert {copy.source, *(d["source"] for d in copy.duplicates)} == {"Associated Press", "Yahoo News"}
    assert "Test Wire" not in {e.citation.source for e in found.events}, "the libraries story is not about Kirkuk"
    assert [e.citation.article_id for e in (found.events[0], found.events[3])] == [DATED_SEED, UNDATED_SEED]
    for e in found.events:
        assert "Kirkuk" in e.text
        assert outlets.article_text(e.citation.article_id)[e.citation.start:e.citation.end] == e.text
    assert [e.citation.source for e in outlets.timeline("Kirkuk", Filters(sources=["Reuters"])).events] == \
        ["Reuters"]


def test_what_happened_asks_for_the_timeline(outlets):
    answer = outlets.ask("What happened with Kirkuk?")
    assert answer.text.split("\n")[0] == "What happened with Kirkuk, oldest first:"
    assert [c.date for c in answer.citations][:2] == ["2022-12-18", "2023-01-10"]
    assert answer.citations[-1].date is None and len(answer.citations) == 4


# --- REST (in-process) ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client(outlets):
    """A TestClient over the REST app on that index."""
    return api_client(lambda: outlets, outlets.settings)


def test_rest_ask_search_and_timeline_take_the_filters(client, outlets):
    body = client.post("/api/ask", json={"question": TROOPS, "filters": {"sources": ["Reuters"]}}).json()
    assert [(c["source"], c["date"]) for c in body["citations"]] == [("Reuters", "2023-01-10")]
    nothing = client.post("/api/ask", json={"question": TROOPS, "filters": {"sources": ["Nobody"]}}).json()
    assert nothing["refused"] is True and nothing["answer"] == "No article matches the filters (outlets Nobody)."
    found = client.get("/api/search", params={"q": "Kirkuk attack", "k": 10, "exclude_source": ["Reuters", "Yahoo News",
                                                                                                "associated press"]})
    assert {p["source"] for p in found.json()["passages"]} <= {None, "Test Wire"}
    dated = client.get("/api/search", params={"q": "Kirkuk", "since": "2023-01-01", "until": "2023-01-31"}).json()
    assert {p["date"] for p in dated["passages"]} == {"2023-01-10"}
    timeline = client.get("/api/timeline", params={"q": "Kirkuk", "source": ["Reuters", "Associated Press"]}).json()
    assert timeline["topic"] == "Kirkuk" and [e["date"] for e in timeline["events"]] == ["2023-01-10", "2023-02-03"]
    assert timeline["events"][0]["citation"] == outlets.timeline("Kirkuk", Filters(["Reuters", "Associated Press"])
                                                                 ).events[0].citation.to_dict()


@pytest.mark.parametrize("request_, message", [
    (("post", "/api/ask", {"json": {"question": TROOPS, "filters": {"since": "2023-02-30"}}}),
     "since must be a date written YYYY-MM-DD, not '2023-02-30'"),
    (("post", "/api/ask", {"json": {"question": TROOPS, "filters": {"since": "2023-02-01", "until": "2023-01-01"}}}),
     "since (2023-02-01) is after until (2023-01-01): give a range whose start comes first"),
    (("get", "/api/search", {"params": {"q": "Kirkuk", "until": "yesterday"}}),
     "until must be a date written YYYY-MM-DD, not 'yesterday'"),
    (("get", "/api/timeline", {"params": {"q": "Kirkuk", "since": "10/01/2023"}}),
     "since must be a date written YYYY-MM-DD, not '10/01/2023'"),
])
def test_a_bad_date_is_a_422_that_says_how_to_write_it(client, request_, message):
    method, path, options = request_
    response = getattr(client, method)(path, **options)
    assert response.status_code == 422 and response.json() == {"error": message}


# --- the real server, the Gradio client and the CLI -----------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory, outlets_settings):
    """app.py over a copy of that index."""
    with running_copy(outlets_settings.index_dir, tmp_path_factory.mktemp("filters-server")) as url:
        yield url


def test_the_real_server_filters_asks_and_serves_timelines(server):
    ask = httpx.post(server + "api/ask", json={"question": TROOPS, "filters": {"exclude_sources": ["reuters"],
                                                                             "until": "2022-12-31"}}, timeout=120)
    assert [c["date"] for c in ask.json()["citations"]] == ["2022-12-18"]
    bad = httpx.post(server + "api/ask", json={"question": TROOPS, "filters": {"until": "2022-12-32"}}, timeout=60)
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.json()["error"]
    timeline = httpx.get(server + "api/timeline", params={"q": "Kirkuk", "since": "2023-01-01"}, timeout=120).json()
    assert [e["date"] for e in timeline["events"]][0] == "2023-01-10" and len(timeline["events"]) == 2


def test_the_gradio_client_asks_with_filters_and_reads_timelines(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    _, answer_json = client.predict(TROOPS, [], ["Reuters"], [], "", "", api_name="/ask")
    assert [c["source"] for c in json.loads(answer_json)["citations"]] == ["Reuters"]
    _, plain = client.predict(TROOPS, [], api_name="/ask")
    assert len(json.loads(plain)["citations"]) >= 2, "the filters default to none"
    shown = client.predict("Kirkuk", [], [], "2023-01-01", "2023-01-31", api_name="/timeline")
    assert shown.count('class="nqa-event"') == 1 and "2023-01-10" in shown and "Filters: since 2023-01-01" in shown


def cli(*args: str, index_dir) -> subprocess.CompletedProcess:
    """Run `python -m qa ...` on the index."""
    return subprocess.run([sys.executable, "-m", "qa", *args, "--index-dir", str(index_dir)], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


def test_the_cli_takes_filters_and_prints_timelines(outlets_settings):
    folder = outlets_settings.index_dir
    ask = cli("ask", TROOPS, "--source", "Reuters", "--json", index_dir=folder)
    assert ask.returncode == 0, ask.stderr
    assert [c["source"] for c in json.loads(ask.stdout)["citations"]] == ["Reuters"]
    search = cli("search", "Kirkuk", "--exclude-source", "Reuters", "--exclude-source", "Yahoo News", "--since",
                 "2022-12-01", "--json", index_dir=folder)
    found = json.loads(search.stdout)
    assert {p["source"] for p in found} <= {None, "Associated Press", "Test Wire"} and all(p["date"] for p in found)
    timeline = cli("timeline", "Kirkuk", "--json", index_dir=folder)
    data = json.loads(timeline.stdout)
    assert set(data) == {"topic", "events"} and data["topic"] == "Kirkuk"
    assert [e["date"] for e in data["events"]][:2] == ["2022-12-18", "2023-01-10"] and data["events"][-1]["date"] is None
    assert {"n", "article_id", "title", "source", "date", "path", "quote", "start", "end"} <= \
        set(data["events"][0]["citation"])
    text = cli("timeline", "Kirkuk", "--source", "Reuters", index_dir=folder)
    assert text.stdout.startswith("- 2023-01-10, Reuters: Authorities in Kirkuk lifted the night curfew")
    bad = cli("ask", TROOPS, "--since", "2023-1-1", index_dir=folder)
    assert bad.returncode == 2 and bad.stderr.strip() == "error: since must be a date written YYYY-MM-DD, not '2023-1-1'"
