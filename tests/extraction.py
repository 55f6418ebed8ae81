"""Extraction quality on the saved news pages in tests/data/pages: trafilatura (index/readers.parse_html, which
.html files and fetched pages go through) against the BeautifulSoup markup reader it replaced (parse_markup).

Run `python tests/extraction.py` for the table in docs/ingestion.md: token precision / recall / F1 of each
page's extracted text against the text written for it, and whether title, date and author are right.
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "data" / "pages"
sys.path.insert(0, str(PAGES.parent.parent.parent))


@dataclass(frozen=True)
class Score:
    """One extractor on one page."""

    precision: float
    recall: float
    f1: float
    title: bool
    date: bool
    author: bool


def token_prf(got: str, want: str) -> tuple[float, float, float]:
    """Precision, recall and F1 of the extracted words (a multiset, lowercased) against the expected ones."""
    g, w = Counter(re.findall(r"\w+", got.lower())), Counter(re.findall(r"\w+", want.lower()))
    common = sum((g & w).values())
    p, r = common / max(1, sum(g.values())), common / max(1, sum(w.values()))
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def page_html(name: str) -> str:
    """A saved page decoded as a browser would (the charset its meta tag declares)."""
    data = (PAGES / name).read_bytes()
    declared = re.search(rb"charset=[\"']?([\w-]+)", data[:2048])
    return data.decode(declared.group(1).decode() if declared else "utf-8")


def score(article, expected: dict) -> Score:
    """How one extracted article (or None) matches the expected fields."""
    if article is None:
        return Score(0.0, 0.0, 0.0, False, False, False)
    p, r, f = token_prf(article.text, expected["text"])
    return Score(p, r, f, article.title == expected["title"], article.date == expected["date"],
                 article.author == expected["author"])


def compare() -> dict[str, dict[str, Score]]:
    """Per page, each extractor's score."""
    from index.readers import parse_html, parse_markup

    expected = json.loads((PAGES / "expected.json").read_text(encoding="utf-8"))
    extractors = {"trafilatura": parse_html, "beautifulsoup": parse_markup}
    return {name: {label: score(read(page_html(name), name), want) for label, read in extractors.items()}
            for name, want in expected.items()}


def table(results: dict[str, dict[str, Score]]) -> str:
    """A Markdown table: one row per page, then the means."""
    labels = list(next(iter(results.values())))
    head = "| page | " + " | ".join(f"{x} P / R / F1 | {x} title, date, author" for x in labels) + " |"
    rows = [head, "|---" * (1 + 2 * len(labels)) + "|"]
    for name, scores in results.items():
        rows.append(f"| {name.removesuffix('.html')} | " + " | ".join(_cells(scores[x]) for x in labels) + " |")
    means = {x: _mean([s[x] for s in results.values()]) for x in labels}
    rows.append("| **mean** (right of %d) | " % len(results) + " | ".join(means[x] for x in labels) + " |")
    return "\n".join(rows)


def _cells(s: Score) -> str:
    """A page's two cells for one extractor."""
    marks = ", ".join("yes" if ok else "**no**" for ok in (s.title, s.date, s.author))
    return f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f} | {marks}"


def _mean(scores: list[Score]) -> str:
    """Mean P / R / F1 and how many titles, dates and authors are right."""
    n = len(scores)
    p, r, f = (sum(getattr(s, k) for s in scores) / n for k in ("precision", "recall", "f1"))
    right = ", ".join(str(sum(getattr(s, k) for s in scores)) for k in ("title", "date", "author"))
    return f"**{p:.3f} / {r:.3f} / {f:.3f}** | {right}"


if __name__ == "__main__":
    print(table(compare()))
