"""SLMBrain: step-based next-unit training of a UnitLM with SpeechBrain.

What the Brain adds to ``speechbrain.core.Brain``:

* next-unit loss (paper eq. 2, mean over targets, padding ignored);
* linear warm-up then linear decay of the LR per *optimiser* step
  (SpeechBrain's ``LinearWarmupScheduler``), set before each update;
* gradient accumulation derived from a global tokens-per-step target;
* step-based training: one endless stream, stopped by
  ``optimizer_step_limit`` (= ``max_steps``), checkpoints every
  ``checkpoint_every_steps`` optimiser steps, so a killed run resumes with
  the same data order and the same losses;
* accounting: tokens per language (from the packer), tokens/s, loss and LR
  in ``train_log.txt`` and one JSON line per optimiser step in
  ``step_log.jsonl``.

Authors
 * speechbrain-xling authors 2026
"""

import json
import logging
import time
from pathlib import Path

import speechbrain as sb
import torch
from speechbrain.utils.checkpoints import (
    mark_as_loader,
    mark_as_saver,
    register_checkpoint_hooks,
)
from speechbrain.utils.distributed import if_main_process

from speechbrain_xling.atomic import write_text_atomically
from speechbrain_xling.data.packing import token_ids
from speechbrain_xling.model.unit_lm import next_unit_loss

logger = logging.getLogger(__name__)


def gradient_accumulation(tokens_per_step, batch_size, context_length, world_size):
    """Micro-batches per optimiser step that give ``tokens_per_step`` tokens.

    Raises a ValueError when the global budget per step does not divide into
    whole micro-batches over all ranks.

    Example
    -------
    >>> gradient_accumulation(614400, 75, 2048, 4)  # the paper's 4 x 153,600
    1
    >>> gradient_accumulation(614400, 8, 2048, 4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: tokens_per_step=614400 is not a multiple of ... = 65536; ...
    """
    per_micro_batch = world_size * batch_size * context_length
    if tokens_per_step % per_micro_batch:
        raise ValueError(
            f"tokens_per_step={tokens_per_step} is not a multiple of "
            f"world_size x batch_size x context_length = {world_size} x "
            f"{batch_size} x {context_length} = {per_micro_batch}; change "
            "batch_size or tokens_per_step"
        )
    return tokens_per_step // per_micro_batch


