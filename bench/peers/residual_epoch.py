"""One epoch of the residual/BatchNormalization convnet of ``bench/residual.py``, in its own process.

Argument (JSON): ``{"side": "pynet" | "torch", "data": "<npz with x (n,28,28,1) float32, y int64>",
"batch": 64, "seed": 0}``. The process builds the model, warms it up on two batches, then times
one epoch (reshuffled, batch 64, RMSprop, sparse categorical cross-entropy) and prints
``{"seconds": s, "loss": first-epoch loss, "params": n}``.

The network (both sides, the same shapes and parameter count)::

    conv 3×3, 32 → BN → relu                                    (the stem)
    [conv 3×3, 32 → BN → relu → conv 3×3, 32 → BN] + stem → relu  (identity residual block)
    max-pool 2
    [conv 3×3 stride 2, 64 → BN → relu] + [conv 1×1 stride 2, 64] → relu  (projection block)
    global average pool → dense 10 softmax
"""
from __future__ import annotations

import time

import numpy as np

from bench.harness import peer_main


def pynet_model():
    from pynet.layers import (Activation, BatchNormalization, Conv2D, Dense,
                              GlobalAveragePooling2D, MaxPooling2D, add)
    from pynet.models import Input, Model
    x = Input(shape=(28, 28, 1))
    stem = Activation("relu")(BatchNormalization()(Conv2D(32, 3, padding="same")(x)))
    r = Activation("relu")(BatchNormalization()(Conv2D(32, 3, padding="same")(stem)))
    r = BatchNormalization()(Conv2D(32, 3, padding="same")(r))
    h = MaxPooling2D(2)(Activation("relu")(add([stem, r])))
    y = Activation("relu")(BatchNormalization()(Conv2D(64, 3, strides=2, padding="same")(h)))
    h = Activation("relu")(add([y, Conv2D(64, 1, strides=2, padding="same")(h)]))
    model = Model(x, Dense(10, activation="softmax")(GlobalAveragePooling2D()(h)))
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
    return model


def run_pynet(x, y, batch, seed):
    from pynet.utils import set_seed
    set_seed(seed)
    model = pynet_model()
    model.fit(x[:2 * batch], y[:2 * batch], batch_size=batch, epochs=1, verbose=0, seed=seed)
    start = time.perf_counter()
    h = model.fit(x, y, batch_size=batch, epochs=1, verbose=0, seed=seed)
    return time.perf_counter() - start, h.history["loss"][0], model.count_params()


def run_torch(x, y, batch, seed):
    import torch
    nn = torch.nn
    torch.manual_seed(seed)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01), nn.ReLU())
            self.r = nn.Sequential(nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01), nn.ReLU(),
                                   nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01))
            self.pool = nn.MaxPool2d(2)
            # Keras 'same' with stride 2 on 14×14 pads (0, 1): pad explicitly, as Keras does
            self.down = nn.Sequential(nn.ZeroPad2d((0, 1, 0, 1)), nn.Conv2d(32, 64, 3, stride=2),
                                      nn.BatchNorm2d(64, eps=1e-3, momentum=0.01), nn.ReLU())
            self.proj = nn.Conv2d(32, 64, 1, stride=2)
            self.head = nn.Linear(64, 10)

        def forward(self, t):
            s = self.stem(t)
            h = self.pool(torch.relu(s + self.r(s)))
            h = torch.relu(self.down(h) + self.proj(h))
            return self.head(h.mean(dim=(2, 3)))

    net = Net()
    opt = torch.optim.RMSprop(net.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y)
    rng = np.random.default_rng(seed)

    def epoch(n):
        order = torch.from_numpy(rng.permutation(n))
        total = 0.0
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        return total / n

    epoch(2 * batch)
    start = time.perf_counter()
    loss = epoch(len(x))
    return time.perf_counter() - start, loss, sum(p.numel() for p in net.parameters())


def run(args: dict) -> dict:
    data = np.load(args["data"])
    x, y = data["x"], data["y"]
    batch, seed = int(args.get("batch", 64)), int(args.get("seed", 0))
    if args["side"] == "torch":
        try:
            import torch  # noqa: F401
        except ImportError as exc:
            return {"unavailable": f"PyTorch not installed ({exc})"}
        seconds, loss, params = run_torch(x, y, batch, seed)
    else:
        seconds, loss, params = run_pynet(x, y, batch, seed)
    return {"seconds": seconds, "loss": loss, "params": int(params)}


if __name__ == "__main__":
    peer_main(run)
