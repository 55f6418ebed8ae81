"""Check an embedded index's vector files before Chroma opens them: a damaged HNSW file would crash the process.

Chroma's HNSW library trusts its files: a neighbour id past the end of `data_level0.bin` makes a search read
outside its memory (a segmentation fault, no message). Each segment folder holds `header.bin` (the sizes),
`data_level0.bin` (per element: its level-0 neighbour list, its vector and its label), `link_lists.bin` (per
element: the byte length of its upper-level lists, then the lists) and `length.bin` (per element: a float).
This module checks that the sizes agree and that every neighbour id names an element, which is what a search
relies on. A header of a layout it does not know is checked by opening the index in a child process instead.
"""

from __future__ import annotations

import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEADER = struct.Struct("<i6Q iI 3Q d Q")


@dataclass(frozen=True)
class Header:
    """The sizes an HNSW segment's header.bin gives (hnswlib's layout, version 1)."""

    count: int
    max_elements: int
    size_per_element: int
    label_offset: int
    data_offset: int
    max_level: int
    entry_point: int
    max_m: int
    max_m0: int


def damaged_file(chroma: Path) -> str | None:
    """The first damaged vector file under a Chroma folder with why, as 'FILE: reason', or None when all are sound."""
    for folder in sorted(p.parent for p in chroma.glob("*/header.bin")):
        problem = segment_problem(folder)
        if problem:
            return problem
    return None


def segment_problem(folder: Path) -> str | None:
    """Why one HNSW segment folder cannot be opened safely ('FILE: reason'), or None."""
    header = read_header(folder / "header.bin")
    if header is None:
        return probe(folder.parent)
    level0 = folder / "data_level0.bin"
    size = level0.stat().st_size if level0.exists() else 0
    if size not in {header.count * header.size_per_element, header.max_elements * header.size_per_element}:
        return f"{_rel(level0)}: {size:,} bytes where the header needs {header.count * header.size_per_element:,}"
    if header.count and not 0 <= header.entry_point < header.count:
        return f"{_rel(folder / 'header.bin')}: the entry point is not an element"
    return (_level0_problem(level0, header) or _links_problem(folder / "link_lists.bin", header)
            or _length_problem(folder / "length.bin", header))


def read_header(path: Path) -> Header | None:
    """The header's sizes, or None when the file is not hnswlib's version-1 layout."""
    raw = path.read_bytes()
    if len(raw) != HEADER.size:
        return None
    version, _, max_elements, count, size, label_offset, data_offset, max_level, entry, max_m, max_m0, *_ = \
        HEADER.unpack(raw)
    if version != 1 or not (0 < data_offset == (max_m0 + 1) * 4 <= label_offset == size - 8) or count > max_elements:
        return None
    return Header(count, max_elements, size, label_offset, data_offset, max_level, entry, max_m, max_m0)


def _level0_problem(path: Path, header: Header) -> str | None:
    """Every element's level-0 list: at most maxM0 neighbours, each an element."""
    if not header.count:
        return None
    rows = np.fromfile(path, dtype=np.uint8, count=header.count * header.size_per_element).reshape(
        header.count, header.size_per_element)
    counts = rows[:, :4].copy().view("<u4")[:, 0] & 0xFFFF
    if (counts > header.max_m0).any():
        return f"{_rel(path)}: an element lists more neighbours than the index allows"
    neighbours = rows[:, 4:header.data_offset].copy().view("<u4")
    used = np.arange(header.max_m0)[None, :] < counts[:, None]
    if (neighbours[used] >= header.count).any():
        return f"{_rel(path)}: a neighbour id points past the last element"
    return None


def _links_problem(path: Path, header: Header) -> str | None:
    """The upper-level lists: lengths that add up to the file, each neighbour an element."""
    raw = path.read_bytes() if path.exists() else b""
    per_level = (header.max_m + 1) * 4
    offset = 0
    for _ in range(header.count):
        if offset + 4 > len(raw):
            return f"{_rel(path)}: the file ends early"
        (size,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        if size % per_level or size // per_level > max(header.max_level, 0) or offset + size > len(raw):
            return f"{_rel(path)}: an element's upper-level lists have an impossible length"
        lists = np.frombuffer(raw, dtype="<u4", count=size // 4, offset=offset).reshape(-1, header.max_m + 1)
        counts = lists[:, 0] & 0xFFFF
        used = np.arange(header.max_m)[None, :] < counts[:, None]
        if (counts > header.max_m).any() or (lists[:, 1:][used] >= header.count).any():
            return f"{_rel(path)}: a neighbour id points past the last element"
        offset += size
    return None if offset == len(raw) else f"{_rel(path)}: {len(raw) - offset:,} bytes past the last list"


def _length_problem(path: Path, header: Header) -> str | None:
    """length.bin holds one float per element."""
    if path.exists() and path.stat().st_size not in (0, header.count * 4, header.max_elements * 4):
        return f"{_rel(path)}: {path.stat().st_size:,} bytes for {header.count:,} elements"
    return None


def probe(chroma: Path, timeout: float = 120.0) -> str | None:
    """Open the index and search every collection in a child process; why that crashed ('FILE: reason'), or None."""
    script = ("import sys, chromadb\nfrom chromadb.config import Settings\n"
              "client = chromadb.PersistentClient(sys.argv[1], settings=Settings(anonymized_telemetry=False))\n"
              "for c in client.list_collections():\n"
              "    got = c.get(limit=1, include=['embeddings'])\n"
              "    if len(got['ids']):\n"
              "        c.query(query_embeddings=[list(got['embeddings'][0])], n_results=10, include=[])\n")
    done = subprocess.run([sys.executable, "-c", script, str(chroma)], capture_output=True, timeout=timeout)
    if done.returncode < 0:
        return f"{_rel(chroma)}: opening its vector files crashed a test process (signal {-done.returncode})"
    return None


def _rel(path: Path) -> str:
    """A file's path from the Chroma folder on (chroma/<segment>/data_level0.bin)."""
    parts = path.parts
    if "chroma" not in parts:
        return path.name
    return "/".join(parts[len(parts) - 1 - parts[::-1].index("chroma"):])
