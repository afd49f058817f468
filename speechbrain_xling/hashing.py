"""Content hashes: of a file's bytes and of JSON-able settings.

One home for the hashes that decide whether saved work can be reused (unit
stores, manifests, preparation markers, evaluation results).

Authors
 * speechbrain-xling authors 2026
"""

import hashlib
import json


def file_sha256(path):
    """SHA-256 hex digest of a file's bytes (read in 1 MiB blocks).

    Example
    -------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> _ = path.write_text("abc")
    >>> file_sha256(path)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def json_sha256(data):
    """SHA-256 hex digest of ``data`` as key-sorted JSON.

    Example
    -------
    >>> json_sha256({"b": 1, "a": [2]}) == json_sha256({"a": [2], "b": 1})
    True
    """
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