class SLMBrain(sb.Brain):
    """Trains a UnitLM (``modules.lm``) on batches of packed unit windows.

    Expected hparams: ``pad_index``, ``lr_annealing`` (a
    ``LinearWarmupScheduler``), ``checkpoint_every_steps``,
    ``log_every_steps``, ``languages``, ``train_logger``, ``step_log``
    (path of the per-step JSON-lines log). Batches are ``(tokens, counts)``
    as yielded by :class:`~speechbrain_xling.data.stream.PackedWindowStream`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        channels = getattr(self.hparams, "token_channels", None) or self.hparams.languages
        self.token_tally = TokenTally([*channels, "eos"])
        if self.checkpointer is not None:
            self.checkpointer.add_recoverable("token_tally", self.token_tally)
        self._step_losses = []
        self._step_counts = 0

    def on_fit_start(self):
        """SpeechBrain's DDP wrap and recovery, then starts the clock.

        After a resume, the per-step log is cut back to the recovered step:
        the steps run between the last checkpoint and the kill are run again.
        """
        super().on_fit_start()
        if if_main_process():
            trim_step_log(self.hparams.step_log, self.optimizer_step)
        self._last_log = (time.time(), self.optimizer_step)

    def compute_forward(self, batch, stage):
        """Next-unit logits for the batch's tokens (those marked without loss
        read as their ids; see :mod:`speechbrain_xling.data.packing`)."""
        tokens = batch[0].to(self.device)
        return self.modules.lm(token_ids(tokens)), tokens

    def compute_objectives(self, predictions, batch, stage):
        """Mean next-unit cross-entropy (padding ignored)."""
        logits, tokens = predictions
        loss, _ = next_unit_loss(logits, tokens, self.hparams.pad_index)
        return loss

    def on_fit_batch_start(self, batch, should_step):
        """Sets the LR of the update that this micro-batch completes."""
        if should_step:
            self.hparams.lr_annealing(self.optimizer)

    def on_fit_batch_end(self, batch, outputs, loss, should_step):
        """Token accounting, per-step logging and periodic checkpoints."""
        self._step_counts = self._step_counts + batch[1].to(torch.float64)
        self._step_losses.append(loss.detach().double().cpu())
        if not should_step:
            return
        step_loss = self._reduce_step()
        step = self.optimizer_step
        lr = self.optimizer.param_groups[0]["lr"]
        if if_main_process():
            with open(self.hparams.step_log, "a") as handle:
                handle.write(json.dumps({"step": step, "loss": step_loss, "lr": lr}) + "\n")
        if step % self.hparams.log_every_steps == 0:
            self._log_progress(step, step_loss, lr)
        if step % self.hparams.checkpoint_every_steps == 0:
            self.checkpointer.save_and_keep_only(
                meta={"optimizer_step": step}, end_of_epoch=False, num_to_keep=2
            )

    def _reduce_step(self):
        """Sums the step's loss and token counts over ranks (one all-reduce).

        Adds the global counts to :attr:`token_tally`; returns the step's
        loss averaged over micro-batches and ranks.
        """
        packed = torch.cat([torch.stack(self._step_losses).mean().view(1), self._step_counts])
        world_size = 1
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            packed = packed.to(self.device)  # NCCL reduces device tensors
            torch.distributed.all_reduce(packed)
            packed = packed.cpu()
            world_size = torch.distributed.get_world_size()
        self.token_tally.add(packed[1:])
        self._step_losses, self._step_counts = [], 0
        return float(packed[0]) / world_size

    def _log_progress(self, step, step_loss, lr):
        now = time.time()
        then, then_step = self._last_log
        seconds = max(now - then, 1e-9)
        tokens_per_s = (step - then_step) * self.hparams.tokens_per_step / seconds
        self._last_log = (now, step)
        stats = {"loss": round(step_loss, 4), "lr": lr, "tokens_per_s": round(tokens_per_s)}
        stats.update({f"tokens_{k}": v for k, v in self.token_tally.as_dict().items()})
        self.hparams.train_logger.log_stats(stats_meta={"step": step}, train_stats=stats)

    def on_stage_end(self, stage, stage_loss, epoch=None):
        """Logs the validation loss at the end of training."""
        if stage == sb.Stage.VALID:
            self.hparams.train_logger.log_stats(
                stats_meta={"step": self.optimizer_step},
                valid_stats={"loss": stage_loss},
            )


def trim_step_log(path, last_step):
    """Keeps the records of ``step <= last_step`` in a JSON-lines step log.

    A line cut short by a kill is dropped too. The file is rewritten
    atomically, and only when something changes.

    Example
    -------
    >>> import tempfile, pathlib
    >>> log = pathlib.Path(tempfile.mkdtemp()) / "step_log.jsonl"
    >>> _ = log.write_text('{"step": 1}\\n{"step": 2}\\n{"step": 3}\\n{"st')
    >>> trim_step_log(log, 2)
    >>> log.read_text().splitlines()
    ['{"step": 1}', '{"step": 2}']
    """
    path = Path(path)
    if not path.exists():
        return
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = []
    for line in lines:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if line.endswith("\n") and record.get("step", 0) <= last_step:
            kept.append(line)
    if kept != lines:
        write_text_atomically("".join(kept), path)


@register_checkpoint_hooks
class TokenTally:
    """Training tokens seen per language over all ranks, checkpointed.

    Example
    -------
    >>> tally = TokenTally(["en", "fr", "eos"])
    >>> tally.add(torch.tensor([10.0, 4.0, 1.0]))
    >>> tally.as_dict()
    {'en': 10, 'fr': 4, 'eos': 1}
    """

    def __init__(self, names):
        self.names = list(names)
        self.counts = torch.zeros(len(self.names), dtype=torch.float64)

    def add(self, counts):
        """Adds global per-language counts of one optimiser step."""
        self.counts += counts.to(torch.float64)

    def as_dict(self):
        """``{language: tokens}`` (and ``eos``)."""
        return {name: int(v) for name, v in zip(self.names, self.counts.tolist())}

    @mark_as_saver
    def _save(self, path):
        with open(path, "w") as handle:
            json.dump(self.as_dict(), handle)

    @mark_as_loader
    def _recover(self, path, end_of_epoch=False):
        del end_of_epoch  # unused
        with open(path) as handle:
            saved = json.load(handle)
        self.counts = torch.tensor([float(saved[n]) for n in self.names], dtype=torch.float64)
