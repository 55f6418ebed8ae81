"""Bad input, table-driven, through the Python API, the CLI and REST: each case gets a clear message or status,
nothing crashes, and every article indexed before is still there afterwards."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS
from serving import LOCAL

pytestmark = pytest.mark.slow

TROOPS = "How many US troops remain?"
SEED_IDS = {"13c60e9b7cba16c2", "b3983ad9117060e8"}
EMPTY = "The question is empty: type a question about the news articles."
REFUSAL = "The indexed articles do not answer this question."
SEED_FILE = SEEDS / "000_ad0e0a34b324e47b.txt"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
GOOD = b"title Basra port reopens\nsource Gulf Wire\n\nThe port of Basra reopened on Tuesday with 14 cranes.\n"
RECORDS = (b'{"title": "Basra smugglers", "body": "Police in Basra arrested 11 smugglers on Tuesday."}\n'
           b'{bad json\n'
           b'{"title": "No body"}\n'
           b'{"title": "Numeric", "body": 42}\n'
           b'[1, 2]\n'
           b'{"title": "Basra smugglers", "body": "Police in Basra arrested 11 smugglers on Tuesday."}\n'
           b'{"title": "Cut", "body": "trunc')
RECORD_SKIPS = ["line2: malformed JSON", "line3: record has no body text (body, text or content)",
                "line4: record has no body text (body, text or content)", "line5: record is not a JSON object",
                "duplicate of an article already in this run", "line7: malformed JSON"]
HUGE = b"word " * (5 * 2**20)  # 25 MiB, over the 20 MiB default limit


def run(*args: str, env: dict | None = None, command: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run `python ARGS` (or a command) in a clean environment: offline, no stray NEWSQA_* settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSQA_")}
    base.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False", **(env or {}))
    return subprocess.run(command or [sys.executable, *args], cwd=ROOT, env=base, capture_output=True, text=True,
                          timeout=300)


def chroma_client(settings):
    """A Chroma client on an index folder, with the settings the product uses (Chroma requires them equal)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    return chromadb.PersistentClient(str(settings.index_dir / "chroma"),
                                     settings=ChromaSettings(anonymized_telemetry=False, allow_reset=False))


def copy_index(settings, folder: Path):
    """Settings for a private copy of an index."""
    shutil.copytree(settings.index_dir, folder)
    return replace(settings, index_dir=folder)


def make_incompatible(settings) -> None:
    """Stamp an index's collections as written by schema 0 (an older version of this product)."""
    client = chroma_client(settings)
    for part in ("articles", "passages", "state"):
        client.get_collection(f"newsqa-{part}").modify(
            metadata={"newsqa_schema": 0, "embed_model": settings.embed_model})


def can_mount_read_only(folder: Path) -> bool:
    """True if a private mount namespace can make a read-only bind mount here (root's chmod would not)."""
    probe = subprocess.run(["unshare", "-m", "sh", "-c", read_only_mount(folder) + " && ! touch " +
                            str(folder / ".probe")], capture_output=True)
    return probe.returncode == 0 and not (folder / ".probe").exists()


def read_only_mount(folder: Path) -> str:
    """Shell commands that remount a folder read-only (in the current mount namespace)."""
    return f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder}"


def article_ids(settings) -> set[str]:
    """The committed article ids of an index, read afresh."""
    from index import Store

    return set(Store.open(settings).articles())


# --- questions: Python API -----------------------------------------------------------------------

@pytest.mark.parametrize("question, message", [
    ("", EMPTY),
    ("   \n\t  ", EMPTY),
    ("\x00\x01\x02\x1b\x7f", EMPTY),
    ("x" * 100_000, "The question is 100,000 characters long; the limit is 2,000."),
    (None, "The question must be text."),
    (b"How many US troops remain?", "The question must be text."),
])
def test_unusable_questions_are_refused_with_a_message(assistant, question, message):
    from qa import InvalidQuestion

    for call in (assistant.ask, assistant.search):
        with pytest.raises(InvalidQuestion) as raised:
            call(question)
        assert str(raised.value) == message
    assert {a.id for a in assistant.articles()} == SEED_IDS


