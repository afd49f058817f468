"""Atomic file output: a file appears whole under its final name, or not at all.

Every writer of the package (unit stores, corpus audio and manifests,
evaluation results, reports) goes through :func:`atomic_path`: the content is
written under a temporary name in the final folder, then moved in place with
``os.replace``. A killed job never leaves a half-written file behind.

Authors
 * speechbrain-xling authors 2026
"""

import json
import os
import threading
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(final_path):
    """Yields a temporary path that is moved to ``final_path`` on success.

    The parent folder is created. On error the temporary file is removed and
    ``final_path`` is left untouched.

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
    tmp_path = final_path.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{final_path.name}")
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
