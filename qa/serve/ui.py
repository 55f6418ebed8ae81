"""The Gradio chat UI: ask with streamed, cited answers; upload, list and remove articles.

Handlers only parse input, call the Assistant and format output. Everything that comes from an
article is HTML-escaped before it is shown, and rendered as one HTML block so that Markdown never
interprets it either.
"""

from __future__ import annotations

import html
import json
import logging
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Sequence

import gradio as gr

from index import SUPPORTED, StoredArticle

from .. import Answer, Assistant, Citation, Filters, NewsqaError, Settings, Timeline
from .messages import esc, md_literal, public_message, report_line
from .web_ui import feeds_markdown, web_section

log = logging.getLogger(__name__)
Source = Callable[[], Assistant]
EXAMPLES = ["How many US troops remain?", "How many Iraqi police officers were killed in the Kirkuk attack?",
            "Who called the violence a cowardly terrorist attack?", "When was the Islamic State defeated in Iraq?"]
UPLOAD_TYPES = sorted(SUPPORTED)
CONTEXT_CHARS = 160
_REF = re.compile(r"\[(\d+)\]")
_BLANK_LINES = re.compile(r"\n[ \t]*(?:\n[ \t]*)+")
_QUESTION = re.compile(r'<div class="nqa-question">(.*)</div>', re.DOTALL)

CSS = """
.nqa-answer { line-height: 1.5; font-size: .95em; }
.nqa-rewritten { font-size: .85em; color: var(--body-text-color-subdued); margin-bottom: .4em; }
.nqa-rewritten q { font-style: italic; }
.nqa-text ul { margin: .3em 0 .3em 1.1em; padding: 0; }
.nqa-ref { font-size: .8em; font-weight: 600; color: var(--color-accent); vertical-align: super; }
.nqa-sources { margin-top: .8em; border-top: 1px solid var(--border-color-primary); padding-top: .5em; }
.nqa-sources-title { font-size: .78em; text-transform: uppercase; letter-spacing: .06em;
  color: var(--body-text-color-subdued); margin-bottom: .3em; }
.nqa-source { margin: .45em 0 .7em; }
.nqa-source-head { font-size: .9em; }
.nqa-source-head .nqa-n { font-weight: 700; color: var(--color-accent); margin-right: .3em; }
.nqa-source-head .nqa-title { font-weight: 600; }
.nqa-meta { color: var(--body-text-color-subdued); }
.nqa-passage { margin: .3em 0 .2em !important; padding: .45em .7em; border-left: 3px solid var(--color-accent);
  background: var(--background-fill-secondary); font-size: .88em; max-height: 14em; overflow-y: auto; }
.nqa-passage mark { background: #fde68a; color: #1f2937; padding: 0 .1em; border-radius: 2px; }
.nqa-file { font-size: .75em; color: var(--body-text-color-subdued); font-family: var(--font-mono);
  cursor: pointer; }
.nqa-whole .nqa-passage { max-height: 16em; }
.nqa-refused { border-left: 4px solid #d97706; background: rgba(245, 158, 11, .09); padding: .5em .8em;
  border-radius: 4px; }
.nqa-refused .nqa-refused-title { font-weight: 700; color: #b45309; }
.nqa-coverage { font-size: .88em; margin-top: .4em; color: var(--body-text-color-subdued); }
.nqa-note { font-size: .82em; color: var(--body-text-color-subdued); margin-top: .4em; font-style: italic; }
.nqa-preliminary { font-size: .8em; color: var(--body-text-color-subdued); margin-bottom: .2em; }
.nqa-dim { opacity: .7; }
.nqa-corpus .nqa-figures { display: flex; gap: 1.2em; margin-bottom: .4em; }
.nqa-corpus .nqa-figure b { display: block; font-size: 1.5em; }
.nqa-corpus p { margin: .2em 0; font-size: .9em; }
.nqa-short { font-size: 1.15em; }
.nqa-copies { font-size: .78em; color: var(--body-text-color-subdued); margin-top: .2em; }
.nqa-timeline ol { list-style: none; margin: 0; padding: 0; border-left: 2px solid var(--color-accent); }
.nqa-event { margin: 0 0 .9em .8em; }
.nqa-event-date { font-weight: 700; font-size: .9em; }
.nqa-event .nqa-passage { max-height: none; }
"""


# --- rendering (pure functions: values in, escaped HTML out) ------------------------------------

