"""Packing documents into fixed context windows, sharded across DDP ranks.

The global token stream is ``doc_1 EOS doc_2 EOS doc_3 EOS ...``; it is cut
into consecutive windows of ``context_length`` tokens (a document may span
windows; no padding), or, with ``whole_documents`` (instruction fine-tuning,
where an answer must see its whole prompt), a document that does not fit in
what is left of a window starts the next one and the rest is PAD (never a
target; counted with the EOS tokens), unless it is longer than a window,
when it is cut as usual. Window ``g`` of the global stream belongs to rank
``g % world_size``: every rank builds the same stream (cheap next to a model
step) and keeps its own windows, so ranks see disjoint data and the union of
all ranks is exactly the single-process stream.

:class:`WindowPacker` is checkpointable: :meth:`WindowPacker.state_dict`
holds the document stream's state at the start of the document being cut,
the offset inside it and the window counter, so a restored packer yields
exactly the windows the original would have yielded next.

Tokens without loss
    A document may hold tokens that the model reads but is never trained to
    predict (the source half of an instruction-shaped pair, a prompt): they
    are written as ``-(id + 1)`` (:func:`without_loss`), travel through
    packing and batching like any id, and the training step reads them back
    (:func:`token_ids`) as input and ignores them as targets
    (:func:`~speechbrain_xling.model.unit_lm.next_unit_loss`).

Authors
 * speechbrain-xling authors 2026
"""

import copy

import numpy as np
import torch


def without_loss(ids):
    """``ids`` marked as read but never a target (see the module docstring).

    Example
    -------
    >>> without_loss(np.array([0, 5])).tolist()
    [-1, -6]
    """
    return -ids - 1


def token_ids(tokens):
    """The ids of packed tokens, whether marked :func:`without_loss` or not
    (numpy arrays and torch tensors alike).

    Example
    -------
    >>> token_ids(torch.tensor([3, -1, -6])).tolist()
    [3, 0, 5]
    """
    if isinstance(tokens, torch.Tensor):
        return torch.where(tokens < 0, -tokens - 1, tokens)
    return np.where(tokens < 0, -tokens - 1, tokens)


