"""An exported graph that reads a question and a sentence together (the reader's cross-encoder and span extractor),
one pair at a time: no padding is computed (faster here than batches), and under int8, whose dynamic quantisation
scales a batch as a whole, what a pair gives depends only on its question and its sentence."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from index.embedding import onnx_session, padded
from index.export import exported_model

from .sentences import SENTENCE_CHARS


class PairGraph:
    """The exported graph of a model folder with a head, and its tokenizer, which cuts the sentence to fit (and a
    question too long to leave the sentence room, to its first half of the pieces)."""

    def __init__(self, folder: Path, variant: str, cache_dir: Path, threads: int, max_tokens: int):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._question_tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._question_tokenizer.no_padding()
        self._question_tokenizer.no_truncation()
        self._tokenizer.enable_truncation(max_tokens, strategy="only_second")
        self._max_question = max_tokens // 2
        self._session = onnx_session(exported_model(str(folder), variant, cache_dir), threads)
        self._lock = threading.Lock()

    def question(self, question: str) -> str:
        """The question as read: its first max_tokens / 2 word pieces (a question as long as the whole input left
        no room for the sentence, and the tokenizer refused the pair)."""
        pieces = self._question_tokenizer.encode(question, add_special_tokens=False)
        if len(pieces.ids) <= self._max_question:
            return question
        return question[:pieces.offsets[self._max_question - 1][1]]

    def run(self, question: str, text: str):
        """The graph's output for the pair (its first text's SENTENCE_CHARS characters), and the pair's encoding."""
        encoded = self._tokenizer.encode(self.question(question), text[:SENTENCE_CHARS])
        with self._lock:
            out = self._session.run(None, padded([encoded.ids], [encoded.type_ids]))[0][0]
        return np.asarray(out), encoded
