"""The check of HNSW vector files before Chroma opens them, on small files written here in hnswlib's layout
(tests/integration/test_hardening.py damages a real index's files)."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from index.integrity import HEADER, damaged_file

DIM, M, M0, COUNT = 4, 2, 4, 3
SIZE = (M0 + 1) * 4 + DIM * 4 + 8


def write_segment(folder, level0: bytes | None = None, links: bytes | None = None):
    """A segment of COUNT elements, each linked to the others at level 0, none on upper levels."""
    folder.mkdir(parents=True)
    (folder / "header.bin").write_bytes(HEADER.pack(1, 0, 8, COUNT, SIZE, SIZE - 8, (M0 + 1) * 4, 0, 0, M, M0, M,
                                                    0.5, 100))
    rows = []
    for i in range(COUNT):
        neighbours = [j for j in range(COUNT) if j != i] + [0] * (M0 - COUNT + 1)
        rows.append(struct.pack("<I", COUNT - 1) + struct.pack(f"<{M0}I", *neighbours)
                    + np.ones(DIM, dtype="<f4").tobytes() + struct.pack("<Q", i))
    (folder / "data_level0.bin").write_bytes(level0 if level0 is not None else b"".join(rows))
    (folder / "link_lists.bin").write_bytes(links if links is not None else struct.pack("<I", 0) * COUNT)
    (folder / "length.bin").write_bytes(np.ones(COUNT, dtype="<f4").tobytes())
    return folder


def test_sound_files_pass(tmp_path):
    write_segment(tmp_path / "chroma" / "seg")
    assert damaged_file(tmp_path / "chroma") is None


@pytest.mark.parametrize("damage, reason", [
    ("truncated", "data_level0.bin: 10 bytes where the header needs 132"),
    ("neighbour out of range", "data_level0.bin: a neighbour id points past the last element"),
    ("too many neighbours", "data_level0.bin: an element lists more neighbours than the index allows"),
    ("bad upper lists", "link_lists.bin: an element's upper-level lists have an impossible length"),
])
def test_damage_is_found_and_named(tmp_path, damage, reason):
    good = write_segment(tmp_path / "good" / "chroma" / "seg")
    data = bytearray((good / "data_level0.bin").read_bytes())
    level0, links = None, None
    if damage == "truncated":
        level0 = bytes(data[:10])
    elif damage == "neighbour out of range":
        data[4:8] = struct.pack("<I", 10**6)
        level0 = bytes(data)
    elif damage == "too many neighbours":
        data[0:4] = struct.pack("<I", 999)
        level0 = bytes(data)
    else:
        links = struct.pack("<I", 7) * COUNT
    write_segment(tmp_path / "bad" / "chroma" / "seg", level0, links)
    assert damaged_file(tmp_path / "bad" / "chroma") == f"chroma/seg/{reason}"
