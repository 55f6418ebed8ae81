"""The reader's cross-encoder: the bundled MiniLM with a one-logit head, fine-tuned here to read a question and a
candidate sentence together and score how well the sentence answers it (`python -m qa.bench reader --train OUT`,
qa/bench/reader_cross.py). A cross-encoder sees which words of the sentence meet which words of the question,
where the reader encoder (qa/answer/encoder.py) compares two vectors made apart.

Written as the tensors training changed (reader-cross.safetensors, float16, beside the scorer fitted with it; none
ships: it is opt-in, docs/answers.md, Session 17); at first use they are merged into the base model under the cache
folder and run as an ONNX graph (int8 by default, NEWSQA_READER_ENCODER_PRECISION), one (question, sentence) pair at
a time. Loaded only for a scorer that reads its logits. NEWSQA_READER_CROSS: 'default' (beside the scorer), 'off', or
a layers file."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Sequence

import numpy as np

from index.embedding import onnx_session, padded
from index.export import exported_model

from .encoder import merged_model, onnx_variant
from .sentences import SENTENCE_CHARS

LAYERS_FILE = "reader-cross.safetensors"
"""The cross-encoder's layers file, written beside the scorer fitted with it (`python -m qa.bench reader --cross`)."""
MAX_TOKENS = 128
"""The longest (question, sentence) input in word pieces; the sentence is cut to fit (as in training)."""


class CrossEncoder:
    """Scores (question, sentence) pairs with the exported graph of a cross-encoder model folder."""

    def __init__(self, folder: Path, variant: str, cache_dir: Path, threads: int = 0, max_tokens: int = MAX_TOKENS):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_tokens, strategy="only_second")
        self._session = onnx_session(exported_model(str(folder), variant, cache_dir), threads)
        self._lock = threading.Lock()

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One logit per text (higher: the text answers the question better). Each pair runs alone: no padding is
        computed (faster here than batches), and under int8, whose dynamic quantisation scales a batch as a whole,
        a pair's logit depends only on its question and its text."""
        out = np.zeros(len(texts))
        for n, text in enumerate(texts):
            encoded = self._tokenizer.encode(question, text[:SENTENCE_CHARS])
            with self._lock:
                out[n] = self._session.run(None, padded([encoded.ids], [encoded.type_ids]))[0][0, 0]
        return out


def load_cross_encoder(settings, scorer_file: Path | None = None) -> CrossEncoder | None:
    """The cross-encoder the setting names: 'off' (None), a layers file, or 'default': the one beside the scorer's
    model file (a FileNotFoundError when there is none: a scorer that reads the logits must not read zeros)."""
    setting = settings.reader_cross
    if setting == "off":
        return None
    path = Path(setting).expanduser() if setting != "default" else \
        (scorer_file.with_name(LAYERS_FILE) if scorer_file is not None else Path(LAYERS_FILE))
    if not path.exists():
        raise FileNotFoundError(f"NEWSQA_READER_CROSS={setting}: no cross-encoder at {path} (the reader's scorer reads "
                                "one: give its layers file, or choose another NEWSQA_READER)")
    cache_dir = Path(settings.cache_dir).expanduser()
    variant = onnx_variant(settings)
    return CrossEncoder(merged_model(path, cache_dir, "reader-cross"), variant, cache_dir, settings.encoder_threads)
