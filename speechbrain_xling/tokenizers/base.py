"""The interface every speech tokeniser implements.

A tokeniser turns batches of waveforms into discrete unit sequences at a
fixed frame rate, with ids in ``[0, num_units)``. The unit store, the
training pipeline and the evaluation read only these attributes and methods,
so tokenisers are interchangeable in hparams.

Authors
 * speechbrain-xling authors 2026
"""

from abc import ABC, abstractmethod

import numpy as np


class UnitTokenizer(ABC):
    """Waveforms -> discrete units.

    Attributes
    ----------
    num_units : int
        K, the number of distinct units.
    frame_rate : float
        Units per second of audio.
    sample_rate : int
        Rate (Hz) the waveforms given to :meth:`encode` must have.
    """

    num_units: int
    frame_rate: float
    sample_rate: int

    @abstractmethod
    def encode(self, wavs, lengths):
        """Encodes a padded batch.

        Arguments
        ---------
        wavs : torch.Tensor
            ``[batch, samples]`` float mono audio at :attr:`sample_rate`.
        lengths : torch.Tensor
            ``[batch]`` number of valid samples of each row (int).

        Returns
        -------
        list of numpy.ndarray
            One int array of units per row; padding never changes the units
            of a row.
        """

    def encode_with_frames(self, wavs, lengths):
        """:meth:`encode`, with the frame (at :attr:`frame_rate`) where each
        unit starts: ``[(units, frames), ...]``. One unit per frame here;
        tokenisers that merge frames (deduplication) override it."""
        return [(units, np.arange(len(units))) for units in self.encode(wavs, lengths)]

    @abstractmethod
    def describe(self):
        """A JSON-serialisable dict naming the tokeniser and its settings.

        Stored in unit-store headers and used as a cache key, so two
        tokenisers that give different units must describe differently.
        """

    def decode(self, units):
        """Units -> waveform, for tokenisers that have a decoder."""
        raise NotImplementedError(f"{type(self).__name__} cannot turn units back into audio")
