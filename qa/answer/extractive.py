"""The extractive reader: from retrieved passages to a short answer and quoted, cited sentences (or a refusal),
without an LLM. Sentences are scored by the learned scorer (qa/answer/scorer.py) when one is configured,
else by the hand-set weights of qa/answer/policy.py."""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from index import Embedder, Passage

from ..retrieve.query import Query
from ..retrieve.facets import Facet
from .alternatives import choose as choose_alternative, offered
from .answer import REFUSAL
from .citations import Citation
from .claims import claim_evidence, is_yes_no, split_claims
from .compose import compose, compose_claims
from .consensus import agree
from .cross import CrossEncoder
from .differences import Figure, dated_short, differing
from .entities import Entity, EntityReader
from .confidence import RERANK, Confidence
from .extractor import Span, SpanExtractor, answer_entity
from .features import rows
from .judge import Judge
from .policy import AnswerPolicy
from .scorer import SentenceScorer
from .scoring import Scored, choose, score, supported
from .sentences import SENTENCE_CHARS, Sentence, candidates, shortlist
from .spans import render, short_span
from .types import is_heading
from .verdicts import VerdictModel

CACHE_SIZE = 50_000
CONSENSUS_TYPES = ("PERSON", "ORG", "OTHER", "PLACE")


@dataclass(frozen=True)
class Candidates:
    """The scored sentences of one question, their entities and feature rows (in the same order)."""

    scored: list[Scored]
    entities: list[tuple[Entity, ...]]
    rows: np.ndarray


@dataclass(frozen=True)
class Reading:
    """What the reader found: the answer text, its citations and its short answer (None: refused)."""

    text: str
    citations: tuple[Citation, ...]
    short_answer: str | None


REFUSED = Reading(REFUSAL, (), None)


