"""Photos for the DeepDream and style-transfer lessons, from packages that ship them.

The book dreams on the user's own photo and transfers Van Gogh's *Starry Night* onto a portrait;
neither ships with anything. Two pip packages carry small photos inside their wheels (no
download): scikit-learn (``sklearn.datasets.load_sample_image``: ``china.jpg``, a temple in
China, 427×640; ``flower.jpg``, a flower, 427×640) and scikit-image (``skimage.data``:
``astronaut()``, 512×512; ``coffee()``, 400×600). :func:`sample_photo` takes the first that is
installed, and says which. With neither installed it *generates* a picture and says so: a
landscape (sky, sun, hills) for content and a swirl of coloured bands for style — a fallback that
keeps the lessons running, not a photo.
"""
from __future__ import annotations

import numpy as np

__all__ = ["sample_photo", "synthetic_landscape", "synthetic_swirls", "PHOTOS"]

#: For each role, the photos tried in order: (package, loader description, function).
PHOTOS = {
    "content": [("scikit-learn", "china.jpg", lambda: _sklearn("china.jpg")),
                ("scikit-image", "astronaut()", lambda: _skimage("astronaut"))],
    "style": [("scikit-learn", "flower.jpg", lambda: _sklearn("flower.jpg")),
              ("scikit-image", "coffee()", lambda: _skimage("coffee"))],
}


def _sklearn(name):
    from sklearn.datasets import load_sample_image

    return load_sample_image(name)


def _skimage(name):
    from skimage import data

    return getattr(data, name)()


def _resize(img, size):
    from scipy import ndimage

    h, w = img.shape[:2]
    out = ndimage.zoom(img, (size[0] / h, size[1] / w, 1), order=1)
    return np.clip(out[:size[0], :size[1]], 0.0, 1.0)


def synthetic_landscape(height: int = 128, width: int = 192) -> np.ndarray:
    """A generated stand-in for a photo: blue sky darkening upwards, a sun, two rows of green
    hills and a little noise. float32 (height, width, 3) in [0, 1]."""
    rng = np.random.default_rng(43)
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    img = np.empty((height, width, 3))
    img[...] = np.stack([0.35 + 0.4 * y, 0.55 + 0.3 * y, 0.95 - 0.1 * y], axis=-1)
    sun = (y - 0.22) ** 2 + ((x - 0.72) * width / height) ** 2 < 0.09 ** 2
    img[sun] = (1.0, 0.9, 0.5)
    for base, amp, freq, colour in ((0.55, 0.08, 9.0, (0.25, 0.5, 0.2)),
                                    (0.7, 0.06, 14.0, (0.15, 0.35, 0.12))):
        ridge = base + amp * np.sin(freq * x + 3 * base) + 0.03 * np.sin(31 * x)
        img[y > ridge] = colour
    img += 0.03 * rng.standard_normal(img.shape)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def synthetic_swirls(height: int = 128, width: int = 192) -> np.ndarray:
    """A generated stand-in for a painting's style: bands of yellow and blue curling around
    two centres (a nod to *Starry Night*). float32 (height, width, 3) in [0, 1]."""
    y, x = np.mgrid[0:height, 0:width] / float(height)
    phase = np.zeros_like(x)
    for cy, cx in ((0.35, 0.4), (0.6, 1.1)):
        r = np.hypot(y - cy, x - cx)
        phase += np.arctan2(y - cy, x - cx) + 18.0 * r
    band = 0.5 + 0.5 * np.sin(phase)
    img = np.stack([0.15 + 0.8 * band, 0.25 + 0.6 * band, 0.6 - 0.4 * band], axis=-1)
    return np.clip(img, 0.0, 1.0).astype(np.float32)


def sample_photo(role: str = "content", size=None):
    """A photo for ``role`` ('content' or 'style'), float32 (height, width, 3) in [0, 1].

    Returns ``(image, label)``; the label names the package and the image (``"scikit-learn's
    sample image china.jpg"``) or says the picture was generated because neither package is
    installed. ``size=(height, width)`` resizes bilinearly.
    """
    if role not in PHOTOS:
        raise ValueError(f"sample_photo(): role must be one of {sorted(PHOTOS)}, got {role!r}")
    if size is not None:
        if len(size) != 2 or any(isinstance(s, bool) or int(s) != s or s < 1 for s in size):
            raise ValueError(f"sample_photo(): size must be (height, width) in pixels, got "
                             f"{size!r}")
        size = (int(size[0]), int(size[1]))
    for package, name, load in PHOTOS[role]:
        try:
            img = np.asarray(load())
        except ImportError:
            continue
        img = img[..., :3].astype(np.float32) / 255.0
        label = f"{package}'s sample image {name}, {img.shape[0]}x{img.shape[1]}"
        break
    else:
        maker = synthetic_landscape if role == "content" else synthetic_swirls
        img = maker() if size is None else maker(*size)
        label = (f"a generated {'landscape' if role == 'content' else 'swirl pattern'} "
                 "(neither scikit-learn nor scikit-image is installed: pip install scikit-learn "
                 "for the photo)")
    if size is not None and img.shape[:2] != size:
        img = _resize(img, size).astype(np.float32)
        label += f", resized to {size[0]}x{size[1]}"
    return img, label
