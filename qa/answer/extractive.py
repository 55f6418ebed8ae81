"""The extractive reader: from retrieved passages to quoted, cited sentences (or a refusal), without an LLM."""

from __future__ import annotations

from collections import OrderedDict
from typing import Sequence

import numpy as np

from index import Embedder, Passage

from ..retrieve.query import Query
from .citations import Citation
from .compose import compose
from .policy import AnswerPolicy
from .scoring import choose, score
from .sentences import Sentence, candidates, shortlist

SENTENCE_BATCH = 8
SENTENCE_CHARS = 600
CACHE_SIZE = 50_000


class ExtractiveReader:
    """Reads the passages for a question and quotes the sentences that answer it, with [n] citations."""

    def __init__(self, embedder: Embedder, policy: AnswerPolicy = AnswerPolicy()):
        self.embedder = embedder
        self.policy = policy
        self._vectors: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()

    def read(self, question: str, query: Query, vector: np.ndarray,
             passages: Sequence[Passage]) -> tuple[str, tuple[Citation, ...]]:
        """The answer text and its citations (no citations: a refusal)."""
        found = shortlist(query, candidates(passages), self.policy.shortlist)
        scored = score(query, vector, found, self.sentence_vectors(found), self.policy)
        return compose(question, choose(scored, self.policy))

    def sentence_vectors(self, found: list[Sentence]) -> np.ndarray:
        """Embeddings of candidate sentences, cached by (article, offset)."""
        keys = [(s.passage.article_id, s.start) for s in found]
        missing = [i for i, key in enumerate(keys) if key not in self._vectors]
        # Shortest first, in small batches, so that little padding is computed; a run-on "sentence" (a
        # list, a table) is judged by its first SENTENCE_CHARS characters.
        missing.sort(key=lambda i: len(found[i].text))
        for start in range(0, len(missing), SENTENCE_BATCH):
            batch = missing[start:start + SENTENCE_BATCH]
            for i, vector in zip(batch, self.embedder.embed([found[i].text[:SENTENCE_CHARS] for i in batch])):
                self._vectors[keys[i]] = vector
        while len(self._vectors) > CACHE_SIZE:
            self._vectors.popitem(last=False)
        return np.stack([self._vectors[key] for key in keys]) if keys else np.zeros((0, 1), np.float32)