@pytest.mark.parametrize("question", [
    "How many US troops\x00\x07\x1b[31m remain?\x7f",
    "How many US troops \ud800 remain?",
    "\u200bHow many US troops remain?\u2028",
])
def test_control_characters_are_cleaned_and_the_question_answered(assistant, question):
    answer = assistant.ask(question)
    assert "2,500" in answer.text and not answer.refused
    assert {c.article_id for c in answer.citations} <= SEED_IDS
    json.dumps(answer.to_dict())  # serialisable: no lone surrogates leak into the output


@pytest.mark.parametrize("question", [
    "¿Cuántas tropas estadounidenses quedan en Irak?",
    "美国在伊拉克还有多少军队？",
    "كم عدد القوات الأمريكية المتبقية في العراق؟",
    "Сколько американских военных осталось в Ираке?",
    "🪖🪖🪖?",
])
def test_non_english_questions_get_a_refusal_not_an_error(assistant, question):
    answer = assistant.ask(question)
    assert (answer.refused, answer.text, list(answer.citations)) == (True, REFUSAL, [])
    assert {p.article_id for p in assistant.search(question)} <= SEED_IDS


# --- files: Python API upload --------------------------------------------------------------------

@pytest.fixture(scope="module")
def uploader(seed_settings, tmp_path_factory):
    """One writable copy of the seed index for the upload table (cases only add or reject)."""
    from qa import Assistant

    return Assistant.open(settings=copy_index(seed_settings, tmp_path_factory.mktemp("uploads") / "index"))


SEED_TITLE = "Over a dozen Iraqi security service members have been killed in a string of attacks that have rocked the…"
REJECTED_UPLOADS = [
    ("binary.txt", PNG, "UnreadableFile", "'binary.txt' was not indexed: binary file, not text"),
    ("empty.txt", b"", "UnreadableFile", "'empty.txt' was not indexed: empty file"),
    ("latin1.txt", "Café in Mosul".encode("latin-1"), "UnreadableFile",
     "'latin1.txt' was not indexed: not valid UTF-8 (byte 3); save the file as UTF-8"),
    ("huge.txt", HUGE, "FileTooLarge", "'huge.txt': file is 25.0 MB, over the 20 MB limit (NEWSQA_MAX_UPLOAD_MB)"),
    ("truncated.txt", "title Mosul café\n\nThe café served 40 soldiers é".encode()[:-1], "UnreadableFile",
     "'truncated.txt' was not indexed: not valid UTF-8 (byte 48); save the file as UTF-8"),
    ("truncated.json", b'{"title": "Mosul", "body": "The cafe in Mosul served 40 sol', "UnreadableFile",
     "'truncated.json' was not indexed: malformed JSON at line 1: Unterminated string starting at"),
    ("dup.txt", SEED_FILE.read_bytes(), "DuplicateArticle",
     f"'dup.txt' was not indexed: already in the index ({SEED_TITLE})"),
    ("../../etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", "UnsupportedFile",
     "'../../etc/passwd': unsupported file type (none); use one of .htm, .html, .json, .jsonl, .markdown, .md, .ndjson, .txt"),
    ("notes.pdf", b"%PDF-1.4", "UnsupportedFile",
     "'notes.pdf': unsupported file type .pdf; use one of .htm, .html, .json, .jsonl, .markdown, .md, .ndjson, .txt"),
]


@pytest.mark.parametrize("name, data, error, message", REJECTED_UPLOADS, ids=[c[0] for c in REJECTED_UPLOADS])
def test_rejected_uploads_say_why_and_change_nothing(uploader, name, data, error, message):
    import qa

    before = {a.id for a in uploader.articles()}
    uploads = uploader.settings.index_dir / "uploads"
    files_before = set(uploads.iterdir()) if uploads.exists() else set()
    with pytest.raises(qa.UnsupportedFile) as raised:
        uploader.add_upload(name, data)
    assert (type(raised.value).__name__, str(raised.value)) == (error, message)
    assert {a.id for a in uploader.articles()} == before >= SEED_IDS
    assert (set(uploads.iterdir()) if uploads.exists() else set()) == files_before, "a rejected upload was kept"


ACCEPTED_UPLOADS = [
    ("../../etc/passwd.txt", GOOD, "passwd-", ".txt"),
    ("..\\..\\x.txt", GOOD.replace(b"14", b"15"), "x-", ".txt"),
    ("/abs/path/<img src=x onerror=alert(1)>.md", GOOD.replace(b"14", b"16"), "_img_src_x_onerror_alert_1__-", ".md"),
    ("a" * 300 + ".txt", GOOD.replace(b"14", b"17"), "a" * 100 + "-", ".txt"),
    ("..", GOOD.replace(b"14", b"18"), "upload-", ".txt"),
]


