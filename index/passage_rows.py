"""A keyword segment's passages kept on disk, not in memory: each passage is one JSON line of a file, read when it
is asked for (`os.pread` at its offset: no mapping, so the texts stay in the page cache and out of the process's
resident memory). What the index needs for every passage (its id, article, outlet and start) stays in memory as
columns.

A segment built in this process spills its passages into an anonymous temporary file; once the keyword cache has
written the segment's file, the rows read from that file instead (`adopt`), so a passage is on disk once. The
file handle is kept open, so a file replaced or deleted by a later save (a full rebuild swaps the cache's folder)
stays readable for the snapshots that still use it.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .articles import Passage

READ_CHUNK = 1 << 22  # bytes read at a time when a whole file is scanned
ROWS_PER_READ = 1024  # rows read at a time when all are walked


class RowSequence(Sequence):
    """A read-only sequence whose items are looked up by position (`_at`): slices and negative indexes here."""

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._at(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._at(i)

    def _at(self, i: int):
        """The item at position i (0 <= i < len)."""
        raise NotImplementedError


class PassageRows(RowSequence):
    """Passages by row, read from their file on demand; `ids`, `article_ids`, `sources` and `starts` in memory."""

    def __init__(self, handle: BinaryIO, base: int, offsets: np.ndarray, ids: Sequence[str],
                 article_ids: np.ndarray, sources: np.ndarray, starts: np.ndarray):
        self._file = (handle, base)
        self._offsets = offsets  # int64, row i is bytes offsets[i]:offsets[i + 1] past base
        self.ids, self.article_ids, self.sources, self.starts = ids, article_ids, sources, starts

    # --- making rows -------------------------------------------------------------------------------

    @classmethod
    def spill(cls, passages: Iterable[Passage]) -> "PassageRows":
        """Rows of these passages, written to an anonymous temporary file."""
        return cls._spilled((json.dumps(p.to_dict(), ensure_ascii=False).encode("utf-8") + b"\n",
                             (p.id, p.article_id, p.source, p.start)) for p in passages)

    @classmethod
    def gathered(cls, picks: Iterable[tuple["PassageRows", int]]) -> "PassageRows":
        """Rows taken from other rows, in the order given (their lines and columns copied, nothing decoded)."""
        return cls._spilled((rows.line(i), (rows.ids[i], rows.article_ids[i], rows.sources[i], int(rows.starts[i])))
                            for rows, i in picks)

    @classmethod
    def _spilled(cls, lines: Iterable[tuple[bytes, tuple]]) -> "PassageRows":
        """Rows of these JSON lines (each with its id, article id, outlet and start), written to an anonymous
        temporary file."""
        handle = tempfile.TemporaryFile(prefix="newsqa-passages-")
        offsets, columns = [0], _Columns()
        for line, fields in lines:
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
            columns.add(*fields)
        handle.flush()
        return cls(handle, 0, np.asarray(offsets, dtype=np.int64), *columns.arrays())

    @classmethod
    def read(cls, path: Path, base: int) -> "PassageRows":
        """Rows of a file's JSON lines from byte `base` on (the keyword cache's segment file)."""
        handle = open(path, "rb")  # noqa: SIM115 (kept open: the rows read from it)
        try:
            handle.seek(base)
            offsets, columns, position, rest = [0], _Columns(), 0, b""
            while chunk := handle.read(READ_CHUNK):
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                for line in lines:
                    position += len(line) + 1
                    offsets.append(position)
                    row = json.loads(line)
                    columns.add(row["id"], row["article_id"], row.get("source"), row["start"])
            if rest.strip():
                raise ValueError(f"{path.name} ends inside a line")
        except BaseException:
            handle.close()
            raise
        return cls(handle, base, np.asarray(offsets, dtype=np.int64), *columns.arrays())

    def adopt(self, path: Path, base: int) -> None:
        """Read from now on from `path` (from byte `base`), which holds the same lines (the segment's saved file)."""
        self._file = (open(path, "rb"), base)  # noqa: SIM115 (one assignment: a reader sees the old or the new)

    # --- reading -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def line(self, i: int) -> bytes:
        """Row i's JSON line, newline included."""
        handle, base = self._file
        start, stop = int(self._offsets[i]), int(self._offsets[i + 1])
        return os.pread(handle.fileno(), stop - start, base + start)

    def _at(self, i: int) -> Passage:
        """Row i, read from the file."""
        return passage_of(json.loads(self.line(i)))

    def __iter__(self) -> Iterator[Passage]:
        handle, base = self._file
        for first in range(0, len(self), ROWS_PER_READ):
            bounds = self._offsets[first:first + ROWS_PER_READ + 1].tolist()
            block = os.pread(handle.fileno(), bounds[-1] - bounds[0], base + bounds[0])
            yield from (passage_of(json.loads(block[a - bounds[0]:b - bounds[0]]))
                        for a, b in zip(bounds, bounds[1:]))

    def write_to(self, out: BinaryIO) -> None:
        """Copy every line to an open file."""
        handle, base = self._file
        size, done = int(self._offsets[-1]), 0
        while done < size:
            block = os.pread(handle.fileno(), min(READ_CHUNK, size - done), base + done)
            out.write(block)
            done += len(block)


def passage_of(row: dict) -> Passage:
    """A passage from its JSON form (`Passage.to_dict`; the score is not kept)."""
    row.pop("score", None)
    return Passage(**row)


class _Columns:
    """The in-memory columns, collected line by line (article ids and outlets interned: a few thousand distinct)."""

    def __init__(self):
        self.ids: list[str] = []
        self.article_ids: list[str] = []
        self.sources: list[str] = []
        self.starts: list[int] = []

    def add(self, passage_id: str, article_id: str, source: str | None, start: int) -> None:
        """One passage's columns."""
        self.ids.append(passage_id)
        self.article_ids.append(sys.intern(article_id))
        self.sources.append(sys.intern(source or ""))
        self.starts.append(int(start))

    def arrays(self) -> tuple:
        """ids (a tuple), article ids and outlets (object arrays), starts (int64)."""
        return (tuple(self.ids), np.array(self.article_ids, dtype=object), np.array(self.sources, dtype=object),
                np.asarray(self.starts, dtype=np.int64))
