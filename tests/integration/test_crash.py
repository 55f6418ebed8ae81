"""Crash safety: SIGKILL `python -m index build` at many points; the index must stay usable and consistent,
and a rerun must finish to exactly what an uninterrupted run builds.

The kills are cumulative on one index (kill, check, resume and kill later, ...), then one rerun completes it.
Kill points are chosen by watching the run, never by a clock alone (machines differ in speed): the phase
lines the build prints on stderr (model load, embedding), the Chroma write log's sequence number (inside the commit phase: between an article's passages and its record), the
SQLite rollback journal (inside a write transaction) and the keyword index's temporary folder (its save).
Each crashed state is copied and checked in this process, so the checker never shares files with a writer.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from conftest import ROOT
from index import KeywordIndex, Store

pytestmark = pytest.mark.slow

ARTICLES = 48
CHUNKING = {"passage_tokens": 80, "overlap_tokens": 20}
PLACES = ["Lisbon", "Nairobi", "Osaka", "Quito", "Tallinn", "Perth", "Lagos", "Hanoi", "Bergen", "Cusco",
          "Tbilisi", "Accra", "Porto", "Dakar", "Krakow", "Hobart", "Manaus", "Izmir", "Leeds", "Tromso"]
TOPICS = [("harbour", "ferries", "dock workers"), ("railway", "trains", "engineers"),
          ("vineyard", "harvests", "growers"), ("observatory", "telescopes", "astronomers"),
          ("hospital", "clinics", "nurses"), ("library", "archives", "librarians"),
          ("fishery", "trawlers", "fishers"), ("wind farm", "turbines", "technicians"),
          ("school district", "classrooms", "teachers"), ("airport", "runways", "controllers")]
PEOPLE = ["Amara Okafor", "Lena Varga", "Tomas Rivera", "Yuki Sato", "Priya Nair", "Jonas Berg",
          "Fatima Zahra", "Mateo Silva", "Ingrid Holm", "Kwame Mensah", "Sofia Rossi", "Ravi Patel"]
VERBS = ["announced", "delayed", "expanded", "inspected", "funded", "criticised", "approved", "reopened"]
ADJECTIVES = ["record", "modest", "unexpected", "long-awaited", "controversial", "temporary", "costly"]


def _sentence(rng: random.Random, place: str, topic: tuple[str, str, str]) -> str:
    """One varied news sentence about a place and a topic."""
    site, things, workers = topic
    n = rng.randint(2, 9800)
    forms = [
        f"Officials in {place} {rng.choice(VERBS)} a {rng.choice(ADJECTIVES)} plan for the {site}.",
        f"{rng.choice(PEOPLE)}, who leads the {workers}' union, said {n:,} people would be affected.",
        f"The {things} had been {rng.choice(['idle', 'busy', 'overbooked', 'under repair'])} "
        f"since {rng.randint(1990, 2022)}.",
        f"According to the council, the budget rose by {rng.randint(2, 60)} percent to {n:,} thousand euros.",
        f"Critics argued that the {rng.choice(ADJECTIVES)} decision ignored the needs of local {workers}.",
        f"A spokesperson for the {site} declined to comment on the "
        f"{rng.choice(['timeline', 'costs', 'safety review', 'staffing'])}.",
        f"Residents of {place} gathered near the {site} to watch the {things} "
        f"{rng.choice(['arrive', 'depart', 'being tested'])}.",
        f"Analysts expect about {rng.randint(3, 400)} new jobs for {workers} by {rng.randint(2024, 2030)}.",
    ]
    return rng.choice(forms)


def article_file(i: int) -> str:
    """The text of generated article i (a header block, then two short paragraphs)."""
    rng = random.Random(i)
    place, topic = PLACES[i % len(PLACES)], TOPICS[(i * 7) % len(TOPICS)]
    title = f"{place} {topic[0]} {rng.choice(VERBS)} after {rng.choice(ADJECTIVES)} review (report {i})"
    body = "\n\n".join(" ".join(_sentence(rng, place, topic) for _ in range(rng.randint(3, 4)))
                       for _ in range(2))
    return f"title {title}\ndate 2023-{1 + i % 12:02d}-{1 + i % 28:02d}\nsource Gazette {i % 5}\n\n{body}\n"


@dataclass(frozen=True)
class Contents:
    """What an index holds: committed articles, and every stored passage grouped by article id."""

    articles: dict
    passages: dict

    @property
    def orphans(self) -> set[str]:
        """Article ids with stored passages but no committed record."""
        return set(self.passages) - set(self.articles)


def read_contents(settings) -> Contents:
    """Read an index's store directly (committed or not)."""
    from index import Store

    store = Store.open(settings)
    grouped = defaultdict(list)
    all_ids = []
    for p in store.passages():
        grouped[p.article_id].append((p.id, p.start, p.end, p.text))
        all_ids.append(p.id)
    assert len(all_ids) == len(set(all_ids)), "duplicate passage ids in the store"
    return Contents(store.articles(), {k: sorted(v) for k, v in grouped.items()})


