"""The paper's retrieval set-up, for comparison: plain LlamaIndex over Chroma, 256-token chunks, top-k dense.

A `VectorStoreIndex` on a Chroma collection, `SentenceSplitter(chunk_size=256)` with its default overlap,
the articles' title, source and date as node metadata (as the benchmark's own script does), and the same
embedding model as the product. Its ingest is slow (half an hour here), so the Chroma folder is persisted
and reused: chunks are inserted in order, in batches, and an interrupted ingest resumes after the stored
prefix (checked chunk by chunk against the split); a marker file written after the last chunk says the
collection is complete. Ingest seconds add up over the runs that did the work (`progress.json`).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

COLLECTION = "baseline"
MARKER = "complete.json"
PROGRESS = "progress.json"
CHUNK_SIZE = 256
INSERT_BATCH = 2048  # LlamaIndex's own insert batch size


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk: its text and similarity."""

    text: str
    score: float


class Baseline:
    """LlamaIndex VectorStoreIndex over a persisted Chroma collection."""

    def __init__(self, index, chunks: int, ingest_seconds: float):
        self.index = index
        self.chunks = chunks
        self.ingest_seconds = ingest_seconds
        self._retrievers: dict[int, object] = {}

    @classmethod
    def open(cls, folder: Path, records: list[dict], model_path: str) -> "Baseline":
        """Reuse the complete collection in folder, or build it from the corpus records."""
        from llama_index.core import StorageContext, VectorStoreIndex
        from llama_index.vector_stores.chroma import ChromaVectorStore

        embed_model = _embed_model(model_path)
        collection, marker = _collection(Path(folder))
        store = ChromaVectorStore(chroma_collection=collection)
        if marker is not None:
            index = VectorStoreIndex.from_vector_store(store, embed_model=embed_model)
            return cls(index, marker["chunks"], marker.get("estimated_ingest_seconds") or marker["ingest_seconds"])
        started = time.perf_counter()
        nodes = split(records)
        done = _stored_prefix(collection, nodes)
        spent = _progress(Path(folder), done)
        index = VectorStoreIndex([], storage_context=StorageContext.from_defaults(vector_store=store),
                                 embed_model=embed_model)
        for start in range(done, len(nodes), INSERT_BATCH):
            index.insert_nodes(nodes[start:start + INSERT_BATCH])
            seconds = spent["seconds"] + time.perf_counter() - started
            _save_progress(Path(folder), {**spent, "seconds": seconds,
                                          "chunks": min(start + INSERT_BATCH, len(nodes))})
        seconds = spent["seconds"] + time.perf_counter() - started
        timed = len(nodes) - spent["untimed_chunks"]
        marker = {"chunks": len(nodes), "ingest_seconds": round(seconds, 1), "chunk_size": CHUNK_SIZE,
                  "model": model_path, "untimed_chunks": spent["untimed_chunks"],
                  "estimated_ingest_seconds": round(seconds * len(nodes) / timed, 1) if timed else None}
        (Path(folder) / MARKER).write_text(json.dumps(marker, indent=2))
        return cls(index, len(nodes), marker["estimated_ingest_seconds"] or seconds)

    def search(self, question: str, k: int = 10) -> list[Hit]:
        """The top-k chunks by cosine similarity, best first."""
        if k not in self._retrievers:
            self._retrievers[k] = self.index.as_retriever(similarity_top_k=k)
        return [Hit(n.node.get_content(), float(n.score or 0.0)) for n in self._retrievers[k].retrieve(question)]


def split(records: list[dict]) -> list:
    """The corpus as LlamaIndex nodes: 256-token sentence chunks with title, source, date metadata."""
    from llama_index.core import Document
    from llama_index.core.node_parser import SentenceSplitter

    documents = [Document(text=r["body"], metadata={"title": r["title"], "published_at": r["published_at"],
                                                    "source": r["source"]}) for r in records]
    return SentenceSplitter(chunk_size=CHUNK_SIZE).get_nodes_from_documents(documents)


def _stored_prefix(collection, nodes: list) -> int:
    """How many of the split's first chunks the collection already holds (0 unless it holds exactly
    a prefix of the split, text for text: anything else is cleared and rebuilt)."""
    count = collection.count()
    if count == 0:
        return 0
    stored = collection.get(include=["documents"])["documents"]
    if count <= len(nodes) and sorted(stored) == sorted(n.get_content() for n in nodes[:count]):
        return count
    collection.delete(ids=collection.get(include=[])["ids"])
    return 0


def _progress(folder: Path, done: int) -> dict:
    """Seconds spent on the stored prefix, and how many of its chunks a run stored without timing them
    (a run killed between a batch and its progress record, or one older than the record)."""
    path = folder / PROGRESS
    saved = json.loads(path.read_text()) if path.exists() else {"seconds": 0.0, "chunks": 0, "untimed_chunks": 0}
    if done == 0 or saved["chunks"] > done:
        return {"seconds": 0.0, "chunks": done, "untimed_chunks": done}
    return {"seconds": saved["seconds"], "chunks": done,
            "untimed_chunks": saved["untimed_chunks"] + done - saved["chunks"]}


def _save_progress(folder: Path, progress: dict) -> None:
    """Write the progress record after each batch."""
    (folder / PROGRESS).write_text(json.dumps(progress, indent=2))


def _embed_model(model_path: str):
    """HuggingFaceEmbedding on the local model folder, CPU, no network."""
    try:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore  # noqa: F401
    except ImportError as exc:
        raise RuntimeError("The baseline needs the dev extras: pip install -e '.[dev]' "
                           "(llama-index-embeddings-huggingface, llama-index-vector-stores-chroma)") from exc
    return HuggingFaceEmbedding(model_name=model_path, device="cpu")


def _collection(folder: Path):
    """The baseline's Chroma collection and its completion marker (None: not complete yet)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    folder.mkdir(parents=True, exist_ok=True)
    client = chromadb.PersistentClient(path=str(folder / "chroma"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    marker_path = folder / MARKER
    marker = json.loads(marker_path.read_text()) if marker_path.exists() else None
    return client.get_or_create_collection(COLLECTION, metadata={"hnsw:space": "cosine"}), marker
