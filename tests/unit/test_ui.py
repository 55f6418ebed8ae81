"""The UI's rendering (pure functions) and its handlers over the fakes (no model is loaded)."""

from __future__ import annotations

import json
import os
from dataclasses import replace

import pytest
from fakes import ScriptedGenerator, fake_assistant

from index import SEEDS

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from qa import Answer, Citation

TITLE = 'Bad <img src=x onerror="alert(1)"> & co'
PASSAGE = "Intro line.\n\n\nThe *army* has 2,500 <b>troops</b> left. Outro [link](http://x)."


def citation(n: int = 1, date: str | None = "2022-12-18", source: str | None = "Wire <i>") -> Citation:
    """A citation of the second sentence of PASSAGE, which starts at article offset 100."""
    start = 100 + PASSAGE.index("The *army*")
    end = 100 + PASSAGE.index(" Outro")
    return Citation(n=n, article_id="a1", title=TITLE, source=source, date=date, path="/x/uploads/f-1.txt",
                    url=None, quote=PASSAGE[start - 100:end - 100], start=start, end=end, passage_id="a1-0000",
                    passage_text=PASSAGE, passage_start=100)


def test_sources_are_escaped_and_highlighted():
    from qa.serve.ui import source_html

    shown = source_html(citation())
    assert '<span class="nqa-title">Bad &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; co</span>' in shown
    assert "— Wire &lt;i&gt; · 2022-12-18" in shown
    assert "<mark>The *army* has 2,500 &lt;b&gt;troops&lt;/b&gt; left.</mark>" in shown
    assert shown.count("<mark>") == 2 and "<img" not in shown and "<b>" not in shown
    assert "Intro line.\n<mark>" in shown
    assert ">f-1.txt · characters 114–154 · whole passage</summary>" in shown
    assert "— undated" in source_html(citation(date=None, source=None))


def test_context_is_cut_at_word_boundaries():
    from qa.serve.ui import highlighted_passage

    long = replace(citation(), passage_text="alpha beta gamma delta. " + PASSAGE[11:] + " epsilon zeta eta theta",
                   passage_start=100 - 13, start=citation().start, end=citation().end)
    assert highlighted_passage(long, 14) == ("… gamma delta. \n<mark>The *army* has 2,500 &lt;b&gt;troops&lt;/b&gt; "
                                             "left.</mark> Outro …")
    assert highlighted_passage(long).startswith("alpha beta gamma delta. \n<mark>")


def test_answer_is_one_raw_html_line_with_numbered_references():
    from qa.serve.ui import answer_html

    answer = Answer(question="q", text="2 articles answer this (newest first):\n- 2022, A: x <y> [1]\n- B: z [2]",
                    refused=False, citations=(citation(1), citation(2, date=None)), rewritten_question="Q (x)?")
    shown = answer_html(answer)
    assert "\n" not in shown and shown.startswith('<div class="nqa-answer">')
    assert '<div class="nqa-rewritten">Understood as: <q>Q (x)?</q></div>' in shown
    assert ('<ul><li>2022, A: x &lt;y&gt; <span class="nqa-ref">[1]</span></li>'
            '<li>B: z <span class="nqa-ref">[2]</span></li></ul>') in shown
    assert [part.split('"')[0] for part in shown.split('data-n="')[1:]] == ["1", "2"]


def test_refusal_is_styled_and_says_what_is_covered():
    from qa.serve.ui import answer_html

    refusal = Answer(question="q", text="The indexed articles do not answer this question.", refused=True)
    shown = answer_html(refusal, "The index covers 2 articles <b>.")
    assert '<div class="nqa-refused"><div class="nqa-refused-title">Not answered by the indexed articles' in shown
    assert '<div class="nqa-coverage">The index covers 2 articles &lt;b&gt;.</div>' in shown
    assert "nqa-sources" not in shown


