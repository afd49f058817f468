"""Several unit stores in one training stream, mixed by token share.

Stage 1 of the paper trains on LibriHeavy and the EN side of sTinyStories:
two corpora, two unit stores. :class:`StoreMixture` draws documents from one
:class:`~speechbrain_xling.data.sequences.DocumentMixture` per store; each
next document comes from the store furthest below its target share of the
tokens drawn so far (no randomness: the shares hold at every point of the
stream, not only on average). It has the interface the packer needs
(``languages``, ``next_document``, ``state_dict``/``load_state_dict``,
``document_counts``), its languages are the union of the stores' languages,
and each document's language codes are mapped into that union, so the
packer's per-language token counts stay exact.

Authors
 * speechbrain-xling authors 2026
"""

from collections import Counter

import numpy as np


class StoreMixture:
    """Documents of several :class:`DocumentMixture` sources, by token share.

    Arguments
    ---------
    sources : dict
        ``{name: DocumentMixture}``, one per unit store.
    shares : dict, optional
        ``{name: share}`` of the tokens; default: in proportion to the
        stores' sizes (as if the stores were concatenated).
    languages : list of str, optional
        Order of the languages in the counts (default: as the sources first
        name them); must hold every source's languages.

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.unit_store import write_unit_store
    >>> from speechbrain_xling.data.sequences import DocumentMixture
    >>> def store(lang, length):
    ...     rows = [dict(utt_id=f"s{s}", units=[1] * length, story_id=f"s{s}",
    ...                  sent_idx=0, lang=lang) for s in range(3)]
    ...     return write_unit_store(tempfile.mkdtemp(), rows, num_units=4)
    >>> mix = StoreMixture({"books": DocumentMixture(store("en", 2), ["en"]),
    ...                     "stories": DocumentMixture(store("en", 6), ["en"])},
    ...                    shares={"books": 0.5, "stories": 0.5})
    >>> [mix.next_document().store is mix.sources["stories"].store for _ in range(4)]
    [False, True, False, False]
    >>> mix.token_counts.tolist()
    [6, 6]
    """

    def __init__(self, sources, shares=None, languages=None):
        if not sources:
            raise ValueError("a StoreMixture needs at least one source")
        self.names = list(sources)
        self.sources = dict(sources)
        if shares is None:  # in proportion to the stores' sizes
            shares = {
                name: source.store.total_units if len(sources) > 1 else 1.0
                for name, source in sources.items()
            }
        unknown = set(shares) - set(self.names)
        if unknown:
            raise ValueError(f"store shares name {sorted(unknown)}, not stores {self.names}")
        weights = np.array([float(shares.get(name, 0.0)) for name in self.names])
        if (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"store shares must be >= 0 with a positive sum: {shares}")
        self.shares = weights / weights.sum()
        named = []
        for source in self.sources.values():
            named += [lang for lang in source.languages if lang not in named]
        self.languages = list(languages) if languages is not None else named
        missing = [lang for lang in named if lang not in self.languages]
        if missing:
            raise ValueError(f"languages {self.languages} miss {missing} of the sources")
        self._codes = {
            name: np.array([self.languages.index(lang) for lang in source.languages], np.int8)
            for name, source in self.sources.items()
        }
        self.token_counts = np.zeros(len(self.names), dtype=np.int64)

    @property
    def document_counts(self):
        """Documents drawn so far, by kind, over all stores."""
        total = Counter()
        for source in self.sources.values():
            total.update(source.document_counts)
        return total

    def next_document(self):
        """The next document, from the store furthest below its share."""
        number = int(np.argmax(self.shares * self.token_counts.sum() - self.token_counts))
        name = self.names[number]
        document = self.sources[name].next_document()
        document.langs = self._codes[name][document.langs]
        self.token_counts[number] += int(document.sizes.sum())
        return document

    def state_dict(self):
        """The stream position, as a JSON-able dict."""
        return {
            "token_counts": self.token_counts.tolist(),
            "sources": {name: source.state_dict() for name, source in self.sources.items()},
        }

    def load_state_dict(self, state):
        """Restores a position saved by :meth:`state_dict`."""
        if sorted(state["sources"]) != sorted(self.names):
            raise ValueError(
                f"saved stream state is for the stores {sorted(state['sources'])}, "
                f"not {sorted(self.names)}"
            )
        self.token_counts = np.asarray(state["token_counts"], dtype=np.int64)
        for name, source in self.sources.items():
            source.load_state_dict(state["sources"][name])