@pytest.mark.parametrize("name, data, prefix, suffix", ACCEPTED_UPLOADS, ids=["traversal", "backslashes", "html-name",
                                                                             "long-name", "dots"])
def test_upload_names_cannot_leave_the_uploads_folder(uploader, tmp_path, name, data, prefix, suffix):
    before = {a.id for a in uploader.articles()}
    report = uploader.add_upload(name, data)
    (new_id,) = report.article_ids
    stored = next(a for a in uploader.articles() if a.id == new_id)
    path = Path(stored.path)
    assert path.parent == uploader.settings.index_dir / "uploads"
    assert path.name.startswith(prefix) and path.name.endswith(suffix) and len(path.name) <= 140
    assert path.read_bytes() == data
    assert {a.id for a in uploader.articles()} == before | {new_id}


def test_malformed_records_are_reported_one_by_one_and_the_good_one_kept(uploader):
    before = {a.id for a in uploader.articles()}
    report = uploader.add_upload("records.jsonl", RECORDS)
    assert (report.added, len(report.article_ids)) == (1, 1)
    reasons = [s.reason if "duplicate" in s.reason else f"{s.path.rsplit('#', 1)[-1]}: {s.reason.split(':')[0]}"
               for s in report.skipped]
    assert sorted(reasons) == sorted(RECORD_SKIPS)
    assert {a.id for a in uploader.articles()} == before | set(report.article_ids)
    again = uploader.add_upload("records.jsonl", RECORDS)
    assert (again.added, again.unchanged, again.passages) == (0, 1, 0)


# --- index folders: Python API -------------------------------------------------------------------

def test_missing_index_folder_is_a_clear_error_and_is_not_created(tmp_path):
    from qa import Assistant, IndexUnavailable

    missing = tmp_path / "nowhere" / "index"
    with pytest.raises(IndexUnavailable) as raised:
        Assistant.open(missing)
    assert str(raised.value) == (f"No index at {missing}: build one with "
                                 f"`python -m index build PATH --index-dir {missing}`")
    assert not missing.exists()


def test_index_from_an_incompatible_version_is_refused_untouched(seed_settings, tmp_path):
    from index import build_index
    from qa import Assistant, IndexUnavailable

    old = copy_index(seed_settings, tmp_path / "old")
    make_incompatible(old)
    message = ("The index was written by an incompatible version (schema 0, this is 1); "
               "rebuild it in a new index folder")
    with pytest.raises(IndexUnavailable, match=r"^" + message.replace("(", r"\(").replace(")", r"\)") + "$"):
        Assistant.open(settings=old)
    with pytest.raises(IndexUnavailable, match="incompatible version"):
        build_index(old, [SEEDS])
    with pytest.raises(IndexUnavailable, match="built with the embedding model 'bundled:all-MiniLM-L6-v2', "
                                               "not 'other-model'"):
        Assistant.open(settings=replace(seed_settings, embed_model="other-model"))
    assert set(chroma_client(old).get_collection("newsqa-articles").get(include=[])["ids"]) == SEED_IDS


def test_corrupt_database_is_a_clear_error(seed_settings, tmp_path):
    from qa import Assistant, IndexUnavailable

    broken = copy_index(seed_settings, tmp_path / "broken")
    (broken.index_dir / "chroma" / "chroma.sqlite3").write_bytes(b"not a database " * 100)
    with pytest.raises(IndexUnavailable) as raised:
        Assistant.open(settings=broken)
    assert str(raised.value) == (f"The index at {broken.index_dir} is damaged: its database chroma.sqlite3 cannot be "
                                 f"read (file is not a database). Rebuild it from the original files: `python -m "
                                 f"index rebuild --index-dir {broken.index_dir} PATH ...`")
    with pytest.raises(IndexUnavailable, match="is damaged: its database"):
        Assistant.open(settings=broken)  # the same message again, not Chroma's "no attribute 'bindings'"


