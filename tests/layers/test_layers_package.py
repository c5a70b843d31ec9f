"""pynet.layers re-exports every layer module's public names with plain imports."""
import ast
import importlib
from pathlib import Path

import pynet.layers as layers

PACKAGE = Path(layers.__file__).parent


def _modules_with_all():
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name.startswith("_") or path.name == "base.py":
            continue
        module = importlib.import_module(f"pynet.layers.{path.stem}")
        if hasattr(module, "__all__"):
            yield module


def test_every_public_name_of_every_layer_module_is_re_exported_as_the_same_object():
    seen = 0
    for module in _modules_with_all():
        for name in module.__all__:
            assert name in layers.__all__, f"{module.__name__}.{name} missing from pynet.layers"
            assert getattr(layers, name) is getattr(module, name), name
            seen += 1
    assert seen >= 50          # Conv2D ... Conv2DTranspose: the whole layer API, not a subset


def test_all_names_exist_and_are_listed_once():
    assert len(layers.__all__) == len(set(layers.__all__))
    for name in layers.__all__:
        assert getattr(layers, name) is not None, name
    assert layers.Input.__module__ == "pynet.models.graph"     # the model house's, looked up lazily


def test_the_package_imports_by_name_not_by_loop():
    """No ``globals().update`` or import-by-string: an editor can follow each name to its class."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not {"globals().update", "_import_module", "import_module", "_find_spec"} & calls
    imported = {alias.name for node in tree.body if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    lazily = {"Input", "InputLayer", "Lambda"}
    assert set(layers.__all__) - lazily <= imported
