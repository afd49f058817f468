"""Token vocabulary of a unit language model.

Units take ids ``0 .. K-1``; special tokens follow them. There are no
language-ID tokens: the setting is textless and language-agnostic.

Authors
 * speechbrain-xling authors 2026
"""

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class UnitVocabulary:
    """Ids of the units and of the special tokens.

    Arguments
    ---------
    num_units : int
        K, the number of discrete units (2048 for Mimi's first codebook).

    Example
    -------
    >>> vocab = UnitVocabulary(num_units=2048)
    >>> vocab.eos, vocab.pad, vocab.size
    (2048, 2049, 2050)
    """

    num_units: int

    def __post_init__(self):
        if not isinstance(self.num_units, int) or self.num_units < 2:
            raise ValueError(f"num_units must be an int >= 2, got {self.num_units!r}")
        if self.num_units > 65534:
            raise ValueError(
                "num_units must fit in uint16 with the special tokens "
                f"(<= 65534), got {self.num_units}"
            )

    @property
    def eos(self):
        """End-of-document separator, placed between packed documents."""
        return self.num_units

    @property
    def pad(self):
        """Padding id; never a training target."""
        return self.num_units + 1

    @property
    def size(self):
        """Number of rows of the embedding table and of the output layer."""
        return self.num_units + 2

    def to_dict(self):
        """Serialisable form, stored beside model checkpoints.

        Example
        -------
        >>> UnitVocabulary(16).to_dict()
        {'num_units': 16, 'eos': 16, 'pad': 17, 'size': 18}
        """
        return {**asdict(self), "eos": self.eos, "pad": self.pad, "size": self.size}

    @classmethod
    def from_dict(cls, fields):
        """Inverse of :meth:`to_dict`; the derived ids are checked.

        Example
        -------
        >>> UnitVocabulary.from_dict({"num_units": 16, "eos": 16})
        UnitVocabulary(num_units=16)
        """
        vocab = cls(int(fields["num_units"]))
        for name in ("eos", "pad", "size"):
            if name in fields and fields[name] != getattr(vocab, name):
                raise ValueError(
                    f"vocabulary field {name}={fields[name]} does not match "
                    f"the layout of K={vocab.num_units} ({getattr(vocab, name)})"
                )
        return vocab
