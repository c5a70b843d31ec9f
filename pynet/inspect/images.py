"""Image grids for looking inside networks: a PNG through matplotlib when it is installed, ASCII
art in the terminal otherwise (or on request).

Generic pieces, usable by any model:

``ascii_image(img)``                 one image as text (dark = low, ``@`` = high)
``ascii_grid(images, labels)``       several images side by side as text
``render_grid(images, labels, path)``  PNG at ``path`` when matplotlib is there, else ASCII text
``grid_figure(images, labels)``      a matplotlib Figure (for notebooks; never calls ``show``)
``weight_tiles(w, shape)``           the incoming weights of each node as an image

and two for Rashid's network: ``backquery_images(net)`` and ``backquery_figure(net, path)``.

Images may be given as a 3-D array ``(N, H, W)`` (or ``(N, H, W, 1)``, or ``(N, 784, 1)`` columns),
a list of 2-D arrays, of RGB arrays ``(H, W, 3)`` with values in [0, 1], or of flattened vectors (``(784,)`` or a ``(784, 1)`` column) whose length is
a square number. A single 2-D array is one image; reshape rows ``(N, 784)`` with
``x.reshape(-1, 28, 28)`` first.

Where pictures go: ``output_dir()`` is ``$PYNET_OUTPUT`` (or ``<temp>/pynet-output``); while a
lesson runs (:func:`lesson_output`, which :func:`pynet.lessons.run_lesson` enters) it is that
lesson's own sub-folder, ``<output>/31_inside_a_convnet/``, emptied when the lesson starts so old
pictures never pile up. Only a folder holding pynet's marker file (:data:`MARKER`, written when
pynet creates the folder) is ever emptied: a folder of the same name that pynet did not make is
written into but never cleaned.
"""
from __future__ import annotations

import contextlib
import contextvars
import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["ascii_image", "ascii_grid", "render_grid", "grid_figure", "weight_tiles",
           "backquery_images", "backquery_figure", "as_images", "have_matplotlib", "output_dir",
           "class_mean_images", "output_root", "lesson_output", "clean_lesson_folder",
           "current_lesson", "MARKER",
           "RAMP"]

#: Characters from low to high intensity.
RAMP = " .:-=+*#%@"