class ExtractiveReader:
    """Reads the passages for a question and quotes the sentences that answer it, with [n] citations."""

    def __init__(self, embedder: Embedder, policy: AnswerPolicy = AnswerPolicy(),
                 scorer: SentenceScorer | None = None, entities: EntityReader | None = None,
                 verdicts: VerdictModel | None = None, encoder: Embedder | None = None,
                 cross: CrossEncoder | None = None, extractor: SpanExtractor | None = None,
                 confidence: Confidence | None = None, judge: Judge | None = None):
        self.embedder = embedder
        self.judge = judge
        self.extractor = extractor
        self.confidence = confidence
        self.encoder = encoder
        self.cross = cross
        self.policy = policy
        self.scorer = scorer
        self.verdicts = verdicts
        self.entity_reader = entities or EntityReader("off")
        self._vectors: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._vectors_lock = threading.Lock()
        # The reader encoder's pass over the shortlist runs beside spaCy's (ONNX Runtime lets go of the GIL): about
        # 20 ms of ask's time on the corpus (docs/answers.md, Speed).
        self._beside = ThreadPoolExecutor(2, thread_name_prefix="reader-encoder") if encoder is not None else None

    def read(self, question: str, query: Query, vector: np.ndarray, passages: Sequence[Passage],
             idf: dict, facets: Sequence[Facet] = ()) -> Reading:
        """The short answer, the answer text and its citations (no citations: a refusal). A yes/no question
        gets a verdict on its claims; a who/which question over several outlets, the entity they agree on."""
        way = self.route(question, query, facets)
        if way == "verdict":
            return self._verdict(question, self.claims_evidence(question, facets, passages))
        if way == "consensus":
            return self._consensus(query, split_claims(question, facets), passages)
        return self._factoid(question, query, vector, passages, idf)

    def route(self, question: str, query: Query, facets: Sequence[Facet] = ()) -> str:
        """How the question is read: 'verdict' (yes/no), 'consensus' (who/which over several outlets) or
        'factoid' (the one sentence the scorer trusts)."""
        if self.verdicts is not None and is_yes_no(question):
            return "verdict"
        if len(facets) >= 2 and query.answer_type in CONSENSUS_TYPES:
            return "consensus"
        return "factoid"

    def claims_evidence(self, question: str, facets: Sequence[Facet], passages: Sequence[Passage]) -> list:
        """Each claim of the question with its best evidence and the cosine between the two."""
        evidence = [claim_evidence(claim, passages) for claim in split_claims(question, facets)]
        found = [e for e in evidence if e.sentence is not None]
        if not found:
            return evidence
        claims = self.embedder.embed([e.claim.text for e in found])
        sentences = self.sentence_vectors([e.sentence for e in found])
        cosine = {id(e): float(c @ v) for e, c, v in zip(found, claims, sentences)}
        return [replace(e, similarity=cosine.get(id(e), 0.0)) for e in evidence]

    def _verdict(self, question: str, evidence: list) -> Reading:
        """Yes or No from each claim's best evidence; refused when no claim finds any."""
        if max((e.support for e in evidence), default=0.0) < self.policy.min_claim_support:
            return REFUSED
        verdict = self.verdicts.judge(question, evidence)
        short = "Yes" if verdict.yes else "No"
        note = "" if verdict.yes or verdict.weakest is None or len(evidence) < 2 else \
            f"The claim least supported: “{verdict.weakest.claim.text.strip(' ,?')}”."
        alternatives = offered(question)
        if alternatives is not None:  # "before or after", "consistent or inconsistent": one of the two words
            short = choose_alternative(alternatives, question, verdict.yes, evidence)
            note = "" if alternatives.temporal else note
        text, citations = compose_claims(short, [e.sentence for e in evidence if e.sentence], note)
        return Reading(text, citations, short)

    def _consensus(self, query: Query, claims, passages: Sequence[Passage]) -> Reading:
        """The entity the claims' evidence agrees on; refused when fewer than two claims mention it."""
        found = agree(query, claims, passages, self.entity_reader)
        if found is None or found.claims < min(2, len(claims)):
            return REFUSED
        text, citations = compose_claims(found.name, list(found.sentences))
        return Reading(text, citations, found.name)

    def _factoid(self, question: str, query: Query, vector: np.ndarray, passages: Sequence[Passage],
                 idf: dict) -> Reading:
        """The best sentence's span of the asked type, quoted with the other articles that answer too."""
        found = self.candidates(query, vector, passages, idf)
        if self.scorer is None:
            chosen = choose(found.scored, self.policy)
            spans = [short_span(query, s.text, e) for s, e in zip(found.scored, found.entities)]
            span_of = {id(s): sp for s, sp in zip(found.scored, spans)}
        else:
            chosen, span_of = self._choose(query, found)
        if not chosen:
            return REFUSED
        short = _short(query, chosen[0], span_of.get(id(chosen[0])))
        spans = [span_of.get(id(s)) for s in chosen]
        if query.answer_type != "OTHER" and all(spans):
            figures = differing([Figure(render(sp, s.text), s.passage.date) for s, sp in zip(chosen, spans)])
            short = dated_short(figures) if figures else short
        text, citations = compose(question, chosen, short)
        return Reading(text, citations, short)

    def candidates(self, query: Query, vector: np.ndarray, passages: Sequence[Passage], idf: dict) -> Candidates:
        """The shortlisted sentences scored by hand, with their entities and the learned scorer's features."""
        found = shortlist(query, candidates(passages), self.policy.shortlist)
        scored = score(query, vector, found, self.sentence_vectors(found), self.policy)
        tuned = self._beside.submit(self.tuned_cosines, query.text, scored) if self._beside is not None else None
        entities = self.entity_reader.entities([s.text for s in scored])
        ranks = {p.id: rank for rank, p in reversed(list(enumerate(passages, 1)))}
        spans = self.scorer.spans if self.scorer is not None else None
        cross = self.cross.scores(query.text, [s.text for s in scored]) if self.cross is not None and scored else None
        cosines = tuned.result() if tuned is not None else self.tuned_cosines(query.text, scored)
        return Candidates(scored, entities, rows(query, scored, entities, ranks, idf, spans, cosines, cross))

    def tuned_cosines(self, question: str, scored: Sequence[Scored]) -> np.ndarray | None:
        """The reader encoder's cosine between the question and each candidate (None without the encoder)."""
        if self.encoder is None or not scored:
            return None
        question_vector = self.encoder.embed([question])[0]
        return self.sentence_vectors(scored, self.encoder) @ question_vector

    def _choose(self, query: Query, found: Candidates) -> tuple[list[Scored], dict]:
        """The best sentence the scorer trusts and that holds an answer of the asked type, plus the best of
        other articles that answer nearly as well; [] to refuse."""
        chance = self.scorer.probabilities(found.rows)
        spans = answering_spans(query, [s.text for s in found.scored], found.entities, chance, self.scorer.spans)
        span_of = {id(found.scored[i]): span for i, span in spans.items()}
        answering = [(i, chance[i]) for i in spans]
        read = {}  # the extractor's best span of a sentence (by candidate number), read once
        first = self._first(query, found, answering, chance, read)
        if first is None:
            return [], span_of
        picked = [first]
        for i, p in answering:
            if len(picked) >= self.policy.max_sources:
                break
            # Another article that answers too is shown beside the first (dated), so that sources that
            # differ are all seen: trusted by the scorer, or by the hand-set support check.
            s = found.scored[i]
            if s.passage.article_id not in {found.scored[j].passage.article_id for j in picked} and (
                    p >= self.scorer.threshold or (supported(s, self.policy) and span_of[id(s)] is not None
                                                   and p >= self.policy.other_source_floor * self.scorer.threshold)):
                picked.append(i)
        for i in picked:  # the quoted sentences' short answers, read again by the span extractor
            s = found.scored[i]
            span_of[id(s)] = reread(self._best_span(query, s.text, i, read), query, s.text, found.entities[i],
                                    span_of[id(s)])
        return [found.scored[i] for i in picked], span_of

    def _first(self, query: Query, found: Candidates, answering: list[tuple[int, float]], chance: np.ndarray,
               read: dict) -> int | None:
        """The candidate to answer with, None to refuse: the scorer's first when it is at least its threshold; with
        the span extractor and the judge, the judge's choice among the scorer's first few (qa/answer/judge.py); with
        the extractor and a confidence calibration, the best of the scorer's first RERANK by the two read together
        (qa/answer/confidence.py)."""
        if not answering:
            return None
        if self.judge is not None and self.extractor is not None:
            top = [i for i, _ in answering[:self.judge.depth]]
            spans = [self._best_span(query, found.scored[i].text, i, read) for i in top]
            best = self.judge.best(found.rows[top], [float(chance[i]) for i in top], spans,
                                   trusted=answering[0][1] >= self.scorer.threshold)
            return None if best is None else top[best]
        if self.confidence is None or self.extractor is None:
            return answering[0][0] if answering[0][1] >= self.scorer.threshold else None
        top = [i for i, _ in answering[:RERANK]]
        spans = [self._best_span(query, found.scored[i].text, i, read) for i in top]
        best = self.confidence.best([float(chance[i]) for i in top], [None if s is None else s.margin for s in spans])
        return None if best is None else top[best]

    def _best_span(self, query: Query, text: str, i: int, read: dict):
        """The extractor's best span of candidate i (None without an extractor), read once per question."""
        if self.extractor is None:
            return None
        if i not in read:
            read[i] = self.extractor.best(query.text, text)
        return read[i]

    def sentence_vectors(self, found: Sequence[Sentence | Scored], embedder: Embedder | None = None) -> np.ndarray:
        """Embeddings of candidate sentences (by the base embedder, or the one given), cached by (article, offsets,
        embedder)."""
        embedder = embedder or self.embedder
        keys = [(s.passage.article_id, s.start, s.end, id(embedder)) for s in found]
        vectors = {key: self._vectors.get(key) for key in keys}  # read once: another thread may evict meanwhile
        # One at a time: no padding is computed, and an int8 encoder, whose dynamic quantisation scales each batch
        # as a whole, gives a sentence the same vector whatever was asked before; a run-on "sentence" (a list, a
        # table) is judged by its first SENTENCE_CHARS characters.
        new = {key: embedder.embed([s.text[:SENTENCE_CHARS]])[0] for key, s in zip(keys, found) if vectors[key] is None}
        vectors.update(new)
        with self._vectors_lock:
            self._vectors.update(new)
            while len(self._vectors) > CACHE_SIZE:
                self._vectors.popitem(last=False)
        return np.stack([vectors[key] for key in keys]) if keys else np.zeros((0, 1), np.float32)


