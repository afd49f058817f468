"""The package's layers: a module never imports one of a higher layer."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "speechbrain_xling"

# Lowest first. A module may import its own layer's modules and lower ones.
LAYERS = (
    {"atomic", "text_files", "hashing", "audio", "recipe_folder"},
    {"saved_settings", "data", "prepare", "checkpoints"},
    {"tokenizers", "model"},
    {"eval", "brain", "budget"},
    {"corpora", "training"},
    {"demo"},
)


def layer_of(module):
    """Layer of ``speechbrain_xling.<room>...``, by its first component."""
    room = module.split(".")[1]
    for number, rooms in enumerate(LAYERS):
        if room in rooms:
            return number
    raise AssertionError(f"{module}: room {room!r} is in no layer of tests/test_layers.py")


def imported_modules(path):
    """``speechbrain_xling`` modules imported by a file (at any depth)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "speechbrain_xling."
        ):
            yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.startswith("speechbrain_xling."))


def test_no_module_imports_a_higher_layer():
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if module == "speechbrain_xling.__init__":
            continue
        for imported in imported_modules(path):
            if layer_of(imported) > layer_of(module):
                upward.append(f"{module} -> {imported}")
    assert upward == []