def sqlite_seq(index_dir: Path) -> int:
    """The Chroma write log's highest sequence number (0 before the database exists)."""
    db = index_dir / "chroma" / "chroma.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.05) as con:
            return con.execute("SELECT COALESCE(MAX(seq_id), 0) FROM embeddings_queue").fetchone()[0]
    except sqlite3.Error:
        return -1  # locked or mid-creation: ask again


@dataclass(frozen=True)
class KillPoint:
    """When to kill a build: a phase name and a condition on (process age, index folder, start seq)."""

    name: str
    after_seconds: float = 0.0
    log_line: str | None = None
    seq_delta: int | None = None
    journal: bool = False
    keyword_tmp: bool = False

    def due(self, age: float, index_dir: Path, start_seq: int, log: str) -> bool:
        """True when the build should be killed now (log: what this run printed on stderr so far)."""
        if age < self.after_seconds:
            return False
        if self.log_line is not None:
            return self.log_line in log
        if self.keyword_tmp:
            return any((index_dir / f"keyword-newsqa{end}").exists() for end in (".tmp", ".old", ""))
        if self.journal:
            return (index_dir / "chroma" / "chroma.sqlite3-journal").exists() and sqlite_seq(index_dir) > start_seq
        if self.seq_delta is not None:
            return sqlite_seq(index_dir) >= start_seq + self.seq_delta
        return True


KILL_POINTS = [
    KillPoint("importing", after_seconds=0.3),
    KillPoint("loading model / creating collections", log_line="loading the embedding model"),
    KillPoint("embedding", log_line="indexed 0/"),
    KillPoint("commit: first writes", seq_delta=1),
    KillPoint("commit: inside a transaction", journal=True),
    KillPoint("commit: a few articles in", seq_delta=9),
    KillPoint("commit: inside a transaction", journal=True, after_seconds=1.0),
    KillPoint("commit: mid-phase", seq_delta=23),
    KillPoint("commit: mid-phase", seq_delta=40),
    KillPoint("commit: inside a transaction", journal=True),
    KillPoint("commit: late", seq_delta=60),
    KillPoint("saving the keyword index (or just after)", keyword_tmp=True),
]