def question_html(question: str) -> str:
    """The user's own question in the chat: escaped, in one raw HTML block so Markdown never reads it."""
    return one_line(f'<div class="nqa-question">{esc(question)}</div>')


def question_text(content: str) -> str:
    """The question a chat message shows (question_html's inverse; plain text is taken as it is)."""
    match = _QUESTION.fullmatch(content.strip())
    return html.unescape(match.group(1).replace("<br>", "\n")) if match else html.unescape(content)


def one_line(fragment: str) -> str:
    """Join HTML onto one line so Markdown treats it as a single raw block (no paragraphs, no code)."""
    return fragment.replace("\r", "").replace("\n", "<br>")


def answer_text_html(text: str, short_answer: str | None = None) -> str:
    """The answer's text, escaped, with the short answer (its first line) in bold, '- ' lines as a list and
    [n] marks styled as references."""
    lines, items, out = text.split("\n"), [], []
    if short_answer and lines and lines[0] == short_answer:
        out.append(f'<b class="nqa-short">{esc(short_answer)}</b><br>')
        lines = lines[1:]
    for line in lines:
        if line.startswith("- "):
            items.append(f"<li>{_refs(esc(line[2:]))}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        out.append(_refs(esc(line)) + "<br>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out).removesuffix("<br>")


def _refs(escaped: str) -> str:
    """Wrap [n] citation marks (in escaped text) in a styled span."""
    return _REF.sub(r'<span class="nqa-ref">[\1]</span>', escaped)


def highlighted_passage(citation: Citation, context: int | None = None) -> str:
    """The quoted passage, escaped, with the answering sentence in <mark>; context=N keeps N characters
    (to a word boundary) on each side of it."""
    text, offset = citation.passage_text, citation.passage_start
    a, b = citation.start - offset, citation.end - offset
    before, quote, after = (_BLANK_LINES.sub("\n", part) for part in (text[:a], text[a:b], text[b:]))
    if context is not None:
        before, after = _keep_end(before, context), _keep_start(after, context)
    return f"{esc(before)}<mark>{esc(quote)}</mark>{esc(after)}"


def _keep_end(text: str, n: int) -> str:
    """The last n characters of text without a cut word, after '… ' when anything was cut."""
    if len(text) <= n:
        return text
    kept = text[-n:]
    if not text[-n - 1].isspace():
        kept = kept.split(maxsplit=1)[-1] if " " in kept.strip() else kept
    return "… " + kept.lstrip()


def _keep_start(text: str, n: int) -> str:
    """The first n characters of text without a cut word, before ' …' when anything was cut."""
    if len(text) <= n:
        return text
    kept = text[:n]
    if not text[n].isspace():
        kept = kept.rsplit(maxsplit=1)[0] if " " in kept.strip() else kept
    return kept.rstrip() + " …"


def source_html(citation: Citation) -> str:
    """One numbered source: title, outlet, date, the answering sentence in its context, and the whole
    passage and file behind a disclosure."""
    meta = " · ".join(esc(x) for x in (citation.source, citation.date or "undated") if x)
    file_name = Path(citation.path.split("#", 1)[0]).name if citation.path else "unknown file"
    return (f'<div class="nqa-source" data-n="{citation.n}"><div class="nqa-source-head">'
            f'<span class="nqa-n">[{citation.n}]</span><span class="nqa-title">{esc(citation.title)}</span> '
            f'<span class="nqa-meta">— {meta}</span></div>'
            f'<blockquote class="nqa-passage">{highlighted_passage(citation, CONTEXT_CHARS)}</blockquote>'
            f'<details class="nqa-whole"><summary class="nqa-file" title="{esc(citation.path)}">{esc(file_name)}'
            f' · characters {citation.start}–{citation.end} · whole passage</summary>'
            f'<blockquote class="nqa-passage nqa-full">{highlighted_passage(citation)}</blockquote></details>'
            f'{copies_html(citation.duplicates)}</div>')


def copies_html(duplicates) -> str:
    """The same story published by other outlets (syndicated copies), dated; empty when there are none."""
    if not duplicates:
        return ""
    items = ", ".join(f'{esc(d.get("source") or d.get("title"))} ({esc(d.get("date") or "undated")})'
                      for d in duplicates)
    return f'<div class="nqa-copies">Also published by: {items}</div>'