@pytest.mark.parametrize("damage", ["garbage passages", "future format", "missing segment", "short vocabulary"])
def test_damaged_keyword_cache_is_rebuilt_from_chroma(seed_settings, tmp_path, damage):
    from qa import Assistant

    settings = copy_index(seed_settings, tmp_path / "index")
    cache = settings.index_dir / "keyword-newsqa"
    segment = next(cache.glob("seg-*.jsonl"))
    if damage == "garbage passages":
        segment.write_text('{"id": 1}\n\x00\x01 not json')
    elif damage == "future format":
        meta = json.loads((cache / "manifest.json").read_text())
        (cache / "manifest.json").write_text(json.dumps({**meta, "format": 99}))
    elif damage == "missing segment":
        segment.with_suffix(".npz").unlink()
    else:
        (cache / "vocab.txt").write_text("troop\n")
    assistant = Assistant.open(settings=settings)
    assert {a.id for a in assistant.articles()} == SEED_IDS
    answer = assistant.ask(TROOPS)
    assert "2,500" in answer.text and {c.article_id for c in answer.citations} == SEED_IDS
    assert json.loads((cache / "manifest.json").read_text())["format"] == 3 and len(list(cache.glob("seg-*"))) == 2


# --- the CLI -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cli(seed_settings, tmp_path_factory):
    """Every CLI case, run three at a time (each loads the model): name -> (CompletedProcess, context)."""
    root = tmp_path_factory.mktemp("cli")
    seeds = copy_index(seed_settings, root / "seeds")
    old = copy_index(seed_settings, root / "old")
    make_incompatible(old)
    bad = root / "bad-files"
    bad.mkdir()
    for name, data in [("binary.txt", PNG), ("empty.txt", b""), ("latin1.txt", "Café".encode("latin-1")),
                       ("huge.txt", HUGE), ("truncated.json", b'{"title": "x", "body": "cut'),
                       ("records.jsonl", RECORDS), ("dup.txt", SEED_FILE.read_bytes()), ("good.txt", GOOD)]:
        (bad / name).write_bytes(data)
    readonly = copy_index(seed_settings, root / "readonly")
    index_args = ["--index-dir", str(seeds.index_dir)]
    cases = {
        "empty question": (["-m", "qa", "ask", "", *index_args], {}),
        "100 kB question": (["-m", "qa", "ask", "y" * 100_000, *index_args], {}),
        "control characters": (["-m", "qa", "ask", "How many US troops\x07\x1b[31m remain?", *index_args], {}),
        "missing index": (["-m", "qa", "ask", TROOPS, "--index-dir", str(root / "missing")], {}),
        "incompatible index": (["-m", "qa", "ask", TROOPS, "--index-dir", str(old.index_dir)], {}),
        "bad setting": (["-m", "qa", "ask", TROOPS, *index_args], {"NEWSQA_TOP_K": "abc"}),
        "bad setting build": (["-m", "index", "build", str(bad), *index_args], {"NEWSQA_PASSAGE_TOKENS": "x"}),
        "bad files": (["-m", "index", "build", str(bad), str(root / "no-such-folder"), *index_args, "--json"], {}),
    }
    with ThreadPoolExecutor(3) as pool:
        futures = {name: pool.submit(run, *args, env=env) for name, (args, env) in cases.items()}
        if can_mount_read_only(readonly.index_dir):
            script = (f"{read_only_mount(readonly.index_dir)} && "
                      f"{sys.executable} -m qa ask '{TROOPS}' --index-dir {readonly.index_dir}; echo ask=$?; "
                      f"{sys.executable} -m index build {bad / 'good.txt'} --index-dir {readonly.index_dir}; "
                      f"echo build=$?")
            futures["read-only index"] = pool.submit(run, command=["unshare", "-m", "sh", "-c", script])
        results = {name: future.result() for name, future in futures.items()}
    return results, {"seeds": seeds, "old": old, "readonly": readonly, "root": root}


@pytest.mark.parametrize("case, code, message", [
    ("empty question", 1, f"error: {EMPTY}"),
    ("100 kB question", 1, "error: The question is 100,000 characters long; the limit is 2,000."),
    ("incompatible index", 1, "error: The index was written by an incompatible version (schema 0, this is 1); "
                              "rebuild it in a new index folder"),
    ("bad setting", 2, "error: NEWSQA_TOP_K='abc' is not a valid int"),
    ("bad setting build", 2, "error: NEWSQA_PASSAGE_TOKENS='x' is not a valid int"),
])
def test_cli_errors_are_one_line_and_an_exit_code(cli, case, code, message):
    results, _ = cli
    done = results[case]
    assert (done.returncode, done.stderr.strip().splitlines()[-1], done.stdout) == (code, message, "")
    assert "Traceback" not in done.stderr


