"""Reusing saved work only when it was made with the requested settings.

Every step that resumes from what a folder holds (the demo's run folder, a
tokenisation plan, a fitted k-means model, a converted BPE store) compares
the settings the saved work was made with to the requested ones here, and
refuses to mix, naming each difference.

Authors
 * speechbrain-xling authors 2026
"""

import json
from pathlib import Path

from speechbrain_xling.atomic import write_json_atomically


class SettingsMismatch(ValueError):
    """Saved work was made with other settings than the requested ones."""


def differing_settings(saved, requested, keys=None):
    """``{key: (saved, requested)}`` for the settings that differ.

    Arguments
    ---------
    saved, requested : dict
        The two sets of settings (JSON-like values).
    keys : iterable of str, optional
        Keys to compare; default: every key of either (a key missing on one
        side counts as ``None`` there).

    Example
    -------
    >>> differing_settings({"k": 50, "seed": 0}, {"k": 100, "seed": 0})
    {'k': (50, 100)}
    """
    keys = sorted({*saved, *requested}) if keys is None else keys
    return {
        key: (saved.get(key), requested.get(key))
        for key in keys
        if saved.get(key) != requested.get(key)
    }


def check_same_settings(saved, requested, what, remedy, keys=None, label=str):
    """Raises :class:`SettingsMismatch` naming every differing setting.

    Arguments
    ---------
    saved, requested : dict
        Settings of the saved work and of this run.
    what : str
        The saved work, as the message names it (e.g. its path).
    remedy : str
        What the user can do about it.
    keys : iterable of str, optional
        Keys to compare (see :func:`differing_settings`).
    label : callable
        How a key is written in the message (e.g. as a command-line option).

    Example
    -------
    >>> check_same_settings({"k": 50}, {"k": 100}, "km.npz", "delete it")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
     ...
    speechbrain_xling.saved_settings.SettingsMismatch: km.npz was made with k 50 (now 100); ...
    """
    differences = differing_settings(saved, requested, keys)
    if differences:
        listed = ", ".join(
            f"{label(key)} {old!r} (now {new!r})" for key, (old, new) in differences.items()
        )
        raise SettingsMismatch(f"{what} was made with {listed}; {remedy}")


def record_or_check_settings(path, settings, what, remedy, label=str):
    """Writes ``settings`` to ``path`` the first time, then checks them.

    A later call with other settings raises :class:`SettingsMismatch`
    (see :func:`check_same_settings`); the file is written atomically.

    Example
    -------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "plan.json"
    >>> record_or_check_settings(path, {"k": 50}, "store", "use another folder")
    >>> record_or_check_settings(path, {"k": 50}, "store", "use another folder")
    >>> record_or_check_settings(path, {"k": 9}, "store", "see")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
     ...
    speechbrain_xling.saved_settings.SettingsMismatch: store was made with k 50 (now 9); ...
    """
    path = Path(path)
    if not path.exists():
        write_json_atomically(settings, path)
        return
    with open(path, encoding="utf-8") as handle:
        saved = json.load(handle)
    check_same_settings(saved, json.loads(json.dumps(settings)), what, remedy, label=label)
