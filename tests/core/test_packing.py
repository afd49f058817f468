"""Packing: exact content, EOS separators, DDP sharding and resume."""

import numpy as np
import pytest

from speechbrain_xling.data.packing import WindowPacker
from speechbrain_xling.data.sequences import DocumentMixture

EOS = 64


def make_packer(store, rank=0, world_size=1, context=16, seed=0):
    mix = DocumentMixture(store, ["en", "fr"], interleave_ratio=0.5, seed=seed)
    return WindowPacker(mix, context, EOS, rank=rank, world_size=world_size)


def test_windows_are_the_documents_joined_by_eos(aligned_store):
    packer = make_packer(aligned_store)
    stream = np.concatenate([packer.next_window()[0] for _ in range(50)])
    reference = DocumentMixture(aligned_store, ["en", "fr"], interleave_ratio=0.5, seed=0)
    pieces = []
    while sum(map(len, pieces)) < len(stream):
        doc = reference.next_document()
        pieces += [aligned_store.units(r) for r in doc.rows] + [np.array([EOS])]
    np.testing.assert_array_equal(stream, np.concatenate(pieces)[: len(stream)])


def test_language_counts_match_unit_ranges(aligned_store):
    packer = make_packer(aligned_store)
    for _ in range(20):
        window, counts = packer.next_window()
        assert counts.tolist() == [
            int(np.sum(window < 32)),
            int(np.sum((window >= 32) & (window < EOS))),
            int(np.sum(window == EOS)),
        ]


def test_ranks_read_disjoint_windows_that_cover_the_stream(aligned_store):
    single = make_packer(aligned_store)
    reference = [single.next_window()[0] for _ in range(30)]
    shards = [make_packer(aligned_store, rank=r, world_size=3) for r in range(3)]
    for g, window in enumerate(reference):
        np.testing.assert_array_equal(shards[g % 3].next_window()[0], window)


@pytest.mark.parametrize("world_size", [1, 2])
def test_resume_from_state_continues_exactly(aligned_store, world_size):
    packer = make_packer(aligned_store, world_size=world_size, context=7)
    for _ in range(23):
        packer.next_window()
    state = packer.state_dict()
    expected = [packer.next_window()[0] for _ in range(40)]
    restored = make_packer(aligned_store, world_size=world_size, context=7)
    restored.load_state_dict(state)
    for window in expected:
        np.testing.assert_array_equal(restored.next_window()[0], window)


def test_resume_refuses_a_different_layout(aligned_store):
    state = make_packer(aligned_store, world_size=2).state_dict()
    with pytest.raises(ValueError, match="world_size=2"):
        make_packer(aligned_store, world_size=1).load_state_dict(state)
