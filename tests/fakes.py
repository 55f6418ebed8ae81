"""Deterministic fakes for fast unit tests: a word-count embedder, a store on Chroma's in-memory client, an
open corpus over both, and one scripted generator. They load no model and touch no disk but tmp folders."""

from __future__ import annotations

import time
import uuid
import zlib
from pathlib import Path

import numpy as np

from index import Corpus, Store, tokenize

DIM = 256


class WordCountEmbedder:
    """Each stemmed word hashed into one of DIM buckets; counts, L2-normalised (texts sharing words are near)."""

    name = "fake:word-count"
    max_tokens = 256

    def embed(self, texts) -> np.ndarray:
        """One unit vector per text (the zero text gets a fixed unit vector)."""
        rows = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in zip(rows, texts):
            for term in tokenize(text):
                row[zlib.crc32(term.encode()) % DIM] += 1.0
            if not row.any():
                row[0] = 1.0
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    def count_tokens(self, texts) -> list[int]:
        """Words plus the two special tokens, as a word-piece count would roughly give."""
        return [len(text.split()) + 2 for text in texts]


def memory_store(embed_model: str = WordCountEmbedder.name) -> Store:
    """A Store on Chroma's in-memory client, in collections of its own."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    return Store(client, f"t{uuid.uuid4().hex[:12]}", embed_model, create=True, where="a test store")


def fake_corpus(settings) -> Corpus:
    """An open corpus over the fakes: in-memory Chroma, the word-count embedder, the keyword index."""
    return Corpus.open(settings, embedder=WordCountEmbedder(), store=memory_store(settings.embed_model))


def fake_settings(tmp_path: Path, **overrides):
    """qa Settings on a tmp index folder, naming the fake embedder, with no environment read."""
    from qa import Settings

    return Settings.from_env(env={}, index_dir=tmp_path / "index", embed_model=WordCountEmbedder.name, **overrides)


def fake_assistant(tmp_path: Path, files=(), synthesizer=None, **overrides):
    """An Assistant over the fakes with the given files indexed."""
    from qa import Assistant

    settings = fake_settings(tmp_path, **overrides)
    assistant = Assistant.open(settings=settings, corpus=fake_corpus(settings), synthesizer=synthesizer)
    if files:
        assistant.add_files(list(files))
    return assistant


class ScriptedGenerator:
    """A generator that replies with fixed text word by word (optionally slowly) and records its prompt."""

    def __init__(self, reply: str, delay: float = 0.0):
        self.reply, self.delay, self.messages = reply, delay, None

    def stream(self, messages, max_tokens, stop=()):
        """The reply, one word (with the space after it) at a time."""
        self.messages = messages
        words = self.reply.split(" ")
        for n, word in enumerate(words, 1):
            time.sleep(self.delay)
            yield word + (" " if n < len(words) else "")


class GivenSpans:
    """A span extractor whose best span is given per sentence; it keeps the sentences it was asked about."""

    def __init__(self, spans: dict):
        self.spans, self.asked = spans, []

    def best(self, question, text):
        self.asked.append(text)
        return self.spans[text]
