"""The keyword index's files beside the store: immutable segment files, an append-only vocabulary, and a manifest.

Layout (FORMAT 3): `seg-NAME.npz` (a segment's term counts and lengths) and `seg-NAME.jsonl` (its articles on the
first line, then its passages), written once; `vocab.txt` (one term a line, appended to); `df-ID.npy` (the live
document frequencies); `manifest.json` (generation, log position, the segments with their tombstoned article ids,
the vocabulary's length, the df file), replaced atomically last, so a save killed midway leaves the previous
manifest and the files it names. A full rebuild is written to a new folder swapped in whole (an older format's
files go with it). The cache is optional: a read-only or broken folder means the index is rebuilt from Chroma.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import uuid
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .changes import LogPosition
from .passage_rows import PassageRows
from .segments import Segment, Segments, Vocabulary
from .store import StoredArticle

FORMAT = 3  # 3: segments, a vocabulary and a manifest (2: one bm25s index)
MANIFEST = "manifest.json"
VOCAB = "vocab.txt"


class KeywordCache:
    """Saves and loads keyword snapshots in one folder (None: nothing is saved)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._vocab_saved: tuple[int, int] | None = None  # (terms, bytes) of vocab.txt as this process last saw it

    def save(self, snapshot, whole: bool = False) -> None:
        """Persist the snapshot: only its new segment files and state (whole: everything, into a new folder)."""
        if self.folder is None:
            return
        try:
            if whole or not (self.folder / MANIFEST).exists():
                self._save_whole(snapshot)
            else:
                self._write(self.folder, snapshot)
        except OSError:
            self._vocab_saved = None  # a read-only folder: the cache is optional

    def _save_whole(self, snapshot) -> None:
        """Write every file into a new folder, then swap it in."""
        tmp = self.folder.with_name(self.folder.name + ".tmp")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            self._vocab_saved = None
            self._write(tmp, snapshot)
            old = self.folder.with_name(self.folder.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if self.folder.exists():
                self.folder.rename(old)
            tmp.rename(self.folder)
            shutil.rmtree(old, ignore_errors=True)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _write(self, folder: Path, snapshot) -> None:
        """The snapshot's missing segment files, the vocabulary's new terms, its df, then the manifest."""
        index: Segments = snapshot.index
        for seg in index.segments:
            if not (folder / f"seg-{seg.name}.jsonl").exists():
                _write_segment(folder, seg)
        self._write_vocab(folder, snapshot.vocab)
        df_name = f"df-{uuid.uuid4().hex[:12]}.npy"
        np.save(folder / df_name, index.df)
        manifest = {"format": FORMAT, "generation": snapshot.generation, "log": snapshot.log.to_dict(),
                    "vocab": self._vocab_saved[0], "df": df_name,
                    "segments": [{"name": seg.name, "dead": sorted(dead)}
                                 for seg, dead in zip(index.segments, index.dead)]}
        tmp = folder / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest), encoding="utf-8")
        os.replace(tmp, folder / MANIFEST)
        _remove_unlisted(folder, {df_name, *(f"seg-{s.name}{end}" for s in index.segments for end in (".npz",
                                                                                                      ".jsonl"))})

    def _write_vocab(self, folder: Path, vocab: Vocabulary) -> None:
        """Append the terms added since the last save (rewrite the file when it is not as last saved)."""
        path = folder / VOCAB
        terms = vocab.terms[:]
        saved = self._vocab_saved
        if saved is None or not path.exists() or path.stat().st_size != saved[1] or saved[0] > len(terms):
            path.write_text("".join(t + "\n" for t in terms), encoding="utf-8")
        elif saved[0] < len(terms):
            with open(path, "a", encoding="utf-8") as out:
                out.write("".join(t + "\n" for t in terms[saved[0]:]))
        self._vocab_saved = (len(terms), path.stat().st_size)

    def load(self):
        """The persisted snapshot (at whatever generation it was saved), or None when absent or unreadable."""
        from .keyword import Snapshot

        if self.folder is None or not (self.folder / MANIFEST).exists():
            return None
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            if manifest.get("format") != FORMAT:
                return None
            raw = (self.folder / VOCAB).read_bytes()
            terms = raw.decode("utf-8").split("\n")[:manifest["vocab"]]
            if len(terms) != manifest["vocab"]:
                return None
            vocab = Vocabulary(terms)
            segments = [_read_segment(self.folder, s["name"]) for s in manifest["segments"]]
            dead = [frozenset(s["dead"]) for s in manifest["segments"]]
            df = np.load(self.folder / manifest["df"])
            index = Segments.of(segments, dead, vocab, df=df)
            articles = {i: a for seg, gone in zip(segments, dead) for i, a in seg.articles.items() if i not in gone}
            position = LogPosition.from_dict(manifest["log"])
        except (OSError, ValueError, TypeError, KeyError, IndexError):
            return None
        self._vocab_saved = (len(terms), len(raw)) if raw.count(b"\n") == len(terms) else None
        return Snapshot(manifest["generation"], articles, index, vocab, position)


def _write_segment(folder: Path, seg: Segment) -> None:
    """A segment's two files (the npz first: the jsonl's presence marks a segment written)."""
    tf = seg.tf
    with open(folder / f"seg-{seg.name}.npz", "wb") as out:
        np.savez(out, data=tf.data, indices=tf.indices, indptr=tf.indptr, shape=np.asarray(tf.shape),
                 lengths=seg.lengths)
    tmp = folder / f"seg-{seg.name}.jsonl.tmp"
    with open(tmp, "wb") as out:
        articles = {k: dataclasses.asdict(v) for k, v in seg.articles.items()}
        header = json.dumps(articles, ensure_ascii=False).encode("utf-8") + b"\n"
        out.write(header)
        seg.passages.write_to(out)
    path = folder / f"seg-{seg.name}.jsonl"
    os.replace(tmp, path)
    seg.passages.adopt(path, len(header))


def _read_segment(folder: Path, name: str) -> Segment:
    """A segment written by _write_segment (its passages read from the file when asked for)."""
    with np.load(folder / f"seg-{name}.npz") as npz:
        shape = tuple(int(x) for x in npz["shape"])
        tf = sp.csc_matrix((npz["data"], npz["indices"], npz["indptr"]), shape=shape)
        lengths = npz["lengths"]
    path = folder / f"seg-{name}.jsonl"
    with open(path, "rb") as lines:
        header = lines.readline()
    articles = {k: StoredArticle(**v) for k, v in json.loads(header).items()}
    passages = PassageRows.read(path, len(header))
    if len(passages) != shape[0] or len(lengths) != shape[0]:
        raise ValueError(f"segment {name} is damaged")
    return Segment(name, passages, articles, tf, lengths)


def _remove_unlisted(folder: Path, keep: set[str]) -> None:
    """Delete segment and df files the manifest does not name (replaced, or left by a save killed midway)."""
    for path in folder.iterdir():
        if path.name.startswith(("seg-", "df-")) and path.name not in keep:
            path.unlink(missing_ok=True)
