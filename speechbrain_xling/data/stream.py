"""Checkpointable training stream: packed windows as an IterableDataset.

Authors
 * speechbrain-xling authors 2026
"""

import json

import torch
from speechbrain.utils.checkpoints import (
    mark_as_loader,
    mark_as_saver,
    register_checkpoint_hooks,
)
from torch.utils.data import IterableDataset


@register_checkpoint_hooks
class PackedWindowStream(IterableDataset):
    """Yields ``(tokens [batch, context], counts)`` batches from a packer.

    Registered with a SpeechBrain ``Checkpointer`` it saves the packer's
    position, so a resumed run continues with the very next batch. Use it
    with ``batch_size=None`` and ``num_workers=0`` in the DataLoader (the
    packer is fast; workers would read ahead of what the checkpoint records).

    Arguments
    ---------
    packer : WindowPacker
        Source of windows (already set to this rank's share).
    batch_size : int
        Windows per batch.
    num_batches : int
        Batches of the whole run; iteration stops there (a resumed stream
        yields only the batches still to come).

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.unit_store import write_unit_store
    >>> from speechbrain_xling.data.sequences import DocumentMixture
    >>> from speechbrain_xling.data.packing import WindowPacker
    >>> rows = [dict(utt_id=f"u{i}", units=[i % 3] * 5, story_id=f"s{i}",
    ...              sent_idx=0, lang="en") for i in range(4)]
    >>> store = write_unit_store(tempfile.mkdtemp(), rows, num_units=4)
    >>> stream = PackedWindowStream(
    ...     WindowPacker(DocumentMixture(store, ["en"]), 8, eos=4), 2, 10)
    >>> tokens, counts = next(iter(stream))
    >>> tokens.shape, int(counts.sum())
    (torch.Size([2, 8]), 16)
    """

    def __init__(self, packer, batch_size, num_batches):
        super().__init__()
        self.packer = packer
        self.batch_size = int(batch_size)
        self.num_batches = int(num_batches)
        self.batches_done = 0

    def __len__(self):
        return self.num_batches

    def __iter__(self):
        while self.batches_done < self.num_batches:
            tokens, counts = self.packer.next_batch(self.batch_size)
            self.batches_done += 1
            yield tokens, torch.from_numpy(counts)

    @property
    def document_counts(self):
        """Documents drawn so far, by kind (``mono``, ``sampled``, ...)."""
        return self.packer.document_counts

    def _windows_per_batch(self):
        return self.batch_size * self.packer.world_size

    @mark_as_saver
    def _save(self, path):
        # Saved by the main rank only; ``boundary`` is the number of global
        # windows that all ranks together have consumed.
        state = {
            "packer": self.packer.state_dict(),
            "boundary": self.batches_done * self._windows_per_batch(),
        }
        with open(path, "w") as handle:
            json.dump(state, handle)

    @mark_as_loader
    def _recover(self, path, end_of_epoch=False):
        del end_of_epoch  # the stream has no epochs
        with open(path) as handle:
            state = json.load(handle)
        self.packer.load_state_dict(state["packer"])
        self.packer.advance_to(state["boundary"])
        self.batches_done = state["boundary"] // self._windows_per_batch()
