"""The reader's span extractor: the bundled MiniLM with a start/end head (extractive question answering), fine-tuned
here (`python -m qa.bench spans --train OUT`, qa/bench/reader_spans.py) to read a question and a sentence together
and score each of the sentence's word pieces as where the answer starts and where it ends. The short answer of a
quoted sentence is its best span (start logit plus end logit, at most MAX_PIECES pieces, widened to whole words), or
the entity that holds it (so that an amount keeps its currency and scale): which of the sentence's several amounts,
dates or names the question asks for ("$2.7 billion", not the "$200 million" raised), and where an answer is no
entity the tagger found ("Wayne County, Michigan", "Forget the Funnel").

Shipped as the tensors training changed (qa/answer/data/reader-spans.safetensors, float16); at first use they are
merged into the base model under the cache folder and run as an ONNX graph (int8 by default,
NEWSQA_READER_ENCODER_PRECISION), one (question, sentence) pair at a time, only for the sentences an answer quotes.
NEWSQA_READER_SPANS: 'default' (the bundled file), 'off', or a layers file."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from .encoder import layers_file, merged_model, onnx_variant
from .entities import Entity
from .pairs import PairGraph

DEFAULT_LAYERS = Path(__file__).resolve().parent / "data" / "reader-spans.safetensors"
MAX_TOKENS = 192
"""The longest (question, sentence) input in word pieces; the sentence is cut to fit (as in training)."""
MAX_PIECES = 12
"""The longest span the extractor answers with, in word pieces."""
SPAN = "SPAN"
"""The label of an answer span that is no entity the tagger found."""


class SpanExtractor:
    """Reads the answer span of a sentence with the exported graph of a question-answering model folder."""

    def __init__(self, folder: Path, variant: str, cache_dir: Path, threads: int = 0, max_tokens: int = MAX_TOKENS):
        self._graph = PairGraph(folder, variant, cache_dir, threads, max_tokens)

    def logits(self, question: str, text: str) -> tuple[np.ndarray, list[tuple[int, int]], float]:
        """The start and end logits of the sentence's word pieces ((pieces, 2)), each piece's character offsets in
        the sentence, and the score of no answer (the [CLS] piece's start plus end logit)."""
        out, encoded = self._graph.run(question, text)
        mine = [i for i, s in enumerate(encoded.sequence_ids) if s == 1 and encoded.offsets[i][1] > 0]
        return out[mine], [encoded.offsets[i] for i in mine], float(out[0, 0] + out[0, 1])

    def best(self, question: str, text: str) -> Span | None:
        """The sentence's best span as the answer to the question (None for an empty sentence)."""
        logits, offsets, null = self.logits(question, text)
        found = best_span(logits, offsets, text)
        return replace(found, null=null) if found is not None else None


@dataclass(frozen=True)
class Span:
    """Characters [start, end) of a sentence, the extractor's score for them as the answer, and its score for no
    answer in the sentence (an extractor trained with sentences that do not answer, `--negatives`, learns it)."""

    start: int
    end: int
    score: float
    null: float = 0.0

    @property
    def margin(self) -> float:
        """How much better the span scores than no answer: what says the sentence answers the question."""
        return self.score - self.null


def best_span(logits: np.ndarray, offsets: Sequence[tuple[int, int]], text: str,
              max_pieces: int = MAX_PIECES) -> Span | None:
    """The span of highest start-plus-end logit, of at most max_pieces word pieces, widened to whole words."""
    if not len(offsets):
        return None
    total = logits[:, 0][:, None] + logits[:, 1][None, :]
    pieces = np.arange(len(offsets))
    allowed = (pieces[None, :] >= pieces[:, None]) & (pieces[None, :] < pieces[:, None] + max_pieces)
    first, last = np.unravel_index(np.argmax(np.where(allowed, total, -np.inf)), total.shape)
    start, end = offsets[first][0], offsets[last][1]
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return Span(start, end, float(total[first, last]))


def answer_entity(span: Span, text: str, entities: Sequence[Entity]) -> Entity:
    """The entity of the sentence that holds the span (its label and unit render it: "$2.7 billion" for "2.7
    billion"), else the span itself as an entity labelled SPAN."""
    holding = [e for e in entities if e.start <= span.start and span.end <= e.end]
    if holding:
        return min(holding, key=lambda e: e.end - e.start)
    return Entity(text[span.start:span.end], SPAN, span.start, span.end)


def load_span_extractor(settings) -> SpanExtractor | None:
    """The extractor the setting names: 'off' (None), 'default' (the bundled layers; None without them) or a
    layers file."""
    path = layers_file(settings.reader_spans, DEFAULT_LAYERS, "NEWSQA_READER_SPANS")
    if path is None:
        return None
    cache_dir = Path(settings.cache_dir).expanduser()
    return SpanExtractor(merged_model(path, cache_dir, "reader-spans"), onnx_variant(settings), cache_dir,
                         settings.encoder_threads)