def coverage_text(stats: dict, articles: Sequence[StoredArticle], samples: int = 3) -> str:
    """What the corpus covers, in a sentence or two (shown with a refusal)."""
    if not stats.get("articles"):
        return "The index is empty: upload articles in the Articles tab."
    outlets = f" from {', '.join(stats['outlets'])}" if stats.get("outlets") else ""
    titles = "; ".join(f"“{a.title}”" for a in articles[:samples])
    return (f"The index covers {stats['articles']:,} articles{outlets}, {date_span(stats)}. "
            f"For example: {titles}.")


def date_span(stats: dict) -> str:
    """'dated 2022-12-18 to 2023-01-05 (1 undated)', or 'all undated'."""
    dates, undated = stats.get("date_range"), stats.get("undated_articles") or 0
    if not dates:
        return "all undated"
    span = f"dated {dates[0]}" if dates[0] == dates[1] else f"dated {dates[0]} to {dates[1]}"
    return span + (f" ({undated:,} undated)" if undated else "")


def rewritten_html(rewritten: str | None, dates: str = "") -> str:
    """The follow-up as the assistant understood it, and the dates it read in the question."""
    parts = ([f"<q>{esc(rewritten)}</q>"] if rewritten else []) + ([esc(dates)] if dates else [])
    return f'<div class="nqa-rewritten">Understood as: {" · ".join(parts)}</div>' if parts else ""


def answer_html(answer: Answer, coverage: str = "", dates: str = "") -> str:
    """A finished answer: the text with [n] marks and its numbered sources, or a styled refusal; the dates read
    in the question (the stream's 'dates' event) go on the "Understood as" line, not among the notes."""
    head = rewritten_html(answer.rewritten_question, dates)
    notes = "".join(f'<div class="nqa-note">{esc(note)}</div>' for note in answer.notes if note != dates)
    if answer.refused:
        body = (f'<div class="nqa-refused"><div class="nqa-refused-title">Not answered by the indexed articles'
                f'</div><div class="nqa-text">{answer_text_html(answer.text)}</div>'
                f'<div class="nqa-coverage">{esc(coverage)}</div></div>')
        return one_line(f'<div class="nqa-answer">{head}{body}{notes}</div>')
    sources = "".join(source_html(c) for c in answer.citations)
    return one_line(f'<div class="nqa-answer">{head}<div class="nqa-text">'
                    f'{answer_text_html(answer.text, answer.short_answer)}</div>'
                    f'{notes}<div class="nqa-sources"><div class="nqa-sources-title">Sources</div>{sources}</div>'
                    f'</div>')


def partial_html(text: str, rewritten: str | None, quoted: str = "", dates: str = "") -> str:
    """An answer still being streamed; before the language model's first words, the quoted sentences."""
    if not text and quoted:
        body = (f'<div class="nqa-preliminary">Quoted from the articles while the language model writes:</div>'
                f'<div class="nqa-text nqa-dim">{answer_text_html(quoted)}</div>')
    else:
        body = f'<div class="nqa-text">{answer_text_html(text) or "…"}</div>'
    return one_line(f'<div class="nqa-answer nqa-streaming">{rewritten_html(rewritten, dates)}{body}</div>')


def timeline_html(found: Timeline) -> str:
    """A timeline: each event's date and outlet, its sentence in context, its other outlets; oldest first."""
    scope = f'<div class="nqa-note">Filters: {esc(found.filters.describe())}</div>' if found.filters.active else ""
    if not found.events:
        return one_line(f'<div class="nqa-timeline nqa-refused">No article is about <q>{esc(found.topic)}</q>.'
                        f'{scope}</div>')
    items = "".join(f'<li class="nqa-event" data-n="{e.citation.n}"><div class="nqa-event-date">'
                    f'{esc(e.date or "Undated")}<span class="nqa-meta"> — {esc(e.citation.source or e.citation.title)}'
                    f'</span> <span class="nqa-ref">[{e.citation.n}]</span></div>'
                    f'<blockquote class="nqa-passage">{highlighted_passage(e.citation, CONTEXT_CHARS)}</blockquote>'
                    f'{copies_html(e.citation.duplicates)}</li>' for e in found.events)
    return one_line(f'<div class="nqa-timeline"><div class="nqa-sources-title">What happened with '
                    f'{esc(found.topic)}, oldest first</div>{scope}<ol>{items}</ol></div>')


def ui_filters(sources: Sequence[str] | None, excluded: Sequence[str] | None, since: str | None,
               until: str | None) -> Filters:
    """The filter controls' values as Filters (InvalidFilters for a bad date, shown as the UI's error)."""
    return Filters(list(sources or ()), list(excluded or ()), (since or "").strip() or None,
                   (until or "").strip() or None)


