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

from pathlib import Path
from typing import Sequence

import numpy as np

from ..errors import ModelFileMissing
from .encoder import merged_model, onnx_variant
from .pairs import PairGraph

LAYERS_FILE = "reader-cross.safetensors"
"""The cross-encoder's layers file, written beside the scorer fitted with it (`python -m qa.bench reader --cross`)."""
MAX_TOKENS = 128
"""The longest (question, sentence) input in word pieces; the sentence is cut to fit (as in training)."""


class CrossEncoder:
    """Scores (question, sentence) pairs with the exported graph of a cross-encoder model folder."""

    def __init__(self, folder: Path, variant: str, cache_dir: Path, threads: int = 0, max_tokens: int = MAX_TOKENS):
        self._graph = PairGraph(folder, variant, cache_dir, threads, max_tokens)

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """One logit per text (higher: the text answers the question better), each pair run alone (PairGraph)."""
        return np.array([float(self._graph.run(question, text)[0][0]) for text in texts])


def load_cross_encoder(settings, scorer_file: Path | None = None) -> CrossEncoder | None:
    """The cross-encoder the setting names: 'off' (None), a layers file, or 'default': the one beside the scorer's
    model file (ModelFileMissing when there is none: a scorer that reads the logits must not read zeros)."""
    setting = settings.reader_cross
    if setting == "off":
        return None
    path = Path(setting).expanduser() if setting != "default" else \
        (scorer_file.with_name(LAYERS_FILE) if scorer_file is not None else Path(LAYERS_FILE))
    if not path.exists():
        raise ModelFileMissing(f"NEWSQA_READER_CROSS={setting}: no cross-encoder at {path} (the reader's scorer reads "
                                "one: give its layers file, or choose another NEWSQA_READER)")
    cache_dir = Path(settings.cache_dir).expanduser()
    variant = onnx_variant(settings)
    return CrossEncoder(merged_model(path, cache_dir, "reader-cross"), variant, cache_dir, settings.encoder_threads)