def have_matplotlib() -> bool:
    """True when matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def output_root(env: str = "PYNET_OUTPUT") -> Path:
    """The folder that holds every lesson's pictures: ``$PYNET_OUTPUT``, or ``pynet-output`` in
    the system's temporary directory. Not created here.

    Not ``<temp>/pynet``: Python run from the temporary directory would import that folder as
    the package (a namespace package shadowing the real one), and ``python -m pynet`` would fail.
    The name has a hyphen, so it can never be imported."""
    return Path(os.environ.get(env) or Path(tempfile.gettempdir()) / "pynet-output")


#: The file pynet writes into each lesson folder it creates. A folder is emptied at the start of
#: its lesson only when this file is in it, so a user's own folder is never cleaned.
MARKER = ".pynet-output"

_LESSON = contextvars.ContextVar("pynet_lesson", default=None)


def current_lesson() -> str | None:
    """The name of the lesson running now (inside :func:`lesson_output`), else None."""
    return _LESSON.get()


def _check_lesson_name(name) -> str:
    text = str(name)
    if not text or text in (".", "..") or "/" in text or "\\" in text or text != text.strip():
        raise ValueError(f"lesson name must be a plain folder name such as "
                         f"'31_inside_a_convnet', got {name!r}")
    return text


def output_dir(env: str = "PYNET_OUTPUT", *, lesson: str | None = None) -> Path:
    """Folder for pictures, created if needed: the running lesson's sub-folder of
    :func:`output_root` (``lesson=`` names one explicitly), or the root outside any lesson.

    A lesson folder that pynet creates gets the :data:`MARKER` file, which is what allows
    :func:`clean_lesson_folder` to empty it next time."""
    root = output_root(env)
    name = lesson if lesson is not None else _LESSON.get()
    if name is None:
        root.mkdir(parents=True, exist_ok=True)
        return root
    path = root / _check_lesson_name(name)
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"the picture folder for lesson {name!r}, {path}, is a file; "
                                 "move it or set PYNET_OUTPUT to another folder")
    if not path.exists():
        path.mkdir(parents=True)
        (path / MARKER).write_text(
            "Written by pynet: this folder holds one lesson's pictures and is emptied each "
            "time the lesson starts.\nRemove this file to keep pynet from emptying it.\n")
    return path


def clean_lesson_folder(name: str, env: str = "PYNET_OUTPUT") -> list:
    """Empty ``<output root>/<name>`` if pynet made it (it holds :data:`MARKER`); return the
    paths removed.

    Nothing outside that folder is touched; a folder without the marker (a user's own), a
    symbolic link in its place, or a missing folder is left alone. Links inside are removed as
    links (what they point to stays)."""
    path = output_root(env) / _check_lesson_name(name)
    if path.is_symlink() or not path.is_dir() or not (path / MARKER).is_file():
        return []
    removed = []
    for child in sorted(path.iterdir()):
        if child.name == MARKER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
        removed.append(child)
    return removed


@contextlib.contextmanager
def lesson_output(name: str, env: str = "PYNET_OUTPUT"):
    """While the ``with`` block runs, :func:`output_dir` is lesson ``name``'s own folder, emptied
    on entry (see :func:`clean_lesson_folder`). Yields that folder's path (created lazily, on
    the first :func:`output_dir` call, so a lesson without pictures leaves no folder)."""
    name = _check_lesson_name(name)
    clean_lesson_folder(name, env)
    token = _LESSON.set(name)
    try:
        yield output_root(env) / name
    finally:
        _LESSON.reset(token)


def _as_image(img, index=None) -> np.ndarray:
    where = "image" if index is None else f"image {index}"
    a = np.asarray(img)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{where} must hold numbers, got dtype {a.dtype}")
    if a.ndim == 2 and 1 in a.shape and a.size > 1 and math.isqrt(a.size) ** 2 == a.size:
        a = a.reshape(-1)                       # a (784, 1) column from query/backquery
    if a.ndim == 1:
        side = math.isqrt(a.size)
        if a.size == 0 or side * side != a.size:
            raise ValueError(f"{where}: a flat vector of {a.size} values is not a square image;"
                             " pass 2-D arrays")
        a = a.reshape(side, side)
    if a.ndim == 3 and a.shape[-1] == 3 and a.size > 0:
        return a.astype(np.float64)             # an RGB picture (in a list): values in [0, 1]
    if a.ndim != 2:
        raise ValueError(f"{where} must be 2-D (height, width), got shape {a.shape}")
    if a.size == 0:
        raise ValueError(f"{where} is empty (shape {a.shape})")
    return a.astype(np.float64)


def as_images(images) -> list:
    """A list of 2-D float arrays from any of the accepted forms (see the module docstring)."""
    arr = images if isinstance(images, (list, tuple)) else np.asarray(images)
    if isinstance(arr, np.ndarray):
        if arr.ndim in (1, 2):
            arr = [arr]                # one image (2-D, or a flat vector / column of square length)
        elif arr.ndim == 3 and arr.shape[-1] == 1 and arr.shape[1] > 1 and \
                math.isqrt(arr.shape[1]) ** 2 == arr.shape[1]:
            arr = list(arr)                               # (N, 784, 1) columns
        elif arr.ndim == 4 and arr.shape[-1] == 1:
            arr = list(arr[..., 0])                       # (N, H, W, 1)
        elif arr.ndim != 3:
            raise ValueError(f"images must be 2-D images, a 3-D stack (N, H, W) or a list; got "
                             f"shape {arr.shape}")
    if len(arr) == 0:
        raise ValueError("no images to show (the list is empty)")
    return [_as_image(a, i) for i, a in enumerate(arr)]


def _labels(labels, n):
    if labels is None:
        return [""] * n
    labels = [str(v) for v in labels]
    if len(labels) != n:
        raise ValueError(f"got {n} images but {len(labels)} labels")
    return labels


def ascii_image(img, *, vmin=None, vmax=None, double: bool = True) -> str:
    """One image as lines of text: low values are blank, high values ``@``.

    Parameters
    ----------
    img : array_like, 2-D (or a square-length vector)
    vmin, vmax : float, optional
        Value range mapped onto :data:`RAMP`; default the image's own minimum and maximum.
    double : bool
        Print each pixel as two characters so the picture is not squashed sideways.
    """
    a = _as_image(img)
    if a.ndim == 3:
        a = a.mean(axis=-1)                     # RGB as text: the brightness
    low = float(np.nanmin(a)) if vmin is None else float(vmin)
    high = float(np.nanmax(a)) if vmax is None else float(vmax)
    span = high - low if high > low else 1.0
    idx = np.clip(((a - low) / span * (len(RAMP) - 1)).round(), 0, len(RAMP) - 1)
    idx = np.where(np.isnan(idx), 0, idx).astype(int)
    width = 2 if double else 1
    return "\n".join("".join(RAMP[i] * width for i in row) for row in idx)


def ascii_grid(images, labels=None, *, columns: int = 5, vmin=None, vmax=None,
               double: bool = False) -> str:
    """Several images side by side as text, with their labels above them."""
    imgs = as_images(images)
    labs = _labels(labels, len(imgs))
    blocks = [ascii_image(im, vmin=vmin, vmax=vmax, double=double).split("\n") for im in imgs]
    out = []
    for start in range(0, len(blocks), max(1, columns)):
        row = blocks[start:start + columns]
        names = labs[start:start + columns]
        width = [max(max(len(line) for line in b), len(n)) for b, n in zip(row, names)]
        out.append("  ".join(n.ljust(w) for n, w in zip(names, width)).rstrip())
        for k in range(max(len(b) for b in row)):
            out.append("  ".join((b[k] if k < len(b) else "").ljust(w)
                                 for b, w in zip(row, width)).rstrip())
        out.append("")
    return "\n".join(out)


def grid_figure(images, labels=None, *, columns=None, title=None, cmap="Greys", vmin=None,
                vmax=None, tile_inches: float = 1.8):
    """A matplotlib Figure with the images in a grid (``Greys``: high values dark, as the book
    shows MNIST). Each tile is ``tile_inches`` wide (100 pixels an inch in the PNGs
    :func:`render_grid` writes). Nothing is shown; save it or display it in a notebook."""
    import matplotlib
    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        try:
            matplotlib.use("Agg")
        except Exception:  # noqa: BLE001 - an interactive backend already in use is fine
            pass
    import matplotlib.pyplot as plt

    imgs = as_images(images)
    labs = _labels(labels, len(imgs))
    cols = columns or min(len(imgs), 5)
    rows = math.ceil(len(imgs) / cols)
    if not tile_inches > 0:
        raise ValueError(f"tile_inches must be > 0, got {tile_inches!r}")
    aspect = max(im.shape[0] / im.shape[1] for im in imgs)     # landscape photos: short rows
    fig, axes = plt.subplots(rows, cols, squeeze=False, figsize=(
        tile_inches * cols, (tile_inches * aspect + 0.25) * rows + (0.5 if title else 0)))
    for ax in axes.ravel():
        ax.axis("off")
    for ax, im, lab in zip(axes.ravel(), imgs, labs):
        if im.ndim == 3:                        # RGB: shown in its own colours
            ax.imshow(np.clip(im, 0.0, 1.0), interpolation="nearest")
        else:
            ax.imshow(im, cmap=cmap, interpolation="nearest", vmin=vmin, vmax=vmax)
        if lab:
            ax.set_title(lab, fontsize=9 if tile_inches >= 1.2 else 8, pad=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def render_grid(images, labels=None, path=None, *, columns=None, title=None, cmap="Greys",
                vmin=None, vmax=None, ascii: bool | None = None, tile_inches: float = 1.8):
    """Draw images as a PNG at ``path`` when matplotlib is installed, else as ASCII art.

    Parameters
    ----------
    images, labels
        See the module docstring; ``labels`` are shown above each image.
    path : str or Path, optional
        Where to write the PNG. Without it (or without matplotlib, or with ``ascii=True``) the
        result is text.

    Returns
    -------
    Path or str
        The PNG's path, or the ASCII-art text (print it).
    """
    imgs = as_images(images)          # validate before choosing the output
    use_ascii = ascii if ascii is not None else (path is None or not have_matplotlib())
    if use_ascii:
        return ascii_grid(imgs, labels, columns=columns or 5, vmin=vmin, vmax=vmax)
    import matplotlib.pyplot as plt

    fig = grid_figure(imgs, labels, columns=columns, title=title, cmap=cmap, vmin=vmin, vmax=vmax,
                      tile_inches=tile_inches)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def weight_tiles(weights, shape=None, *, count=None) -> np.ndarray:
    """The incoming weights of each node (each row of ``weights``) as an image.

    ``weights`` is ``(nodes, inputs)`` as in Rashid's ``wih``; ``shape`` defaults to the square
    of ``inputs`` (28×28 for MNIST). Returns ``(count or nodes, H, W)``.
    """
    w = np.asarray(weights, dtype=np.float64)
    if w.ndim != 2 or w.size == 0:
        raise ValueError(f"weights must be a non-empty 2-D (nodes, inputs) array, "
                         f"got shape {w.shape}")
    if shape is None:
        side = math.isqrt(w.shape[1])
        if side * side != w.shape[1]:
            raise ValueError(f"{w.shape[1]} inputs per node is not a square image; pass shape=")
        shape = (side, side)
    if int(np.prod(shape)) != w.shape[1]:
        raise ValueError(f"shape {tuple(shape)} does not hold {w.shape[1]} weights")
    n = w.shape[0] if count is None else min(int(count), w.shape[0])
    return w[:n].reshape(n, *shape)


def backquery_images(net, labels=None) -> np.ndarray:
    """Back-query images of Rashid's network for each label (default all outputs), as
    ``(len(labels), side, side)`` in [0.01, 0.99]."""
    labels = range(net.onodes) if labels is None else labels
    return np.stack([_as_image(net.backquery_label(int(k))) for k in labels])


def class_mean_images(x, y, classes=None) -> np.ndarray:
    """The mean image of each class: ``x`` holds images (rows ``(N, 784)`` as Rashid's inputs,
    ``(N, 28, 28)``, or any stack :func:`as_images` accepts), ``y`` their integer labels. Returns
    ``(len(classes), H, W)``; ``classes`` defaults to ``0 .. max(y)``. A class with no image is
    an error naming it."""
    y = np.asarray(y).reshape(-1)
    x = np.asarray(x)
    stack = np.stack(as_images(list(x) if x.ndim == 2 else x))     # (N, 784) rows: N images
    if len(stack) != len(y):
        raise ValueError(f"got {len(stack)} images but {len(y)} labels")
    classes = range(int(y.max()) + 1) if classes is None else classes
    out = []
    for k in classes:
        members = stack[y == k]
        if len(members) == 0:
            raise ValueError(f"no image of class {k} to average")
        out.append(members.mean(axis=0))
    return np.stack(out)


def backquery_figure(net, path=None, *, ascii: bool | None = None, means=None):
    """All back-query images in one figure (PNG at ``path``) or as ASCII art; returns the path
    or the text, as :func:`render_grid`. Drawn as the book draws them (``Greys``: high values
    dark), so dark pixels are where ink votes *for* the label.

    ``means`` (one image per label, e.g. :func:`class_mean_images` of the training set) adds two
    rows: under each back-query image, the average training image of that digit — what to
    compare it with — and that average minus the average of all the ``means`` (dark where the
    digit has more ink than digits in general, light where it has less: the pattern a back-query
    image resembles, since it is dark where ink votes for the label and light where ink votes
    against it)."""
    images = backquery_images(net)
    labels = [f"back-query {k}" for k in range(len(images))]
    title = "What the network thinks each digit looks like (back-query; dark = ink)"
    if means is None:
        return render_grid(images, labels, path, title=title, ascii=ascii)
    means = np.asarray(means)
    means = np.stack(as_images(list(means) if means.ndim == 2 else means))   # rows: one a label
    if len(means) != len(images):
        raise ValueError(f"means: need one image per label ({len(images)}), got {len(means)}")
    contrast = means - means.mean(axis=0)
    n = len(images)
    return render_grid(list(images) + list(means) + list(contrast),
                       labels + [f"mean of {k}s" for k in range(n)]
                       + [f"{k}s minus all" for k in range(n)], path,
                       columns=n, tile_inches=1.3, ascii=ascii,
                       title="Row 1: back-query images (what the network looks for). Row 2: the "
                             "average training image of each digit.\nRow 3: that average minus "
                             "the average of all digits (dark: more ink than usual, light: less)."
                             " Dark = high everywhere.")
