"""torchvision peer for ``bench/augmentation.py``, in its own process: ``RandomAffine``
(rotation, translation, zoom, shear in one affine warp) and ``RandomHorizontalFlip`` applied to
each image of a batch, as a ``DataLoader`` worker would."""
from __future__ import annotations

import numpy as np

from bench.harness import peer_main, time_call


def run(args):
    try:
        import torch
        from torchvision.transforms import v2
    except ImportError as exc:
        return {"unavailable": f"torchvision is not installed ({exc})"}
    import torchvision
    torch.set_num_threads(int(args.get("threads", 1)))
    shape, batch, repeat = tuple(args["shape"]), int(args["batch"]), int(args["repeat"])
    transform = v2.Compose([v2.RandomAffine(degrees=40, translate=(0.2, 0.2), scale=(0.8, 1.2),
                                            shear=0.2),
                            v2.RandomHorizontalFlip()])
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.integers(0, 256, (batch, shape[2], shape[0], shape[1]))
                         .astype(np.float32))

    def step():
        torch.stack([transform(img) for img in x]) / 255

    timing = time_call(step, repeat=repeat, min_seconds=0.2)
    return {"version": torchvision.__version__, "timing": timing.to_json()}


if __name__ == "__main__":
    peer_main(run)