def corpus_html(stats: dict) -> str:
    """Corpus facts: articles, passages, date range, outlets."""
    outlets = ", ".join(esc(o) for o in stats.get("outlets") or []) or "none named"
    return one_line(f'<div class="nqa-corpus"><div class="nqa-figures">'
                    f'<div class="nqa-figure"><b>{stats["articles"]:,}</b>articles</div>'
                    f'<div class="nqa-figure"><b>{stats["passages"]:,}</b>passages</div></div>'
                    f'<p><b>Dates:</b> {esc(date_span(stats).removeprefix("dated "))}</p>'
                    f'<p><b>Outlets:</b> {outlets}</p></div>')


def article_rows(articles: Sequence[StoredArticle]) -> list[list]:
    """Table rows: title, outlet, date, passages, file (its shown name), id."""
    return [[a.title, a.source or "", a.date or "undated", a.passages, a.to_dict()["path"], a.id]
            for a in articles]


def article_choices(articles: Sequence[StoredArticle]) -> list[tuple[str, str]]:
    """Dropdown choices: (label, article id)."""
    return [(f"{a.title} ({a.date or 'undated'})", a.id) for a in articles]


def plain_history(messages: Sequence[dict]) -> list[dict]:
    """Chatbot messages as {"role", "content": text} turns for the Assistant (the user's questions as typed)."""
    turns = []
    for message in messages or ():
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        if isinstance(content, str) and message.get("role") in ("user", "assistant"):
            text = question_text(content) if message["role"] == "user" else html.unescape(content)
            turns.append({"role": message["role"], "content": text})
    return turns


def recent_questions(turns: Sequence[dict], settings: Settings) -> list[dict]:
    """The user's turns a follow-up is rewritten from, newest kept, within the history limits (the chat's
    answers are long HTML and are not read by the rewrite)."""
    max_turns, max_chars = settings.max_history_turns, settings.max_history_chars
    max_question_chars = settings.max_question_chars
    kept, chars = [], 0
    for turn in reversed([t for t in turns if t["role"] == "user"][-max_turns:]):
        if len(turn["content"]) > max_question_chars:
            break
        chars += len(turn["content"])
        if chars > max_chars:
            break
        kept.append(turn)
    return kept[::-1]


# --- handlers ------------------------------------------------------------------------------------

@contextmanager
def user_errors(settings: Settings) -> Iterator[None]:
    """Turn domain errors into gr.Error messages (without server paths); anything unexpected is logged and shown
    briefly."""
    try:
        yield
    except gr.Error:
        raise
    except NewsqaError as exc:
        raise gr.Error(public_message(exc, settings)) from exc
    except Exception as exc:
        log.exception("UI handler failed")
        raise gr.Error(f"Something went wrong ({type(exc).__name__}); the server log has the details.") from exc


