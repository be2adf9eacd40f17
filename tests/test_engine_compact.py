"""The cluster's compact chunk containers behave like the set and list of pairs they replace."""

from __future__ import annotations

from engine.sim.compact import ChunkSet, Units


def test_a_chunk_set_keeps_each_vuid_once_and_forgets_discarded_ones() -> None:
    chunks = ChunkSet([7, 3])
    chunks.add(7)
    chunks.add(2**40 + 1)
    chunks.discard(3)
    chunks.discard(99)  # absent: no error, as with a set
    assert len(chunks) == 2 and 7 in chunks and 3 not in chunks
    assert chunks == {7, 2**40 + 1}
    assert sorted(chunks) == [7, 2**40 + 1]


def test_an_emptied_chunk_set_is_false_and_equals_the_empty_set() -> None:
    chunks = ChunkSet([5])
    chunks.discard(5)
    assert not chunks and chunks == set()


def test_units_read_and_replace_like_a_list_of_vuid_disk_pairs() -> None:
    units = Units([(4_294_967_297, 101), (4_294_967_298, 102)])
    units[1] = (4_294_967_299, 205)
    assert len(units) == 2
    assert units[0] == (4_294_967_297, 101)
    assert list(units) == [(4_294_967_297, 101), (4_294_967_299, 205)]
    assert units == [(4_294_967_297, 101), (4_294_967_299, 205)]
