"""Groups of syndicated copies as retrieval and display see them: collapse a ranking to one copy per story,
list a group's other copies, count the groups (index/dedupe.py finds them at ingest)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping, Sequence

from .articles import Passage
from .store import StoredArticle


def group_of(item: Passage | StoredArticle) -> str:
    """The group of a passage or article (an article indexed before groups existed is a group of its own)."""
    return item.group or (item.article_id if isinstance(item, Passage) else item.id)


FIGURES = re.compile(r"\d[\d,.]*\d|\d|\b[A-Z][\w’'-]+")
SAME_FIGURES = 0.7
"""A passage of another copy is left out only if most (70%) of its numbers and names are those the kept copy shows:
articles written from one template (results, reports) share many word 5-grams, but not their figures."""


def collapse(passages: Sequence[Passage]) -> list[Passage]:
    """The passages in their order with the copies left out: in each group, only the article that ranks first
    keeps its passages (the same story from other outlets is dropped, other passages of that article stay),
    unless a passage's numbers and names differ from what the kept copy shows (then it is another story)."""
    owner: dict[str, str] = {}
    shown: dict[str, set[str]] = defaultdict(set)
    kept = []
    for p in passages:
        group = group_of(p)
        figures = set(FIGURES.findall(p.text))
        if owner.setdefault(group, p.article_id) == p.article_id:
            kept.append(p)
            shown[group] |= figures
        elif figures and len(figures & shown[group]) / len(figures) < SAME_FIGURES:
            kept.append(p)
    return kept


def duplicate(article: StoredArticle) -> dict:
    """An article as an entry of a citation's `duplicates`: {"article_id", "source", "title", "date", "url"}."""
    return {"article_id": article.id, "source": article.source, "title": article.title, "date": article.date,
            "url": article.url}


@dataclass(frozen=True)
class Groups:
    """The index's articles by group (build it once per snapshot: `Groups.of(snapshot.articles)`)."""

    members: Mapping[str, tuple[StoredArticle, ...]]
    group: Mapping[str, str]  # article id -> its group

    @classmethod
    def of(cls, articles: Mapping[str, StoredArticle]) -> "Groups":
        """Group the articles (each group's members oldest first, undated last, ties by id)."""
        by_group: dict[str, list[StoredArticle]] = defaultdict(list)
        for article in articles.values():
            by_group[group_of(article)].append(article)
        members = {g: tuple(sorted(m, key=lambda a: (a.date or "9999-99-99", a.id))) for g, m in by_group.items()}
        return cls(members, {a.id: group_of(a) for a in articles.values()})

    def copies(self, article_id: str) -> list[dict]:
        """The other articles of that article's group, as `duplicates` entries:
        [{"article_id", "source", "title", "date", "url"}], oldest first ([] for an article not in the index)."""
        members = self.members.get(self.group.get(article_id, ""), ())
        return [duplicate(a) for a in members if a.id != article_id]

    def stats(self) -> dict:
        """Counts for the index's stats: groups, groups of two or more copies, articles in those, the largest."""
        sizes = [len(m) for m in self.members.values()]
        shared = [n for n in sizes if n > 1]
        return {"groups": len(sizes), "syndicated_groups": len(shared), "syndicated_articles": sum(shared),
                "largest_group": max(sizes, default=0)}
