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


PAD = 65


def make_whole_packer(store, context, world_size=1):
    mix = DocumentMixture(store, ["en", "fr"], interleave_ratio=0.5, seed=0)
    return WindowPacker(mix, context, EOS, world_size=world_size, whole_documents=True, pad=PAD)


def test_whole_documents_start_windows_instead_of_straddling(aligned_store):
    context = 100
    packer = make_whole_packer(aligned_store, context)
    windows = [packer.next_window() for _ in range(60)]
    reference = DocumentMixture(aligned_store, ["en", "fr"], interleave_ratio=0.5, seed=0)
    padded = 0
    for window, counts in windows:
        content = window[window != PAD]
        # Padding only ever fills a window's tail, after an EOS.
        assert (window[len(content) :] == PAD).all()
        if len(content) < context:
            padded += 1
            assert content[-1] == EOS
        assert counts.sum() == context and counts[-1] == np.sum(window >= EOS)
        # The window's content is whole documents of the reference stream, in
        # order (the store's documents are all shorter than the window).
        offset = 0
        while offset < len(content):
            doc = reference.next_document()
            expected = np.concatenate([aligned_store.units(r) for r in doc.rows] + [[EOS]])
            assert len(expected) <= context
            np.testing.assert_array_equal(content[offset : offset + len(expected)], expected)
            offset += len(expected)
    assert padded > 10  # the test exercised the padding


def test_whole_documents_longer_than_a_window_are_cut(aligned_store):
    packer = make_whole_packer(aligned_store, context=5)
    plain = make_packer(aligned_store, context=5)
    for _ in range(30):  # every document is longer than 5 tokens: no padding at all
        np.testing.assert_array_equal(packer.next_window()[0], plain.next_window()[0])


@pytest.mark.parametrize("world_size", [1, 2])
def test_whole_documents_resume_exactly(aligned_store, world_size):
    packer = make_whole_packer(aligned_store, 100, world_size)
    for _ in range(17):
        packer.next_window()
    state = packer.state_dict()
    expected = [packer.next_window()[0] for _ in range(30)]
    restored = make_whole_packer(aligned_store, 100, world_size)
    restored.load_state_dict(state)
    for window in expected:
        np.testing.assert_array_equal(restored.next_window()[0], window)
    with pytest.raises(ValueError, match="whole_documents"):
        make_packer(aligned_store, world_size=world_size, context=100).load_state_dict(state)


def test_whole_documents_need_a_pad_id(aligned_store):
    with pytest.raises(ValueError, match="pad"):
        WindowPacker(DocumentMixture(aligned_store, ["en"]), 8, EOS, whole_documents=True)