def test_cli_missing_index_is_not_created(cli):
    results, context = cli
    done, missing = results["missing index"], context["root"] / "missing"
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: No index at {missing}: build one with")
    assert not missing.exists()


def test_cli_cleans_control_characters(cli):
    results, _ = cli
    done = results["control characters"]
    assert done.returncode == 0 and "2,500" in done.stdout


def test_cli_build_reports_each_bad_file_and_keeps_everything(cli):
    from qa import Assistant

    results, context = cli
    done = results["bad files"]
    last = done.stderr.strip().splitlines()[-1]
    assert done.returncode == 1 and last.startswith("error: not found: "), done.stderr[-2000:]
    assert last.endswith("no-such-folder") and "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    reasons = {Path(s["path"].split(": ", 1)[0]).name: s["reason"].split(":")[0] for s in report["skipped"]}
    assert reasons == {
        "binary.txt": "binary file, not text", "empty.txt": "empty file",
        "latin1.txt": "not valid UTF-8 (byte 3); save the file as UTF-8",
        "huge.txt": "file is 25.0 MB, over the 20 MB limit (NEWSQA_MAX_UPLOAD_MB)",
        "truncated.json": "malformed JSON at line 1", "records.jsonl#line2": "malformed JSON",
        "records.jsonl#line3": "record has no body text (body, text or content)",
        "records.jsonl#line4": "record has no body text (body, text or content)",
        "records.jsonl#line5": "record is not a JSON object", "records.jsonl#line7": "malformed JSON",
        "records.jsonl": "duplicate of an article already in this run",
        "dup.txt": f"duplicate of an article already in seeds/{SEED_FILE.name}",
        "no-such-folder": "no such file or folder"}
    assert (report["added"], report["removed"]) == (2, 0)
    assert article_ids(context["seeds"]) == SEED_IDS | set(report["article_ids"])
    assert "2,500" in Assistant.open(settings=context["seeds"]).ask(TROOPS).text


def test_cli_on_a_read_only_index_says_so_and_loses_nothing(cli):
    results, context = cli
    if "read-only index" not in results:
        pytest.skip("no read-only bind mount here (needs `unshare -m` and mount); as root, chmod cannot make "
                    "a folder read-only")
    done = results["read-only index"]
    message = (f"error: The index at {context['readonly'].index_dir} is read-only, and Chroma needs write access "
               f"even to answer: make it writable or copy it to a writable folder")
    errors = [line for line in done.stderr.strip().splitlines() if line.startswith("error: ")]
    assert errors == [message, message] and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stdout.split() == ["ask=1", "build=1"]
    assert article_ids(context["readonly"]) == SEED_IDS


# --- REST ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rest(uploader):
    """A TestClient over the REST app on the upload-table index."""
    from fastapi.testclient import TestClient

    from qa.serve.api import create_api

    return TestClient(create_api(lambda: uploader, uploader.settings), base_url=LOCAL)