def answering_spans(query: Query, texts: Sequence[str], entities: Sequence[tuple[Entity, ...]], chance: np.ndarray,
                    spans) -> dict[int, Entity | None]:
    """The candidates that may answer, most probable first, with the span scorer's span of each: no headline (no dev
    question's only answer is one), and a span of the asked type unless the question asks for none in particular."""
    out = {}
    for i in sorted(range(len(texts)), key=lambda i: -chance[i]):
        if is_heading(texts[i]):
            continue
        span = short_span(query, texts[i], entities[i], spans)
        if span is None and query.answer_type != "OTHER":
            continue
        out[i] = span
    return out


def reread(found: Span | None, query: Query, text: str, entities: tuple[Entity, ...],
           span: Entity | None) -> Entity | None:
    """A quoted sentence's short answer read by the span extractor: its best span (found), or the entity that holds
    it. Whether the sentence holds an answer stays the span scorer's call: None stays None, so that a question of no
    particular type whose sentence holds no span the scorer trusts keeps the sentence as its short answer (the
    extractor's span there was right for 121 of 147 corpus_dev3 questions and wrong for most such seed questions,
    "what did the prime minister call the violence"; docs/answers.md, Session 18). Where the extractor's span is one
    the question already names, the scorer's stays."""
    if found is None or span is None:
        return span
    read = answer_entity(found, text, entities)
    return span if read.text.lower() in query.text.lower() else read


def _short(query: Query, chosen: Scored, span: Entity | None) -> str:
    """The short answer: the span of the asked type, else the quoted sentence itself."""
    if span is not None:
        return render(span, chosen.text)
    return chosen.text.strip()