def test_corpus_facts_and_coverage_text():
    from index import StoredArticle
    from qa.serve.ui import corpus_html, coverage_text

    stats = {"articles": 3, "passages": 9, "undated_articles": 1, "date_range": ["2022-12-18", "2023-05-02"],
             "outlets": ["AP", "<BBC>"]}
    shown = corpus_html(stats)
    assert "<b>3</b>articles" in shown and "<b>9</b>passages" in shown
    assert "2022-12-18 to 2023-05-02 (1 undated)" in shown and "AP, &lt;BBC&gt;" in shown
    articles = [StoredArticle(id=str(i), title=f"T{i}", source=None, date=None, url=None, author=None, path="",
                              file_hash="", file_articles=1, passages=1) for i in range(5)]
    assert coverage_text(stats, articles) == ("The index covers 3 articles from AP, <BBC>, dated 2022-12-18 to "
                                              "2023-05-02 (1 undated). For example: “T0”; “T1”; “T2”.")
    assert coverage_text({"articles": 0}, []) == "The index is empty: upload articles in the Articles tab."


def test_plain_history_reads_gradio_messages():
    from qa.serve.ui import plain_history

    messages = [{"role": "user", "content": [{"type": "text", "text": "How many &lt;US&gt; troops?"}]},
                {"role": "assistant", "content": "<div>answer</div>"}, {"role": "system", "content": "x"}]
    assert plain_history(messages) == [{"role": "user", "content": "How many <US> troops?"},
                                       {"role": "assistant", "content": "<div>answer</div>"}]


def test_handlers_chat_upload_remove(tmp_path):
    fresh_assistant = fake_assistant(tmp_path / "fake", files=[SEEDS])
    import gradio as gr

    from qa.serve.ui import Handlers

    handlers = Handlers(lambda: fresh_assistant, fresh_assistant.settings)
    steps = list(handlers.chat("How many US troops remain?", []))
    history, answer_json = steps[-1]
    assert json.loads(answer_json) == {**fresh_assistant.ask("How many US troops remain?").to_dict(),
                                       "timings_ms": json.loads(answer_json)["timings_ms"]}
    assert [m["role"] for m in history] == ["user", "assistant"] and "2,500" in history[1]["content"]
    with pytest.raises(gr.Error, match="The question is empty"):
        list(handlers.chat("  ", history))
    good, bad = tmp_path / "ships.md", tmp_path / "notes.pdf"
    good.write_text("# Harbour news\n\nDate: 2023-01-02\n\nThe harbour handled 412 ships in January.\n")
    bad.write_bytes(b"%PDF")
    result, cleared, corpus, rows, choices = handlers.upload([str(good), str(bad)], progress=lambda *a, **k: None)
    assert result.startswith("- **ships.md**: added 1, updated 0, unchanged 0, skipped 0")
    assert "Not indexed:\n- **notes.pdf**: &#x27;notes.pdf&#x27;: unsupported file type" in result
    assert cleared is None and "<b>3</b>articles" in corpus and len(rows) == 3
    new_id = next(row[5] for row in rows if row[0] == "Harbour news")
    assert "412 ships" in handlers.show(new_id)
    message, text, corpus, rows, choices = handlers.remove(new_id)
    assert message == f"Removed article `{new_id}`." and len(rows) == 2 and "<b>2</b>articles" in corpus
    message, text, corpus, rows, choices = handlers.remove(new_id)
    assert message == f"No article with id &#x27;{new_id}&#x27;" and len(rows) == 2


def test_an_upload_where_every_file_fails_keeps_the_table_and_choices(tmp_path):
    """Raising gr.Error would turn every output (the table, the dropdown) into an error badge."""
    from qa.serve.ui import Handlers

    assistant = fake_assistant(tmp_path / "fake", files=[SEEDS])
    handlers = Handlers(lambda: assistant, assistant.settings)
    bad, empty = tmp_path / "notes.pdf", tmp_path / "empty.txt"
    bad.write_bytes(b"%PDF")
    empty.write_bytes(b"  \n")
    result, cleared, corpus, rows, choices = handlers.upload([str(bad), str(empty)], progress=lambda *a, **k: None)
    assert result.startswith("**Nothing was indexed.**\n\n- **notes.pdf**: &#x27;notes.pdf&#x27;: unsupported")
    assert "- **empty.txt**: &#x27;empty.txt&#x27; was not indexed: empty file" in result
    assert len(rows) == 2 and "<b>2</b>articles" in corpus
    assert [c[1] for c in choices["choices"]] == [row[5] for row in rows]
    assert handlers.upload(None)[0] == "Choose one or more files to upload first."
    assert handlers.remove(None)[3] == rows


