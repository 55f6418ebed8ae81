"""The Articles tab's web section: add an article page or a feed by URL, list and update the remembered feeds.
Handlers parse input, call the Assistant and format Markdown-safe output (every value through md_literal)."""

from __future__ import annotations

from typing import Sequence

import gradio as gr

from index import Feed, IndexReport, NewsqaError

from .messages import md_literal, public_message, report_line

MAX_SKIPS_SHOWN = 20


def report_lines(label: str, report: IndexReport) -> str:
    """What a URL added, then each item skipped with its reason."""
    lines = [report_line(label, report)]
    lines += [f"  - skipped {md_literal(s.path)}: {md_literal(s.reason)}" for s in report.skipped[:MAX_SKIPS_SHOWN]]
    return "\n".join(lines)


def feeds_markdown(feeds: Sequence[Feed]) -> str:
    """The remembered feeds, one line each: title, URL, entries read, the last check and how it went."""
    if not feeds:
        return "No feeds remembered yet."
    return "\n".join(f"- **{md_literal(f.title or f.url)}** ({md_literal(f.url)}): {f.entries_read} entries read, "
                     f"last checked {md_literal(f.checked or 'never')}" + (f", {md_literal(f.status)}" if f.status else "")
                     for f in feeds)


class WebHandlers:
    """Add a URL (optionally remembered as a feed); update the feeds. Each returns the result, the feeds list and
    the refreshed corpus view (so the article table stays valid after a failure)."""

    def __init__(self, handlers):
        self.handlers = handlers

    def add(self, url: str, as_feed: bool, progress=gr.Progress()):
        """Fetch and index the URL; a failure is told in the result."""
        h = self.handlers
        with h.errors():
            url = (url or "").strip()
            if not url:
                return ("Give an article page or feed URL first.", url, self.feeds()) + h.corpus()
            step = lambda done, total: progress((done, max(total, 1)), desc=f"Indexing: {done}/{total} passages")  # noqa: E731
            assistant = h.source()
            try:
                report = assistant.add_feed(url, progress=step).index if as_feed else \
                    assistant.add_url(url, progress=step)
            except NewsqaError as exc:
                message = md_literal(public_message(exc, h.settings))
                return (f"**Nothing was indexed** from {md_literal(url)}: {message}", url, self.feeds()) + h.corpus()
            return (report_lines(url, report), "", self.feeds()) + h.corpus()

    def update(self, progress=gr.Progress()):
        """Fetch what is new in every remembered feed."""
        h = self.handlers
        with h.errors():
            report = h.source().update_feeds(progress=lambda done, total: progress((done, max(total, 1))))
            return (report_lines("feeds", report.index), self.feeds()) + h.corpus()

    def feeds(self) -> str:
        """The feeds as Markdown."""
        return feeds_markdown(self.handlers.source().feeds())


def web_section(handlers, corpus, table, choice) -> gr.Markdown:
    """The URL box, the feed option, the result and the feeds list, wired to the handlers; returns the list."""
    web = WebHandlers(handlers)
    gr.Markdown("Or add from the web: an article page, or an RSS/Atom feed (every article it links).")
    with gr.Row():
        url = gr.Textbox(show_label=False, placeholder="https://…", scale=5, elem_id="nqa-url", max_length=4096)
        as_feed = gr.Checkbox(label="Remember as a feed", value=False, scale=1, elem_id="nqa-as-feed")
        add = gr.Button("Add URL", variant="primary", scale=1, elem_id="nqa-add-url")
    result = gr.Markdown(elem_id="nqa-url-result")
    with gr.Accordion("Feeds", open=False):
        feeds = gr.Markdown(elem_id="nqa-feeds")
        update = gr.Button("Update feeds now", elem_id="nqa-update-feeds")
    add.click(web.add, [url, as_feed], [result, url, feeds, corpus, table, choice], api_visibility="private",
              concurrency_limit=1)
    update.click(web.update, None, [result, feeds, corpus, table, choice], api_visibility="private",
                 concurrency_limit=1)
    return feeds