class WindowPacker:
    """Cuts a :class:`~speechbrain_xling.data.sequences.DocumentMixture` into windows.

    Arguments
    ---------
    mixture : DocumentMixture, SpeechTextMixture or StoreMixture
        Source of documents (each document names the store of its units, or
        holds its token ids). Tokens are counted per entry of the mixture's
        ``languages`` (languages, or the ``{lang}_{modality}`` channels of a
        speech-text mixture).
    context_length : int
        Tokens per window.
    eos : int
        Id appended after every document.
    rank, world_size : int
        This process's share of the windows (``g % world_size == rank``).
    whole_documents : bool
        Start a document that does not fit in the rest of a window in the
        next window, padding the rest with ``pad`` (see the module docstring).
    pad : int, optional
        The padding id (needed with ``whole_documents``).

    Example
    -------
    >>> import tempfile
    >>> from speechbrain_xling.data.unit_store import write_unit_store
    >>> from speechbrain_xling.data.sequences import DocumentMixture
    >>> rows = [dict(utt_id=f"s{s}_en_{j}", units=[s, j], story_id=f"s{s}",
    ...              sent_idx=j, lang="en") for s in range(2) for j in range(2)]
    >>> store = write_unit_store(tempfile.mkdtemp(), rows, num_units=4)
    >>> packer = WindowPacker(DocumentMixture(store, ["en"], seed=0),
    ...                       context_length=5, eos=4)
    >>> window, counts = packer.next_window()
    >>> window.tolist(), counts.tolist()  # 4 units of a story, EOS, next story
    ([0, 0, 0, 1, 4], [4, 1])
    >>> whole = WindowPacker(DocumentMixture(store, ["en"], seed=0), context_length=7,
    ...                      eos=4, whole_documents=True, pad=5)
    >>> whole.next_window()[0].tolist()  # the next story (5 tokens) waits for the next window
    [0, 0, 0, 1, 4, 5, 5]
    """

    def __init__(
        self, mixture, context_length, eos, rank=0, world_size=1, whole_documents=False, pad=None
    ):
        if context_length < 2:
            raise ValueError(f"context_length must be >= 2, got {context_length}")
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} is not in [0, {world_size})")
        if whole_documents and pad is None:
            raise ValueError("whole_documents needs the padding id (pad)")
        self.mixture = mixture
        self.context_length = int(context_length)
        self.eos = int(eos)
        self.rank = rank
        self.world_size = world_size
        self.whole_documents = bool(whole_documents)
        self.pad = pad
        self.eos_code = len(mixture.languages)
        self._eos_piece = np.array([self.eos], dtype=np.uint16)
        self.windows_done = 0
        self._doc_start_state = mixture.state_dict()
        self._doc_tokens = np.zeros(0, dtype=np.int64)
        self._doc_langs = np.zeros(0, dtype=np.int8)
        self._offset = 0

    # ----------------------------------------------------------------- state
    def state_dict(self):
        """Position of the stream (JSON-able)."""
        return {
            "windows_done": self.windows_done,
            "doc_start_state": copy.deepcopy(self._doc_start_state),
            "offset": self._offset,
            "world_size": self.world_size,
            "context_length": self.context_length,
            "whole_documents": self.whole_documents,
        }

    def load_state_dict(self, state):
        """Restores a position saved by :meth:`state_dict`."""
        for key in ("world_size", "context_length", "whole_documents"):
            if state.get(key, False) != getattr(self, key):
                raise ValueError(
                    f"cannot resume: the checkpoint has {key}={state[key]} but "
                    f"this run has {getattr(self, key)}"
                )
        self.windows_done = state["windows_done"]
        self.mixture.load_state_dict(state["doc_start_state"])
        self._doc_start_state = copy.deepcopy(state["doc_start_state"])
        self._doc_tokens = np.zeros(0, dtype=np.int64)
        self._offset = state["offset"]
        if self._offset:
            self._load_next_document()

    # --------------------------------------------------------------- packing
    def _load_next_document(self):
        self._doc_start_state = self.mixture.state_dict()
        document = self.mixture.next_document()
        if getattr(document, "tokens", None) is not None:
            # A speech-text document comes written in vocabulary ids.
            self._doc_tokens = np.append(document.tokens, self.eos)
        else:
            store = document.store
            pieces = store.segments(document.rows, document.starts, document.ends)
            pieces.append(self._eos_piece)
            self._doc_tokens = np.concatenate(pieces)
            if self._doc_tokens[:-1].max(initial=0) >= store.num_units:
                store.check_rows(document.rows)
        self._doc_langs = np.repeat(
            np.append(document.langs, self.eos_code), np.append(document.sizes, 1)
        )

    def _fill_window(self):
        """The next window of the global stream and its per-language counts."""
        parts, lang_parts, need = [], [], self.context_length
        while need:
            if self._offset == len(self._doc_tokens):
                self._load_next_document()
                self._offset = 0
            left = len(self._doc_tokens) - self._offset
            if self._padded_instead(need, left):
                parts.append(np.full(need, self.pad, dtype=np.int64))
                lang_parts.append(np.full(need, self.eos_code, dtype=np.int8))
                break
            take = min(need, left)
            parts.append(self._doc_tokens[self._offset : self._offset + take])
            lang_parts.append(self._doc_langs[self._offset : self._offset + take])
            self._offset += take
            need -= take
        counts = np.bincount(np.concatenate(lang_parts), minlength=self.eos_code + 1)
        return np.concatenate(parts), counts

    def _padded_instead(self, need, left):
        """True when the window's last ``need`` tokens are padding: a whole
        document (``left`` tokens, EOS included) that does not fit in them
        but fits in a window waits for the next window."""
        return self.whole_documents and self._offset == 0 and need < left <= self.context_length

    @property
    def document_counts(self):
        """Documents drawn so far, by kind (``mono``, ``sampled``, ...)."""
        return dict(self.mixture.document_counts)

    def advance_to(self, window_index):
        """Skips global windows until ``window_index`` windows are done.

        Used on resume: every rank restores the main rank's saved position
        and moves on to the step boundary shared by all ranks.
        """
        if window_index < self.windows_done:
            raise ValueError(f"cannot go back from window {self.windows_done} to {window_index}")
        while self.windows_done < window_index:
            self._fill_window()
            self.windows_done += 1

    def next_window(self):
        """This rank's next window.

        Returns
        -------
        window : numpy.ndarray
            ``context_length`` token ids.
        counts : numpy.ndarray
            Tokens per language in the window (languages in the mixture's
            order), then the number of EOS tokens.
        """
        while True:
            window, counts = self._fill_window()
            owner = self.windows_done % self.world_size
            self.windows_done += 1
            if owner == self.rank:
                return window, counts

    def next_batch(self, batch_size):
        """``batch_size`` windows as a ``[batch, context]`` int64 tensor.

        Returns ``(tokens, counts)``, counts summed over the batch.
        """
        windows, total = [], 0
        for _ in range(batch_size):
            window, counts = self.next_window()
            windows.append(window)
            total = total + counts
        tokens = torch.from_numpy(np.stack(windows).astype(np.int64))
        return tokens, total
