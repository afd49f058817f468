"""Training state on disk: crash-proof checkpoints and the RNG recoverable.

:class:`AtomicCheckpointer` is SpeechBrain's ``Checkpointer`` with one
guarantee added: a checkpoint folder is complete or invisible. SpeechBrain
writes ``CKPT.yaml`` first and the recoverables' files after it, so a job
killed while saving leaves a ``CKPT+...`` folder that looks like the newest
checkpoint and makes every later run crash when it loads it. Here every file
is written into a hidden ``.partial-CKPT+...`` folder that is renamed to its
final name once all of them exist (one ``os.replace``). On start-up (the
recovery), partial folders left by a killed save are removed with a warning,
and ``CKPT+`` folders that lack a recoverable's file (written by a plain
``Checkpointer`` that was killed) are skipped with a warning naming them.

:class:`TorchRandomState` checkpoints the torch RNGs as plain tensors and
reads them back with ``weights_only=True``: a crafted file in a checkpoint
folder cannot run code.

Authors
 * speechbrain-xling authors 2026
"""

import logging
import os
import shutil

import torch
from speechbrain.utils.checkpoints import (
    CKPT_PREFIX,
    METAFNAME,
    PARAMFILE_EXT,
    Checkpoint,
    Checkpointer,
    mark_as_loader,
    mark_as_saver,
    register_checkpoint_hooks,
)
from speechbrain.utils.distributed import ddp_barrier, if_main_process

logger = logging.getLogger(__name__)

PARTIAL_PREFIX = ".partial-"


class AtomicCheckpointer(Checkpointer):
    """A ``Checkpointer`` whose checkpoints are complete or invisible.

    Same arguments and use as ``speechbrain.utils.checkpoints.Checkpointer``
    (declare it in the hparams with ``!new:``).

    Example
    -------
    >>> import tempfile
    >>> layer = torch.nn.Linear(2, 2)
    >>> folder = tempfile.mkdtemp()
    >>> checkpointer = AtomicCheckpointer(folder, {"layer": layer})
    >>> saved = checkpointer.save_checkpoint(meta={"step": 3})
    >>> saved.path.name.startswith("CKPT+"), sorted(p.name for p in saved.path.iterdir())
    (True, ['CKPT.yaml', 'layer.ckpt'])
    >>> checkpointer.recover_if_possible().meta["step"]
    3
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._reported_incomplete = set()

    def save_checkpoint(self, meta=None, end_of_epoch=True, name=None, verbosity=logging.INFO):
        """Saves into a hidden folder, then renames it to its final name.

        Arguments and return value as ``Checkpointer.save_checkpoint``.
        """
        partial = super().save_checkpoint(
            meta=meta or {}, end_of_epoch=end_of_epoch, name=name, verbosity=logging.DEBUG
        )
        ddp_barrier()  # every rank's files are written before the folder appears
        published = None
        if partial is not None:  # the main process
            final = partial.path.with_name(partial.path.name[len(PARTIAL_PREFIX) :])
            if final.exists():  # a checkpoint saved again under a custom name
                shutil.rmtree(final)
            os.replace(partial.path, final)
            logger.log(verbosity, f"Saved a checkpoint in {final}")
            paramfiles = {key: final / path.name for key, path in partial.paramfiles.items()}
            published = Checkpoint(final, partial.meta, paramfiles)
        # Every rank sees the new folder before it goes on: delete_checkpoints
        # lists the folder on each rank and must find the same checkpoints
        # (otherwise the ranks' collective calls differ and they hang).
        ddp_barrier()
        return published

    def _new_checkpoint_dirpath(self):
        return _partial(super()._new_checkpoint_dirpath())

    def _custom_checkpoint_dirpath(self, name):
        return _partial(super()._custom_checkpoint_dirpath(name))

    def recover_if_possible(self, *args, **kwargs):
        """Removes folders of interrupted saves, then recovers as usual.

        Arguments and return value as ``Checkpointer.recover_if_possible``.
        """
        if if_main_process() and self.checkpoints_dir.is_dir():
            for path in sorted(self.checkpoints_dir.glob(f"{PARTIAL_PREFIX}{CKPT_PREFIX}*")):
                logger.warning(f"removing {path}: a checkpoint save was interrupted there")
                shutil.rmtree(path, ignore_errors=True)
        ddp_barrier()
        return super().recover_if_possible(*args, **kwargs)

    def _list_checkpoint_dirs(self):
        """Checkpoint folders holding a file for every recoverable."""
        complete = []
        for path in super()._list_checkpoint_dirs():
            missing = [
                name
                for name in self.recoverables
                if not (path / f"{name}{PARAMFILE_EXT}").is_file()
            ]
            if not missing:
                complete.append(path)
            elif path not in self._reported_incomplete:
                self._reported_incomplete.add(path)
                logger.warning(
                    f"skipping the incomplete checkpoint {path} (it has {METAFNAME} "
                    f"but no file for {missing}; a save was interrupted); delete it "
                    "to silence this warning"
                )
        return complete


def _partial(final_path):
    return final_path.with_name(PARTIAL_PREFIX + final_path.name)


@register_checkpoint_hooks
class TorchRandomState:
    """Checkpointer recoverable for the CPU (and CUDA) torch RNG state.

    Dropout and sampling draw from it; restoring it makes a resumed run
    repeat the uninterrupted run's random draws. The states are saved as
    ``uint8`` tensors and loaded with ``weights_only=True``.

    Example
    -------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "rng.pt")
    >>> state = TorchRandomState()
    >>> state._save(path)
    >>> first = torch.rand(1)
    >>> state._recover(path)
    >>> bool(torch.rand(1) == first)
    True
    """

    @mark_as_saver
    def _save(self, path):
        state = {"cpu": torch.get_rng_state()}
        if torch.cuda.is_available():
            state["cuda"] = torch.cuda.get_rng_state_all()
        torch.save(state, path)

    @mark_as_loader
    def _recover(self, path, end_of_epoch=False):
        del end_of_epoch  # unused
        try:
            state = torch.load(path, weights_only=True)
        except Exception as error:
            raise ValueError(
                f"{path} is not a saved torch RNG state (tensors only; it was not "
                f"loaded: {type(error).__name__}: {str(error).splitlines()[0]})"
            ) from error
        if not isinstance(state, dict) or not isinstance(state.get("cpu"), torch.Tensor):
            raise ValueError(f"{path} is not a saved torch RNG state (no 'cpu' tensor)")
        torch.set_rng_state(state["cpu"])
        if "cuda" in state and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])