def test_markdown_in_names_and_questions_is_shown_as_text(tmp_path):
    from qa.serve.ui import Handlers, md_literal, plain_history, question_html

    assert md_literal("![q](http://x/i.png) *b* <i>") == ("&#33;&#91;q&#93;&#40;http://x/i.png&#41; &#42;b&#42; "
                                                          "&lt;i&gt;")
    assert question_html("![q](x)\nline <2>") == '<div class="nqa-question">![q](x)<br>line &lt;2&gt;</div>'
    assistant = fake_assistant(tmp_path / "fake", files=[SEEDS])
    history, _ = list(Handlers(lambda: assistant, assistant.settings).chat("![q](x) troops?", []))[-1]
    assert history[0]["content"] == '<div class="nqa-question">![q](x) troops?</div>'
    assert plain_history(history)[0] == {"role": "user", "content": "![q](x) troops?"}
    named = tmp_path / "![q](x).md"
    named.write_text("# Harbour news\n\nThe harbour handled 412 ships in January.\n")
    result = Handlers(lambda: assistant, assistant.settings).upload([str(named)], progress=lambda *a, **k: None)[0]
    assert result.startswith("- **&#33;&#91;q&#93;&#40;x&#41;.md**: added 1")


def test_the_chat_sends_only_recent_questions_within_the_history_limits(tmp_path):
    from qa import Settings
    from qa.serve.ui import recent_questions

    turns = [{"role": r, "content": f"{r} {i} " + "x" * 50} for i in range(10) for r in ("user", "assistant")]
    settings = Settings.from_env(env={}, max_history_turns=4, max_history_chars=120)
    assert recent_questions(turns, settings) == [turns[16], turns[18]], "the newest that fit, oldest first, no answers"
    assert recent_questions(turns, Settings.from_env(env={}, max_question_chars=10)) == []


def test_notes_and_preliminary_quotes_are_shown_escaped():
    from qa.serve.ui import answer_html, partial_html

    answer = Answer(question="q", text="x [1]", refused=False, citations=(citation(),), notes=("model <failed>",))
    assert '<div class="nqa-note">model &lt;failed&gt;</div>' in answer_html(answer)
    waiting = partial_html("", None, "Quoted <b> [1]")
    assert "Quoted from the articles while the language model writes:" in waiting
    assert 'Quoted &lt;b&gt; <span class="nqa-ref">[1]</span>' in waiting
    assert "while the language model writes" not in partial_html("The model", None, "Quoted")


def test_chat_streams_the_synthesizers_words(tmp_path):
    from qa.serve.ui import Handlers

    from qa.generate import Synthesizer

    scripted = fake_assistant(tmp_path, files=[SEEDS], synthesizer=Synthesizer(ScriptedGenerator("The US has about 2,500 troops. [1]")))
    shown = [history[-1]["content"] for history, _ in Handlers(lambda: scripted, scripted.settings).chat(
        "How many US troops remain?", [])]
    assert "while the language model writes" in shown[0] and "2,500" in shown[0]
    assert [s.split('<div class="nqa-text">')[1].split("</div>")[0] for s in shown[1:5]] == [
        "The ", "The US ", "The US has ", "The US has about "]
    assert 'The US has about 2,500 troops. <span class="nqa-ref">[1]</span></div>' in shown[-1] and "nqa-source" in shown[-1]


def test_a_source_card_lists_the_other_outlets_that_published_the_story():
    from qa.serve.ui import copies_html

    copies = ({"article_id": "a", "source": "Valley Bulletin", "title": "Storm", "date": "2023-11-02", "url": None},
              {"article_id": "b", "source": None, "title": "Storm <b>Helena</b>", "date": None, "url": None})
    assert copies_html(copies) == ('<div class="nqa-copies">Also published by: Valley Bulletin (2023-11-02), '
                                   'Storm &lt;b&gt;Helena&lt;/b&gt; (undated)</div>')
    assert copies_html(()) == ""


