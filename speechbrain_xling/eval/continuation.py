"""Sampling spoken continuations of a unit prompt.

The model reads ``EOS || prompt`` (the scorer's convention) and samples units
until it emits EOS or reaches ``max_new_units``. Sampling uses its own
``torch.Generator``, so a seed gives the same continuation every time
without touching the global RNG. :func:`write_continuation` stores the units
and, when the tokeniser has a decoder (Mimi), the audio.

Authors
 * speechbrain-xling authors 2026
"""

from pathlib import Path

import numpy as np
import soundfile
import torch

from speechbrain_xling.atomic import atomic_path, write_text_atomically
from speechbrain_xling.eval.scoring import check_units


@torch.inference_mode()
def sample_continuation(lm, prompt, max_new_units=250, temperature=1.0, top_k=None, seed=None):
    """Samples units that continue ``prompt``.

    Arguments
    ---------
    lm : UnitLM
        The model (used in eval mode on its own device, with its KV cache).
    prompt : array-like of int
        Prompt units (may be empty: the model then starts a new document).
    max_new_units : int
        Upper bound on the number of sampled units.
    temperature : float
        Softmax temperature; 0 picks the most likely unit (greedy).
    top_k : int, optional
        Samples among the ``top_k`` most likely tokens only.
    seed : int, optional
        Seed of the sampling generator (random when None).

    Returns
    -------
    numpy.ndarray
        The sampled units (int64, EOS excluded; padding is never sampled).

    Example
    -------
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> lm = UnitLM.from_config(config, num_units=16)
    >>> first = sample_continuation(lm, [1, 2, 3], max_new_units=8, seed=0)
    >>> again = sample_continuation(lm, [1, 2, 3], max_new_units=8, seed=0)
    >>> len(first) <= 8, first.tolist() == again.tolist()
    (True, True)
    """
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    vocab = lm.vocab
    device = next(lm.parameters()).device
    prompt = check_units(prompt, vocab.num_units, "prompt")
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(int(seed))
    inputs = torch.tensor([[vocab.eos, *prompt.tolist()]], device=device)
    cache, sampled = None, []
    was_training = lm.training
    lm.eval()
    try:
        for _ in range(max_new_units):
            output = lm.hf_model(input_ids=inputs, past_key_values=cache, use_cache=True)
            cache = output.past_key_values
            logits = output.logits[0, -1].float()
            logits[vocab.pad] = float("-inf")
            unit = _choose(logits, temperature, top_k, generator)
            if unit == vocab.eos:
                break
            sampled.append(unit)
            inputs = torch.tensor([[unit]], device=device)
    finally:
        lm.train(was_training)
    return np.array(sampled, dtype=np.int64)


def _choose(logits, temperature, top_k, generator):
    """Greedy (temperature 0) or top-k / temperature sampling of one token."""
    if temperature == 0:
        return int(logits.argmax())
    if top_k is not None and top_k < logits.numel():
        threshold = logits.topk(top_k).values[-1]
        logits = logits.masked_fill(logits < threshold, float("-inf"))
    probabilities = torch.softmax(logits / temperature, dim=-1)
    return int(torch.multinomial(probabilities, 1, generator=generator))


def write_continuation(units, path_stem, tokenizer=None):
    """Writes ``<stem>.units.txt`` and, if the tokeniser decodes, ``<stem>.wav``.

    Arguments
    ---------
    units : array-like of int
        The units to store (space-separated on one line).
    path_stem : str or Path
        Output path without extension.
    tokenizer : UnitTokenizer, optional
        Its ``decode`` turns units into audio at its ``sample_rate``;
        tokenisers without a decoder (``decode`` raises
        ``NotImplementedError``, or none at all) get only the units written.

    Returns
    -------
    dict
        ``{"units": path, "wav": path or None}``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> stem = pathlib.Path(tempfile.mkdtemp()) / "story1"
    >>> written = write_continuation([3, 1, 4], stem)
    >>> written["units"].read_text(), written["wav"]
    ('3 1 4\\n', None)
    """
    units = np.asarray(units, dtype=np.int64)
    units_path = Path(f"{path_stem}.units.txt")
    write_text_atomically(" ".join(map(str, units.tolist())) + "\n", units_path)
    written = {"units": units_path, "wav": None}
    decode = getattr(tokenizer, "decode", None)  # PhoneInventory has none
    if decode is None:
        return written
    try:
        waveform = decode(units)
    except NotImplementedError:
        return written
    samples = torch.as_tensor(waveform).detach().float().cpu().reshape(-1).numpy()
    wav_path = Path(f"{path_stem}.wav")
    with atomic_path(wav_path) as tmp_path:
        soundfile.write(tmp_path, samples, tokenizer.sample_rate, format="WAV")
    written["wav"] = wav_path
    return written