@pytest.mark.parametrize("body, status, check", [
    (b'{"question": "' + b"y" * 100_000 + b'"}', 422, "The question is 100,000 characters long; the limit is 2,000."),
    (b'{"question": "\\u0000\\u0001\\u001b"}', 422, EMPTY),
    (b'{"question": "How many US troops \\ud800\\u0007 remain?"}', 200, "2,500"),
    ('{"question": "¿Cuántas tropas estadounidenses quedan en Irak?"}'.encode(), 200, REFUSAL),
    (b'{"question": "caf\xe9"}', 400, "There was an error parsing the body"),
    (b'\xff\xfe\x00', 400, "There was an error parsing the body"),
    (b'{"question": "Q", "history": "not a list"}', 422, "history: Input should be a valid list"),
], ids=["100kB", "control-only", "surrogate", "spanish", "latin1-body", "binary-body", "bad-history"])
def test_rest_questions(rest, body, status, check):
    response = rest.post("/api/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    payload = response.json()
    assert check in (payload.get("error") or payload.get("answer"))
    assert SEED_IDS <= {a["id"] for a in rest.get("/api/articles").json()["articles"]}


@pytest.mark.parametrize("name, data, status, check", [
    ("binary.txt", PNG, 422, "'binary.txt' was not indexed: binary file, not text"),
    ("latin1.txt", "Café in Mosul".encode("latin-1"), 422, "not valid UTF-8 (byte 3)"),
    ("truncated.json", b'{"title": "x", "body": "cut', 422, "malformed JSON at line 1"),
    ("dup.txt", SEED_FILE.read_bytes(), 409, f"'dup.txt' was not indexed: already in the index ({SEED_TITLE})"),
    ("huge.txt", HUGE, 413, "The upload is 25.0 MB, over the 20 MB limit (NEWSQA_MAX_UPLOAD_MB)"),
    ("../../../../tmp/evil.txt", GOOD.replace(b"14", b"19"), 201, "evil-"),
], ids=["binary", "latin1", "truncated", "duplicate", "huge", "traversal"])
def test_rest_uploads(rest, uploader, name, data, status, check):
    before = {a["id"] for a in rest.get("/api/articles").json()["articles"]}
    response = rest.post("/api/articles", files={"file": (name, data, "text/plain")})
    assert response.status_code == status, response.text
    after = {a["id"] for a in rest.get("/api/articles").json()["articles"]}
    if status == 201:
        (article,) = response.json()["articles"]
        assert article["path"] == "evil.txt", "shown under the upload's own (safe) name, not a server path"
        stored = Path(next(a.path for a in uploader.articles() if a.id == article["id"]))
        assert stored.parent == uploader.settings.index_dir / "uploads" and stored.name.startswith(check)
        assert after == before | {article["id"]}
    else:
        assert check in response.json()["error"]
        assert after == before


# --- escaping: nothing in an article is executed or rendered as HTML ---------------------------------

HOSTILE = (b"title Kirkuk <script>alert('t')</script> market <img src=x onerror=alert(1)>\nsource <b>Wire</b>\n\n"
           b"Traders in Kirkuk counted 23 stalls <script>alert('b')</script> at the market on Friday. "
           b"<img src=x onerror=alert(2)> The stalls sell dates and tea.\n")


def test_hostile_article_is_stored_verbatim_and_escaped_in_the_ui(rest, uploader, tmp_path):
    from qa.serve.ui import Handlers

    response = rest.post("/api/articles", files={"file": ("<svg onload=alert(3)>.txt", HOSTILE, "text/plain")})
    assert response.status_code == 201, response.text
    (article,) = response.json()["articles"]
    assert response.headers["content-type"] == "application/json"
    assert article["title"] == "Kirkuk <script>alert('t')</script> market <img src=x onerror=alert(1)>"
    assert article["path"] == "_svg_onload_alert_3__.txt"
    question = "How many stalls did traders in Kirkuk count at the market?"
    answer = rest.post("/api/ask", json={"question": question}).json()
    assert article["id"] in {c["article_id"] for c in answer["citations"]} and "23 stalls" in answer["answer"]
    *_, (messages, _) = list(Handlers(lambda: uploader, uploader.settings).chat(question, []))
    shown = messages[-1]["content"]
    assert "23 stalls" in shown and "&lt;script&gt;alert(&#x27;t&#x27;)&lt;/script&gt;" in shown
    assert not re.search(r"<(script|img|svg)\b", shown, re.I)
    hostile_file = tmp_path / "<img src=x onerror=alert(4)>.txt"
    hostile_file.write_bytes(HOSTILE.replace(b"23", b"24"))
    result = Handlers(lambda: uploader, uploader.settings).upload([str(hostile_file)], progress=lambda *a, **k: None)[0]
    assert "<img" not in result and "&lt;img src=x onerror=alert&#40;4&#41;&gt;.txt" in result


@pytest.mark.parametrize("variable", ["NEWSQA_READER", "NEWSQA_READER_ENCODER", "NEWSQA_READER_SPANS",
                                      "NEWSQA_READER_CONFIDENCE"])
def test_a_reading_model_setting_that_names_no_file_is_a_clear_cli_error(seed_settings, tmp_path, variable):
    missing = tmp_path / "no-such-model"
    env = os.environ | {"NEWSQA_INDEX_DIR": str(seed_settings.index_dir), variable: str(missing)}
    done = subprocess.run([sys.executable, "-m", "qa", "ask", "How many US troops remain?"], capture_output=True,
                          text=True, cwd=ROOT, env=env, timeout=300)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: {variable}={missing}: no such file")