def test_the_web_section_tells_what_a_url_gave_and_keeps_the_table(tmp_path):
    from index import Feed
    from qa.serve.ui import Handlers
    from qa.serve.web_ui import WebHandlers, feeds_markdown

    assistant = fake_assistant(tmp_path / "fake", files=[SEEDS])
    web = WebHandlers(Handlers(lambda: assistant, assistant.settings))
    result, url, feeds, corpus, rows, choices = web.add("  ", False, progress=lambda *a, **k: None)
    assert (result, feeds, len(rows)) == ("Give an article page or feed URL first.", "No feeds remembered yet.", 2)
    result, url, feeds, corpus, rows, choices = web.add("ftp://x/![a](b)", False, progress=lambda *a, **k: None)
    assert result.startswith("**Nothing was indexed** from ftp://x/&#33;&#91;a&#93;&#40;b&#41;: ")
    assert url == "ftp://x/![a](b)" and len(rows) == 2
    listed = feeds_markdown([Feed(id="f1", url="https://example.org/rss", title="Example *news*",
                                  checked="2024-01-01T00:00:00Z", status="ok", entries_read=3)])
    assert listed == ("- **Example &#42;news&#42;** (https://example.org/rss): 3 entries read, "
                      "last checked 2024-01-01T00:00:00Z, ok")


def test_the_chat_takes_the_filters_and_shows_the_dates_it_read(tmp_path):
    import gradio as gr

    from conftest import DATA
    from qa.serve.ui import Handlers

    assistant = fake_assistant(tmp_path / "fake", files=[SEEDS, DATA / "outlets"])
    handlers = Handlers(lambda: assistant, assistant.settings)
    history, answer_json = list(handlers.chat("How many US troops remain?", [], ["reuters"], [], " ", ""))[-1]
    assert [c["source"] for c in json.loads(answer_json)["citations"]] == ["Reuters"]
    history, _ = list(handlers.chat("How many US troops remain since January?", [], [], ["Reuters"], "", ""))[-1]
    shown = history[-1]["content"]
    assert ('<div class="nqa-rewritten">Understood as: dates: since January = since 2023-01-01 (only these)</div>'
            in shown) and "nqa-note" not in shown, "the dates go on the Understood line, not among the notes"
    history, _ = list(handlers.chat("How many US troops remain?", [], ["Nobody"], [], "", ""))[-1]
    assert "No article matches the filters (outlets Nobody)." in history[-1]["content"]
    with pytest.raises(gr.Error, match="until must be a date written YYYY-MM-DD, not '31/12/2022'"):
        list(handlers.chat("How many US troops remain?", [], [], [], "", "31/12/2022"))
    sources, excluded = handlers.outlets(["Reuters", "Gone"], ["Test Wire"])
    assert sources["choices"] == ["Associated Press", "Reuters", "Test Wire", "Yahoo News"]
    assert (sources["value"], excluded["value"]) == (["Reuters"], ["Test Wire"])


def test_the_timeline_view_is_escaped_dated_and_filtered(tmp_path):
    from conftest import DATA
    from qa.serve.ui import Handlers

    assistant = fake_assistant(tmp_path / "fake", files=[SEEDS, DATA / "outlets"])
    handlers = Handlers(lambda: assistant, assistant.settings)
    shown = handlers.timeline("Kirkuk", [], ["Yahoo News"], "2023-01-01", "")
    assert "\n" not in shown and shown.count('<li class="nqa-event"') == 2
    assert '<div class="nqa-note">Filters: not Yahoo News; since 2023-01-01</div>' in shown
    assert shown.index("2023-01-10") < shown.index("2023-02-03")
    assert "<mark>Authorities in Kirkuk lifted the night curfew on Tuesday" in shown
    assert handlers.timeline("<b>Mars</b>") == ('<div class="nqa-timeline nqa-refused">No article is about '
                                                '<q>&lt;b&gt;Mars&lt;/b&gt;</q>.</div>')