class Handlers:
    """The UI's event handlers over one Assistant source."""

    def __init__(self, source: Source, settings: Settings):
        self.source = source
        self.settings = settings

    def errors(self):
        """The context that turns domain errors into UI messages."""
        return user_errors(self.settings)

    def chat(self, question: str, history: list[dict], sources: Sequence[str] | None = None,
             excluded: Sequence[str] | None = None, since: str | None = None, until: str | None = None):
        """Stream the answer (from the articles that pass the filters) into the chat; the last yield also carries
        the answer as a JSON string."""
        with user_errors(self.settings):
            filters = ui_filters(sources, excluded, since, until)
            assistant = self.source()
            turns = recent_questions(plain_history(history), self.settings)
            messages = list(history or []) + [{"role": "user", "content": question_html(question or "")},
                                              {"role": "assistant", "content": partial_html("", None)}]
            text, rewritten, quoted, dates, answer = "", None, "", "", None
            for event in assistant.ask_stream(question, turns, filters=filters):
                if event.kind == "answer":
                    answer = event.answer
                    continue
                rewritten = event.text if event.kind == "rewritten" else rewritten
                dates = event.text if event.kind == "dates" else dates
                quoted = event.text if event.kind == "extractive" else quoted
                text += event.text if event.kind == "token" else ""
                messages[-1] = {"role": "assistant", "content": partial_html(text, rewritten, quoted, dates)}
                yield messages, gr.skip()
            coverage = coverage_text(assistant.stats(), assistant.articles()) if answer.refused else ""
            messages[-1] = {"role": "assistant", "content": answer_html(answer, coverage, dates)}
            # A string, not gr.JSON: gradio_client would take each citation's "path" for a file to download.
            yield messages, json.dumps(answer.to_dict(), indent=2, ensure_ascii=False)

    def timeline(self, topic: str, sources: Sequence[str] | None = None, excluded: Sequence[str] | None = None,
                 since: str | None = None, until: str | None = None) -> str:
        """The topic's timeline within the filters, as HTML."""
        with user_errors(self.settings):
            filters = ui_filters(sources, excluded, since, until)
            return timeline_html(self.source().timeline(topic, filters=filters))

    def outlets(self, sources: Sequence[str] | None = None, excluded: Sequence[str] | None = None):
        """The outlet filters' choices (the indexed outlets), keeping the chosen ones that are still indexed."""
        with user_errors(self.settings):
            names = self.source().stats()["outlets"]
            return (gr.update(choices=names, value=[s for s in sources or () if s in names]),
                    gr.update(choices=names, value=[s for s in excluded or () if s in names]))

    def corpus(self):
        """Corpus facts, the article table and the removal choices."""
        with user_errors(self.settings):
            assistant = self.source()
            articles = assistant.articles()
            return (corpus_html(assistant.stats()), article_rows(articles),
                    gr.update(choices=article_choices(articles), value=None))

    def upload(self, files: list[str] | None, progress=gr.Progress()):
        """Index each uploaded file, reporting progress; one line per file in the result. A failure is told in
        the result, so the article table and choices stay as they are (never an error badge)."""
        with user_errors(self.settings):
            if not files:
                return ("Choose one or more files to upload first.", None) + self.corpus()
            assistant, lines, failures = self.source(), [], []
            for i, path in enumerate(files):
                name = Path(path).name
                progress((i, len(files)), desc=f"Indexing {name}")
                step = lambda done, total, i=i: progress(((i + done / max(total, 1)), len(files)),  # noqa: E731
                                                          desc=f"Indexing {name}: {done}/{total} passages")
                try:
                    report = assistant.add_upload(name, Path(path).read_bytes(), progress=step)
                except NewsqaError as exc:
                    failures.append(f"- **{md_literal(name)}**: {md_literal(public_message(exc, self.settings))}")
                    continue
                lines.append(report_line(name, report))
            head = ["**Nothing was indexed.**", ""] if failures and not lines else lines
            result = "\n".join(head + (["", "Not indexed:"] + failures if failures and lines else failures))
            return (result, None) + self.corpus()

    def remove(self, article_id: str | None):
        """Remove the chosen article; a problem is told in the result, the table and choices stay valid."""
        with user_errors(self.settings):
            if not article_id:
                return ("Choose an article to remove first.", "") + self.corpus()
            try:
                self.source().remove_article(article_id)
            except NewsqaError as exc:
                return (md_literal(public_message(exc, self.settings)), "") + self.corpus()
            return (f"Removed article `{esc(article_id)}`.", "") + self.corpus()

    def show(self, article_id: str | None) -> str:
        """The chosen article's text."""
        with user_errors(self.settings):
            return self.source().article_text(article_id) if article_id else ""


# --- layout ----------------------------------------------------------------------------------------

def build_ui(source: Source, settings: Settings) -> gr.Blocks:
    """The Blocks app; the chat is callable from gradio_client as api_name "/ask"."""
    handlers = Handlers(source, settings)
    with gr.Blocks(title="newsqa") as demo:
        gr.Markdown("## newsqa — ask the news\nAnswers quote the indexed articles; every claim cites its source.")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                corpus, filters = _ask_tab(handlers)
            with gr.Tab("Timeline", id="timeline"):
                _timeline_tab(handlers, filters)
            with gr.Tab("Articles", id="articles"):
                table, choice, feeds = _articles_tab(handlers, settings, corpus)
        demo.load(handlers.corpus, None, [corpus, table, choice], api_visibility="private")
        demo.load(lambda: feeds_markdown(source().feeds()), None, [feeds], api_visibility="private")
    return demo


