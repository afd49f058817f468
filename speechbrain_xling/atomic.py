"""Atomic file output: a file appears whole under its final name, or not at all.

Every writer of the package (unit stores, corpus audio and manifests,
evaluation results, reports) goes through :func:`atomic_path`: the content is
written under a temporary name in the final folder, then moved in place with
``os.replace``. A killed job never leaves a half-written file under a final
name; the temporary file it leaves (``.tmp-<pid>@<host>-...``) is removed by
the next process that writes into the same folder, once it has checked that
the process named in it is gone.

Authors
 * speechbrain-xling authors 2026
"""

import json
import logging
import os
import re
import socket
import threading
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)

_HOST = re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())
_TEMPORARY = re.compile(r"\.tmp-(\d+)@([A-Za-z0-9_.]+)-")
_swept_folders = set()


def _process_is_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by another user
        return False
    return False


def remove_stale_temporaries(folder):
    """Removes temporary files that killed writers left in ``folder``.

    Only files of processes of this host that no longer run are removed (a
    live writer's file, or another host's, is never touched). Returns the
    removed paths.

    Example
    -------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> pid = 2 ** 22 + 1  # above Linux's pid_max: no such process
    >>> _ = (folder / f".tmp-{pid}@{_HOST}-7-part_0.npy").write_text("half")
    >>> [path.name.endswith("part_0.npy") for path in remove_stale_temporaries(folder)]
    [True]
    """
    removed = []
    for path in Path(folder).glob(".tmp-*"):
        match = _TEMPORARY.match(path.name)
        if match and match.group(2) == _HOST and _process_is_gone(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        logger.warning(f"{folder}: removed {len(removed)} file(s) left by killed writers")
    return removed


@contextmanager
def atomic_path(final_path):
    """Yields a temporary path that is moved to ``final_path`` on success.

    The parent folder is created. On error the temporary file is removed and
    ``final_path`` is left untouched. The first write of a process into a
    folder also removes the temporary files of killed writers there
    (:func:`remove_stale_temporaries`).

    Arguments
    ---------
    final_path : str or Path
        Where the file must appear.

    Example
    -------
    >>> import tempfile
    >>> final = Path(tempfile.mkdtemp()) / "sub" / "a.txt"
    >>> with atomic_path(final) as tmp:
    ...     _ = tmp.write_text("done")
    >>> final.read_text()
    'done'
    """
    final_path = Path(final_path)
    final_path.parent.mkdir(parents=True, exist_ok=True)
    if final_path.parent not in _swept_folders:
        _swept_folders.add(final_path.parent)
        remove_stale_temporaries(final_path.parent)
    tmp_path = final_path.with_name(
        f".tmp-{os.getpid()}@{_HOST}-{threading.get_ident()}-{final_path.name}"
    )
    try:
        yield tmp_path
        os.replace(tmp_path, final_path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text_atomically(text, path):
    """Writes ``text`` (UTF-8) to ``path`` so that no partial file is visible.

    Example
    -------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out" / "r.txt"
    >>> write_text_atomically("done", target)
    >>> target.read_text()
    'done'
    """
    with atomic_path(path) as tmp_path:
        tmp_path.write_text(text, encoding="utf-8")


def write_json_atomically(data, path):
    """Writes ``data`` as indented, key-sorted JSON, atomically.

    Example
    -------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.json"
    >>> write_json_atomically({"a": 1}, target)
    >>> json.loads(target.read_text())
    {'a': 1}
    """
    write_text_atomically(json.dumps(data, indent=2, sort_keys=True) + "\n", path)
