"""Lesson 29 builds the folder tree, trains from scratch and with augmentation, agrees with PyTorch."""
from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import numpy as np

from pynet.lessons import run_lesson


def load_lesson():
    """The lesson beside this checkout's tests (not an installed copy of the tutorials)."""
    path = Path(__file__).resolve().parents[2] / "tutorials" / "29_small_data_from_scratch.py"
    spec = importlib.util.spec_from_file_location("lesson_39_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run(tmp_path, monkeypatch, require):
    monkeypatch.setenv("PYNET_OUTPUT", str(tmp_path))
    lesson = load_lesson()
    out = io.StringIO()
    report, _ = run_lesson(lesson.run, lesson.TITLE, quick=True, out=out)
    rows = {r.quantity: r for r in report.rows}
    text = out.getvalue()
    assert "Found 600 images belonging to 2 classes" in text
    assert rows["every PNG is found, classes from the sorted sub-folder names"].agree
    assert rows["the PNGs read back are the dataset's pixels, rescaled to [0, 1]"].agree
    assert rows["parameters (150×150×3, four blocks | 28×28×1, three)"].ours == "683521"
    assert report.headline.book == "0.82"          # the book's number sits beside ours in the tour
    assert float(rows["test accuracy from scratch (book: cats vs dogs)"].ours) > 0.7
    assert rows["no augmentation: epoch of lowest validation loss"].agree
    assert rows["augmented: training − validation accuracy"].agree
    require("torch")   # a missing torch skips here in a clone and fails under CI
    assert rows["test accuracy from scratch: PyTorch vs pynet"].agree
    assert rows["test accuracy with augmentation: PyTorch vs pynet"].agree
    require("matplotlib")
    assert (tmp_path / "29_small_data_from_scratch" / "small_data_curves.png").stat().st_size > 1000


def test_the_tree_has_the_books_layout_and_the_right_pixels(tmp_path):
    """Listing 5.4's layout: split/class/file; a PNG holds the dataset's image unchanged."""
    from PIL import Image

    lesson = load_lesson()
    _, splits = lesson.load_pair(quick=True)
    root = lesson.write_tree(tmp_path / "small", splits)
    assert sorted(p.name for p in root.iterdir()) == ["test", "train", "validation"]
    assert sorted(p.name for p in (root / "train").iterdir()) == ["shirts", "tshirts"]
    assert len(list((root / "train" / "shirts").glob("*.png"))) == 300
    first = np.asarray(Image.open(root / "train" / "tshirts" / "tshirt.0.png"))
    np.testing.assert_array_equal(first, splits["train"][1][1][0])


def test_the_pytorch_twin_computes_the_same_function(require):
    """Same weights, same inputs: the twin's outputs equal pynet's (the reference is the model)."""
    torch = require("torch")
    lesson = load_lesson()
    from pynet.utils import set_seed

    set_seed(3)
    model = lesson.convnet(dropout=True)
    x = np.random.default_rng(0).random((5, 28, 28, 1), dtype=np.float32)
    net = lesson.torch_twin(model, torch).eval()
    with torch.no_grad():
        theirs = net(torch.from_numpy(x.transpose(0, 3, 1, 2).copy())).numpy()
    np.testing.assert_allclose(model.predict(x), theirs, rtol=1e-4, atol=1e-6)
