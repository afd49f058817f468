"""Sampling spoken continuations of a unit prompt, and the generation loop.

:func:`generate_tokens` continues a context of token ids with the model's
KV cache, choosing only among an allowed id range (plus the stop ids) and
stopping at a stop id; ASR and TTS through the LM
(:mod:`speechbrain_xling.eval.asr_tts`) use it too.

:func:`sample_continuation` continues a unit prompt: the model reads
``EOS || prompt`` (the scorer's convention; a speech-text model reads
``EOS [SPEECH] unit_ids(prompt)``) and samples unit ids only until it emits
EOS or reaches ``max_new_units``. Sampling uses its own ``torch.Generator``,
so a seed gives the same continuation every time without touching the
global RNG. :func:`write_continuation` stores the units and, when the
tokeniser has a decoder (Mimi), the audio.

Authors
 * speechbrain-xling authors 2026
"""

from pathlib import Path

import numpy as np
import soundfile
import torch

from speechbrain_xling.atomic import atomic_path, write_text_atomically
from speechbrain_xling.eval.scoring import check_token_ids, check_units


def _checked_settings(max_new_tokens, temperature, top_k, name="max_new_tokens"):
    """Raises ``ValueError`` on a negative length or temperature, or a bad top_k."""
    if int(max_new_tokens) != max_new_tokens or max_new_tokens < 0:
        raise ValueError(f"{name} must be an int >= 0, got {max_new_tokens!r}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")


def _allowed_mask(vocab, allowed, stop_ids, device):
    """Boolean ``[vocab.size]`` mask of the ids generation may choose (PAD never)."""
    if not isinstance(allowed, range) or allowed.step != 1:
        raise ValueError(f"allowed must be a range of ids with step 1, got {allowed!r}")
    if len(allowed) == 0 or allowed.start < 0 or allowed.stop > vocab.size:
        raise ValueError(f"allowed {allowed!r} must be a non-empty range in [0, {vocab.size})")
    stop_ids = check_units(list(stop_ids), vocab.size, "stop_ids", kind="token")
    keep = torch.zeros(vocab.size, dtype=torch.bool)
    keep[allowed.start : allowed.stop] = True
    keep[torch.as_tensor(stop_ids, dtype=torch.long)] = True
    keep[vocab.pad] = False
    return keep.to(device), set(stop_ids.tolist())


@torch.inference_mode()
def generate_tokens(
    lm,
    context,
    allowed,
    stop_ids=(),
    max_new_tokens=250,
    temperature=1.0,
    top_k=None,
    seed=None,
):
    """Continues ``context`` with ids of the ``allowed`` range until a stop id.

    At every step the logits of ids outside ``allowed`` and ``stop_ids`` are
    set to -inf (PAD's always), so only those ids can be chosen; a chosen
    stop id ends generation and is not returned. The context is read once,
    then each new token is fed with the KV cache.

    Arguments
    ---------
    lm : UnitLM
        The model (used in eval mode on its own device; its mode is restored).
    context : array-like of int
        Non-empty token ids the model reads first (e.g. ``EOS [SPEECH] ids``).
    allowed : range
        The ids that may be generated, e.g. ``range(0, vocab.num_text)``.
    stop_ids : sequence of int
        Ids that end generation (e.g. ``(vocab.eos,)``).
    max_new_tokens : int
        Upper bound on the number of generated tokens (stop id excluded).
    temperature : float
        Softmax temperature; 0 picks the most likely allowed id (greedy).
    top_k : int, optional
        Samples among the ``top_k`` most likely allowed ids only.
    seed : int, optional
        Seed of the sampling generator (random when None; unused if greedy).

    Returns
    -------
    numpy.ndarray
        The generated ids (int64, in ``allowed``; the stop id excluded).

    Example
    -------
    >>> from speechbrain_xling.data.vocab import SpeechTextVocabulary
    >>> from speechbrain_xling.model.unit_lm import UnitLM
    >>> config = {"model_type": "llama", "hidden_size": 32,
    ...           "intermediate_size": 64, "num_hidden_layers": 2,
    ...           "num_attention_heads": 4, "num_key_value_heads": 2}
    >>> vocab = SpeechTextVocabulary(num_text=20, num_units=16)
    >>> lm = UnitLM.from_config(config, num_units=16, vocab=vocab)
    >>> ids = generate_tokens(lm, [vocab.eos, vocab.text_marker], range(0, 20),
    ...                       stop_ids=[vocab.eos], max_new_tokens=6, temperature=0)
    >>> len(ids) <= 6, bool(((ids >= 0) & (ids < 20)).all())
    (True, True)
    """
    _checked_settings(max_new_tokens, temperature, top_k)
    vocab = lm.vocab
    device = next(lm.parameters()).device
    context = check_token_ids(context, vocab, "context")
    keep, stops = _allowed_mask(vocab, allowed, stop_ids, device)
    generator = _sampling_generator(temperature, seed, device)
    inputs = torch.tensor([context.tolist()], device=device)
    cache, generated = None, []
    was_training = lm.training
    lm.eval()
    try:
        for _ in range(int(max_new_tokens)):
            output = lm.hf_model(input_ids=inputs, past_key_values=cache, use_cache=True)
            cache = output.past_key_values
            logits = output.logits[0, -1].float().masked_fill(~keep, float("-inf"))
            token = _choose(logits, temperature, top_k, generator)
            if token in stops:
                break
            generated.append(token)
            inputs = torch.tensor([[token]], device=device)
    finally:
        lm.train(was_training)
    return np.array(generated, dtype=np.int64)


def sample_continuation(lm, prompt, max_new_units=250, temperature=1.0, top_k=None, seed=None):
    """Samples units that continue ``prompt``.

    The model reads ``EOS || speech prefix || unit ids of the prompt``
    (textless: ``EOS || prompt``; speech-text: ``EOS [SPEECH] ids``) and
    generates unit ids only, until EOS.

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
        The sampled units (int64 in ``[0, K)``, EOS excluded; padding, and a
        speech-text model's text and marker ids, are never sampled).

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
    _checked_settings(max_new_units, temperature, top_k, "max_new_units")
    vocab = lm.vocab
    prompt = check_units(prompt, vocab.num_units, "prompt")
    context = [vocab.eos, *vocab.speech_prefix, *vocab.unit_ids(prompt).tolist()]
    unit_range = range(vocab.unit_offset, vocab.unit_offset + vocab.num_units)
    ids = generate_tokens(
        lm, context, unit_range, (vocab.eos,), max_new_units, temperature, top_k, seed
    )
    return vocab.units_of(ids)


def _sampling_generator(temperature, seed, device):
    """The ``torch.Generator`` of sampling: seeded, or random when ``seed`` is
    None; None when greedy (temperature 0 draws nothing)."""
    if temperature == 0:
        return None
    generator = torch.Generator(device=device)
    if seed is None:
        generator.seed()
    else:
        generator.manual_seed(int(seed))
    return generator


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
