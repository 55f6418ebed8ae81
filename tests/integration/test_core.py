"""The core on a real on-disk Chroma with the real bundled model: the contract of issue #2."""

import json
import shutil
import subprocess
import sys
from dataclasses import replace

import pytest

from conftest import ROOT, SEEDS
from index import IndexUnavailable
from index import build_index
from qa import Assistant

pytestmark = pytest.mark.slow
DATED = "000_ad0e0a34b324e47b.txt"
UNDATED = "003_223332f489a77368.txt"


def test_us_troops_cites_both_articles_with_their_dates(assistant):
    answer = assistant.ask("How many US troops remain?")
    assert not answer.refused and "2,500" in answer.text
    files = [c.path.rsplit("/", 1)[-1] for c in answer.citations]
    assert files == [DATED, UNDATED], "both articles, the dated one first"
    assert [c.date for c in answer.citations] == ["2022-12-18", None]
    assert all("2,500" in c.quote for c in answer.citations)
    assert "[1]" in answer.text and "[2]" in answer.text


def test_citations_quote_the_article_at_their_offsets(assistant):
    for question in ["How many US troops remain?", "Who is the Iraqi Prime Minister?"]:
        for c in assistant.ask(question).citations:
            assert assistant.article_text(c.article_id)[c.start:c.end] == c.quote


def test_unanswerable_question_is_refused_without_citations(assistant):
    answer = assistant.ask("Who won the 2022 FIFA World Cup?")
    assert answer.refused and answer.citations == ()


def test_search_returns_verbatim_passages_with_metadata(assistant):
    passages = assistant.search("Kirkuk police checkpoint attack", k=3)
    assert len(passages) == 3
    assert passages[0].path.endswith(UNDATED)
    for p in passages:
        assert assistant.article_text(p.article_id)[p.start:p.end] == p.text
        assert p.score > 0 and p.title


def test_rebuild_is_idempotent_and_embeds_nothing(seed_settings):
    report = build_index(seed_settings, [SEEDS])
    assert (report.added, report.updated, report.unchanged, report.passages) == (0, 0, 2, 0)


def test_changed_file_replaces_its_passages_and_prune_removes(tmp_path, seed_settings):
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(SEEDS / DATED, folder / DATED)
    (folder / "extra.txt").write_text("title Kirkuk update\nsource Test Wire\n\nPolice in Kirkuk made 7 arrests.")
    settings = replace(seed_settings, index_dir=tmp_path / "index")
    first = build_index(settings, [folder])
    assert (first.added, first.skipped) == (2, [])
    (folder / "extra.txt").write_text("title Kirkuk update\nsource Test Wire\n\nPolice in Kirkuk made 9 arrests.")
    second = build_index(settings, [folder])
    assert (second.added, second.updated, second.unchanged) == (0, 1, 1)
    assistant = Assistant.open(settings=settings)
    assert "9 arrests" in assistant.ask("How many arrests did police in Kirkuk make?").text
    assert len(assistant.articles()) == 2
    (folder / "extra.txt").unlink()
    third = build_index(settings, [folder], prune=True)
    assert (third.removed, third.unchanged) == (1, 1)
    titles = [a.title for a in Assistant.open(settings=settings).articles()]
    assert len(titles) == 1 and titles[0].startswith("Over a dozen Iraqi security service members")


def test_bad_files_are_skipped_and_nothing_is_lost(fresh_assistant, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "bad.json").write_text("{not json")
    (bad / "empty.txt").write_text("")
    (bad / "bin.txt").write_bytes(b"\x00\x01\x02")
    report = fresh_assistant.add_files([bad])
    assert sorted(s.reason.split(" ")[0] for s in report.skipped) == ["binary", "empty", "malformed"]
    assert len(fresh_assistant.articles()) == 2


def test_missing_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexUnavailable, match="No index at"):
        Assistant.open(tmp_path / "nowhere")


def test_cli_contract(seed_settings):
    run = subprocess.run([sys.executable, "-m", "qa", "ask", "How many US troops remain?", "--index-dir",
                          str(seed_settings.index_dir), "--json"], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert {"question", "answer", "refused", "citations"} <= set(data)
    assert set(data["citations"][0]) >= {"n", "article_id", "title", "source", "date", "path", "quote", "start", "end"}
    assert data["refused"] is False and "2,500" in data["answer"]
    empty = subprocess.run([sys.executable, "-m", "qa", "ask", "  ", "--index-dir", str(seed_settings.index_dir)],
                           capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert empty.returncode == 1 and "question is empty" in empty.stderr


def test_cli_build_reports_unsupported_files_and_fails_on_missing_paths(tmp_path):
    folder = tmp_path / "in"
    (folder / ".git").mkdir(parents=True)
    (folder / ".git" / "config").write_text("[core]")
    (folder / "photo.png").write_bytes(b"\x89PNG")
    (folder / "a.txt").write_text("title A\n\nPolice in Kirkuk made 7 arrests.")
    run = subprocess.run([sys.executable, "-m", "index", "build", str(folder), str(tmp_path / "typo"),
                          "--index-dir", str(tmp_path / "ix"), "--json"], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert run.returncode == 1 and "not found" in run.stderr
    report = json.loads(run.stdout)
    assert report["added"] == 1
    assert sorted((s["path"].rsplit("/", 1)[-1], s["reason"]) for s in report["skipped"]) == \
        [("photo.png", "unsupported file type .png; use one of .htm, .html, .json, .jsonl, .markdown, .md, .ndjson, .txt"),
         ("typo", "no such file or folder")]


def test_seed_passages_fit_the_model_with_their_header(seed_corpus):
    embedder = seed_corpus.embedder
    snapshot = seed_corpus.keyword.current()
    assert len(snapshot.passages) >= 6

    for p in snapshot.passages:
        article = seed_corpus.store.article_text(p.article_id)
        assert article[p.start:p.end] == p.text
        header = " | ".join(x for x in (p.title, p.source, p.date) if x)
        assert embedder.count_tokens([f"{header}\n{p.text}"])[0] <= embedder.max_tokens


def test_search_results_carry_the_ranker_probability_best_first(assistant):
    found = assistant.search("How many US troops remain?", k=5)
    scores = [p.score for p in found]
    assert scores == sorted(scores, reverse=True) and all(0.0 < s < 1.0 for s in scores)
    assert all("fused" in p.signals for p in found)
    assert "2,500" in found[0].text


def test_a_newer_article_that_disagrees_is_named_beside_the_others_dated(fresh_assistant):
    """A newer article gives another figure: the short answer names each figure with its date, newest first,
    and every article is quoted, dated."""
    fresh_assistant.add_upload("planted.txt", b"title US troops in Iraq\ndate 2024-05-01\n\n"
                                              b"Exactly 42 US troops remain in Iraq, officials said.\n")
    answer = fresh_assistant.ask("How many US troops remain?")
    assert answer.short_answer == ("42 (2024-05-01); approximately 2,500 soldiers (2022-12-18); "
                                   "more than 2,500 troops (undated)")
    assert answer.text.splitlines()[0] == answer.short_answer
    assert [c.date for c in answer.citations] == ["2024-05-01", "2022-12-18", None]
    assert "Exactly 42 US troops remain" in answer.citations[0].quote