def build_env() -> dict:
    """The subprocess environment: offline, this project's chunking, no stray NEWSQA_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               NEWSQA_PASSAGE_TOKENS=str(CHUNKING["passage_tokens"]),
               NEWSQA_OVERLAP_TOKENS=str(CHUNKING["overlap_tokens"]))
    return env


def start_build(corpus: Path, index_dir: Path, log: Path) -> subprocess.Popen:
    """Start `python -m index build CORPUS --index-dir X --json` in its own session."""
    return subprocess.Popen([sys.executable, "-m", "index", "build", str(corpus), "--index-dir", str(index_dir),
                             "--json"], cwd=ROOT, env=build_env(), stdout=subprocess.PIPE,
                            stderr=log.open("ab"), start_new_session=True)


def run_until(point: KillPoint, corpus: Path, index_dir: Path, log: Path, limit: float = 120.0) -> str:
    """Run a build and SIGKILL it at the point; returns 'killed' or 'finished' (it ended first)."""
    start_seq = max(sqlite_seq(index_dir), 0)
    if point.keyword_tmp:  # the keyword cache is derived: drop it, so its reappearance marks the save
        shutil.rmtree(index_dir / "keyword-newsqa", ignore_errors=True)
    log_start = log.stat().st_size if log.exists() else 0
    proc = start_build(corpus, index_dir, log)
    started = time.monotonic()
    try:
        while proc.poll() is None:
            age = time.monotonic() - started
            assert age < limit, f"build still running after {limit} s"
            printed = log.read_bytes()[log_start:].decode("utf-8", "replace") if point.log_line else ""
            if point.due(age, index_dir, start_seq, printed):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return f"killed at {age:.1f} s"
            time.sleep(0.005)
        return f"finished in {time.monotonic() - started:.1f} s"
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        proc.stdout.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """48 generated articles, one file each."""
    folder = tmp_path_factory.mktemp("crash-corpus")
    for i in range(ARTICLES):
        (folder / f"a{i:03d}.txt").write_text(article_file(i), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory):
    """An uninterrupted build of the corpus (in this process) and what it holds."""
    from qa import Settings
    from index import build_index

    settings = Settings.from_env(env={}, index_dir=tmp_path_factory.mktemp("crash-ref"), **CHUNKING)
    report = build_index(settings, [corpus])
    assert (report.added, report.skipped) == (ARTICLES, [])
    return read_contents(settings)


def check_crashed(settings, reference: Contents) -> Contents:
    """A crashed index: opens and answers, holds only whole committed articles, hides the rest."""
    from index import IndexUnavailable
    from qa import Assistant

    try:
        assistant = Assistant.open(settings=settings)
    except IndexUnavailable as exc:
        # Acceptable only while nothing was committed: the first run died before its first article.
        contents = read_contents(settings) if (settings.index_dir / "chroma").exists() else None
        assert contents is None or not contents.articles, f"committed articles but cannot open: {exc}"
        return Contents({}, {})
    contents = read_contents(settings)
    for article_id, stored in contents.articles.items():
        assert stored == reference.articles[article_id], "a committed article differs from the reference"
        assert contents.passages.get(article_id) == reference.passages[article_id], "half-written article"
    visible = KeywordIndex(Store.open(settings), None).current()
    assert set(visible.articles) == set(contents.articles)
    assert {p.article_id for p in visible.passages} == set(contents.articles)
    answer = assistant.ask("Which budget rose by the most percent according to the council?")
    assert {c.article_id for c in answer.citations} <= set(contents.articles)
    for article_id in list(contents.articles)[:3]:
        hits = assistant.search(reference.articles[article_id].title, k=10)
        assert article_id in {p.article_id for p in hits}, "a committed article cannot be found"
    for article_id in list(contents.orphans)[:3]:
        _, _, _, text = contents.passages[article_id][0]
        hits = assistant.search(text, k=20)
        assert article_id not in {p.article_id for p in hits}, "a passage of an uncommitted article is visible"
    return contents


def test_killed_builds_leave_a_consistent_index_and_a_rerun_matches(corpus, reference, tmp_path):
    """SIGKILL at 12 points of a build, check each crashed state, then rerun to the reference contents."""
    from qa import Settings
    from qa import Assistant

    index_dir, log = tmp_path / "index", tmp_path / "build.log"
    settings = Settings.from_env(env={}, index_dir=index_dir, **CHUNKING)
    landed = []
    for n, point in enumerate(KILL_POINTS):
        outcome = run_until(point, corpus, index_dir, log)
        copy = tmp_path / f"crashed-{n:02d}"
        if index_dir.exists():
            shutil.copytree(index_dir, copy)
        contents = check_crashed(replace(settings, index_dir=copy), reference)
        landed.append(f"{point.name}: {outcome}, {len(contents.articles)} committed, "
                      f"{len(contents.orphans)} uncommitted with passages")
    print("\n".join(landed))
    assert sum("killed" in line for line in landed) >= 10, "\n".join(landed)
    committed = [int(line.split(", ")[1].split()[0]) for line in landed]
    assert any(0 < c < ARTICLES for c in committed), "no kill landed inside the commit phase"

    done = subprocess.run([sys.executable, "-m", "index", "build", str(corpus), "--index-dir", str(index_dir),
                           "--json"], cwd=ROOT, env=build_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    final = read_contents(settings)
    assert final.articles == reference.articles
    assert final.passages == reference.passages
    assistant = Assistant.open(settings=settings)
    assert assistant.stats()["passages"] == sum(len(v) for v in reference.passages.values())
    first = reference.articles[sorted(reference.articles)[0]]
    assert first.id in {p.article_id for p in assistant.search(first.title, k=5)}
