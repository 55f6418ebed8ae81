"""A segment's passages live in a file, read back exactly, also after the file they came from is replaced."""

from __future__ import annotations

import gc

import pytest

from index import Passage
from index import passage_rows
from index.passage_rows import PassageRows


def passages(n: int) -> list[Passage]:
    """n passages over three articles, with non-ASCII text and every optional field set on some."""
    return [Passage(f"a{i % 3}-{i}", f"a{i % 3}", f"Passage {i}: “quoted” café — {'x' * (i % 7)}", i * 10,
                    i * 10 + 9, f"Title {i % 3}", "Reuters" if i % 2 else None, "2023-10-0%d" % (1 + i % 9) if i % 3
                    else None, f"https://example.com/{i}" if i % 4 == 0 else None, f"a{i % 3}.txt", None)
            for i in range(n)]


def test_spilled_rows_read_back_exactly_by_index_slice_and_walk(monkeypatch):
    monkeypatch.setattr(passage_rows, "ROWS_PER_READ", 3)  # walks cross several reads
    original = passages(11)
    rows = PassageRows.spill(original)
    assert len(rows) == 11
    assert [rows[i] for i in range(11)] == original
    assert list(rows) == original
    assert rows[-1] == original[-1] and rows[2:5] == original[2:5]
    assert rows.ids == tuple(p.id for p in original)
    assert rows.article_ids.tolist() == [p.article_id for p in original]
    assert rows.sources.tolist() == [p.source or "" for p in original]
    assert rows.starts.tolist() == [p.start for p in original]
    with pytest.raises(IndexError):
        rows[11]


def test_rows_gathered_from_others_keep_their_lines_in_the_order_given():
    first, second = PassageRows.spill(passages(4)), PassageRows.spill(passages(6)[4:])
    picked = PassageRows.gathered([(second, 1), (first, 0), (first, 3)])
    assert [p.id for p in picked] == ["a2-5", "a0-0", "a0-3"]
    assert picked[0] == second[1]


def test_saved_rows_are_read_from_their_file_and_survive_its_replacement(tmp_path):
    original = passages(5)
    rows = PassageRows.spill(original)
    path = tmp_path / "seg.jsonl"
    with open(path, "wb") as out:
        out.write(b'{"header": 1}\n')
        rows.write_to(out)
    rows.adopt(path, len(b'{"header": 1}\n'))
    loaded = PassageRows.read(path, len(b'{"header": 1}\n'))
    assert list(loaded) == original and loaded.ids == rows.ids
    path.unlink()  # a full rebuild swaps the folder away: the open handle still reads
    gc.collect()
    assert list(rows) == original and loaded[4] == original[4]


def test_a_file_cut_inside_a_line_is_refused(tmp_path):
    path = tmp_path / "seg.jsonl"
    with open(path, "wb") as out:
        PassageRows.spill(passages(3)).write_to(out)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ValueError):
        PassageRows.read(path, 0)
