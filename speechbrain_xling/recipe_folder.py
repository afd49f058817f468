"""Where the sTinyStories SLM recipe (``train.py``, ``hparams/``) lives.

In a source checkout it is ``recipes/sTinyStories/SLM``; a built wheel
carries the same folder as the package data ``speechbrain_xling/recipe``
(``setup.py`` maps one to the other), so ``python -m speechbrain_xling.demo``
runs the recipe's own ``train.py`` whether the package is installed or not.

Authors
 * speechbrain-xling authors 2026
"""

import runpy
import sys
from pathlib import Path

RECIPE_SCRIPTS = ("train.py",)


def recipe_folder():
    """The recipe folder: installed package data first, else the source tree.

    Example
    -------
    >>> (recipe_folder() / "hparams" / "stage2_interleave.yaml").is_file()
    True
    """
    package = Path(__file__).resolve().parent
    for folder in (package / "recipe", package.parent / "recipes" / "sTinyStories" / "SLM"):
        if all((folder / script).is_file() for script in RECIPE_SCRIPTS):
            return folder
    raise FileNotFoundError(
        f"the sTinyStories SLM recipe is neither in {package / 'recipe'} (installed "
        f"package) nor in {package.parent / 'recipes'} (source checkout)"
    )


def run_recipe_script(script, arguments):
    """Runs a recipe script in this process, as ``python script arguments``.

    A ``sys.exit(0)`` of the script returns normally; another exit code
    raises ``SystemExit``.
    """
    saved_argv = sys.argv
    sys.argv = [str(script), *map(str, arguments)]
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise
    finally:
        sys.argv = saved_argv