def _ask_tab(handlers: Handlers) -> tuple[gr.HTML, list]:
    """Chat, question box, examples, answer JSON, the filters and corpus facts; returns the corpus view and the
    filter controls (outlets, left-out outlets, since, until)."""
    with gr.Row():
        with gr.Column(scale=4):
            chatbot = gr.Chatbot(label="Conversation", show_label=False, height=660, elem_id="nqa-chat",
                                 latex_delimiters=[], feedback_options=None, buttons=["copy"],
                                 placeholder="Ask a question about the indexed news articles.")
            with gr.Row():
                box = gr.Textbox(show_label=False, placeholder="Ask a question… (Enter to send)", scale=6,
                                 elem_id="nqa-question", max_lines=4, autofocus=True)
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="nqa-send")
                clear = gr.Button("New chat", scale=1, elem_id="nqa-clear")
            gr.Examples(EXAMPLES, inputs=[box], label="Examples")
            with gr.Accordion("Answer as JSON", open=False):
                answer_json = gr.Code(label="Last answer (the same JSON as POST /api/ask)", language="json",
                                      interactive=False, elem_id="nqa-answer-json")
            pending = gr.Textbox(visible=False, label="question")
        with gr.Column(scale=1, min_width=220):
            filters = _filters()
            gr.Markdown("### The corpus")
            corpus = gr.HTML(elem_id="nqa-corpus")
    gr.on([box.submit, send.click], lambda q: ("", q), [box], [box, pending], queue=False,
          api_visibility="private").then(handlers.chat, [pending, chatbot, *filters], [chatbot, answer_json],
                                         api_name="ask", concurrency_limit=2)
    clear.click(lambda: ([], None), None, [chatbot, answer_json], queue=False, api_visibility="private")
    corpus.change(handlers.outlets, filters[:2], filters[:2], api_visibility="private")
    return corpus, filters


def _filters() -> list:
    """The outlet multi-selects and the date boxes (their choices are filled when the corpus view changes; an API
    caller may name any outlet)."""
    gr.Markdown("### Filters")
    sources = gr.Dropdown(label="Only these outlets", choices=[], value=[], multiselect=True, allow_custom_value=True,
                          elem_id="nqa-sources")
    excluded = gr.Dropdown(label="Leave out outlets", choices=[], value=[], multiselect=True,
                           allow_custom_value=True, elem_id="nqa-exclude-sources")
    with gr.Row():
        since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", max_lines=1, elem_id="nqa-since", min_width=100)
        until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", max_lines=1, elem_id="nqa-until", min_width=100)
    return [sources, excluded, since, until]


def _timeline_tab(handlers: Handlers, filters: list) -> None:
    """A topic box and its timeline (within the Ask tab's filters)."""
    gr.Markdown("What happened with a topic: one dated, quoted sentence per article, oldest first (the Ask tab's "
                "outlet and date filters apply).")
    with gr.Row():
        topic = gr.Textbox(show_label=False, placeholder="A topic, e.g. Kirkuk", scale=6, elem_id="nqa-topic",
                           max_lines=1)
        show = gr.Button("Show timeline", variant="primary", scale=1, elem_id="nqa-show-timeline")
    shown = gr.HTML(elem_id="nqa-timeline")
    gr.on([topic.submit, show.click], handlers.timeline, [topic, *filters], [shown], api_name="timeline",
          concurrency_limit=2)


def _articles_tab(handlers: Handlers, settings: Settings,
                  corpus: gr.HTML) -> tuple[gr.Dataframe, gr.Dropdown, gr.Markdown]:
    """Upload with progress; the article table; view and remove."""
    gr.Markdown(f"Upload {', '.join(UPLOAD_TYPES)} files (up to {settings.max_upload_mb:g} MB each). "
                "Text files may start with header lines such as `Title:`, `Source:`, `Date:`.")
    files = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, label="Article files", elem_id="nqa-files",
                    height=150)
    add = gr.Button("Add to index", variant="primary", elem_id="nqa-add")
    result = gr.Markdown(elem_id="nqa-upload-result")
    table = gr.Dataframe(headers=["Title", "Outlet", "Date", "Passages", "File", "ID"], interactive=False,
                         wrap=True, label="Indexed articles", elem_id="nqa-articles", show_search="search",
                         column_widths=["40%", "12%", "10%", "8%", "17%", "13%"])
    with gr.Row():
        choice = gr.Dropdown(label="Article", choices=[], scale=4, elem_id="nqa-article-choice")
        remove = gr.Button("Remove article", variant="stop", scale=1, elem_id="nqa-remove")
    text = gr.Textbox(label="Article text", lines=8, max_lines=20, interactive=False)
    add.click(handlers.upload, [files], [result, files, corpus, table, choice], api_visibility="private",
              concurrency_limit=1)
    feeds = web_section(handlers, corpus, table, choice)
    remove.click(handlers.remove, [choice], [result, text, corpus, table, choice], api_visibility="private")
    choice.change(handlers.show, [choice], [text], api_visibility="private")
    return table, choice, feeds
