"""What people outside the machine are told: a domain error's message without the server's own paths, and text
escaped so that a page shows it as it is."""

from __future__ import annotations

import html

from ..settings import Settings

INDEX_DIR = "$NEWSQA_INDEX_DIR"
MARKDOWN_MARKS = frozenset("\\`*_{}[]()!|~$")
"""Marks that make inline Markdown (emphasis, code, links, images, tables, strike-through, maths) mid-line."""


def public_message(exc: Exception, settings: Settings) -> str:
    """The error's message with the index folder (as configured and as resolved) written as $NEWSQA_INDEX_DIR."""
    message = str(exc)
    for folder in sorted({str(settings.index_dir.resolve()), str(settings.index_dir)}, key=len, reverse=True):
        if folder not in ("", "."):
            message = message.replace(folder, INDEX_DIR)
    return message


def esc(value: object) -> str:
    """HTML-escape anything shown in the page."""
    return html.escape("" if value is None else str(value), quote=True)


def md_literal(value: object) -> str:
    """Text shown as it is inside a Markdown line: HTML-escaped, and each inline Markdown mark written as a
    character reference, so `![q](x)` stays text (no image loads) and `<b>` is not a tag."""
    return "".join(f"&#{ord(c)};" if c in MARKDOWN_MARKS else c for c in esc(value))


def report_line(label: str, report) -> str:
    """One Markdown result line of an indexing report: what it added, updated, left and skipped."""
    return (f"- **{md_literal(label)}**: added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
            f"skipped {len(report.skipped)} ({report.passages} passages, {report.seconds:.1f} s)")
