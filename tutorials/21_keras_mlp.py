# %% [markdown]
# # 21 · Chollet's first network: Dense(512, relu) → Dense(10, softmax) on MNIST
#
# *Deep Learning with Python* §2.1 opens with a two-layer network on MNIST: 784 pixels scaled to
# [0, 1], a Dense layer of 512 ReLU units, a 10-way softmax, RMSprop, categorical cross-entropy,
# batch 128, 5 epochs: 469 updates per epoch, 2,345 in all on 60,000 images. The book reports a
# training accuracy of 0.989 and a test accuracy of 0.9785, and calls the gap overfitting.

# %%
"""Chollet's first network (Listings 2.1–2.5): Dense(512, relu) → Dense(10, softmax), 407,050 parameters.

Run it: ``pynet run 21 [--quick]``; as a notebook: ``pynet notebook 21``.
"""
from __future__ import annotations

import time

import numpy as np

from pynet.lessons import Report, main, mnist_plan

TITLE = "21 · Chollet's first network: Dense(512, relu) → Dense(10, softmax) on MNIST"
SEED = 12

BOOK_PARAMS = 407_050            # 784·512 + 512 + 512·10 + 10
BOOK_LAYER_PARAMS = [401_920, 5_130]
BOOK_TRAIN_ACCURACY = 0.989      # after 5 epochs, 60,000 images
BOOK_TEST_ACCURACY = 0.9785
BOOK_FIRST_EPOCH = (0.2524, 0.9273)   # Epoch 1 log: loss, acc
BOOK_UPDATES_PER_EPOCH = 469     # ceil(60000 / 128)


# %% [markdown]
# ## The network, as the book writes it
#
# The program reads as in the book: `Sequential`, `add(Dense(...))`, `compile`, `fit`, `evaluate`
# with the same names and arguments. `summary()`: 401,920 + 5,130 = 407,050 parameters, which must
# agree exactly.

# %%
def network():
    """Listings 2.2 and 2.3."""
    from pynet.layers import Dense
    from pynet.sequential import Sequential

    net = Sequential()
    net.add(Dense(512, activation="relu", input_shape=(28 * 28,)))
    net.add(Dense(10, activation="softmax"))
    net.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return net


# %% [markdown]
# ## The data
#
# pynet ships 10,000 of the 60,000 training images.

# %%
def load_data(n_train, n_test):
    """Listings 2.4 and 2.5: flatten, scale to [0, 1], one-hot labels."""
    from pynet.datasets import mnist
    from pynet.utils import to_categorical

    (train_images, train_labels), (test_images, test_labels) = mnist.load()
    train_images = train_images[:n_train].reshape((n_train, 28 * 28)).astype("float32") / 255
    test_images = test_images[:n_test].reshape((n_test, 28 * 28)).astype("float32") / 255
    return (train_images, to_categorical(train_labels[:n_train], 10),
            test_images, to_categorical(test_labels[:n_test], 10))


# %% [markdown]
# ## The same network in PyTorch
#
# One training step from *the same* weights and batch must give the same loss and the same updated
# weights: an independent check of Dense, ReLU, softmax + cross-entropy and RMSprop. Then the same
# model trained in PyTorch on the same data must agree with ours within a tolerance.

# %%
def torch_twin(net, torch):
    """The same network in PyTorch, holding a copy of ``net``'s current weights (PyTorch keeps
    a Linear weight as (out, in), the transpose of a Keras kernel)."""
    nn = torch.nn
    twin = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    with torch.no_grad():
        for ours, theirs in zip(net.layers, (twin[0], twin[2])):
            theirs.weight.copy_(torch.from_numpy(ours.params["kernel"].T.copy()))
            theirs.bias.copy_(torch.from_numpy(ours.params["bias"]))
    return twin


def torch_optimizer(torch, twin):
    # Keras's RMSprop constants (PyTorch's defaults are alpha=0.99, eps=1e-8).
    return torch.optim.RMSprop(twin.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)


def torch_train(torch, start, x, y, epochs, seed):
    """Train the PyTorch twin from ``start``'s weights with the same batches as pynet's fit."""
    twin = torch_twin(start, torch)
    opt = torch_optimizer(torch, twin)
    xt, labels = torch.from_numpy(x), torch.from_numpy(y.argmax(1))
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = torch.from_numpy(rng.permutation(len(x)))
        for s in range(0, len(x), 128):
            idx = order[s:s + 128]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(twin(xt[idx]), labels[idx]).backward()
            opt.step()
    return twin


# %% [markdown]
# ## Run the lesson
#
# The summary, the one-step check, five epochs with the Keras-style log, the test accuracy beside
# the book's, and PyTorch's. Quick mode trains on 4,000 images for 2 epochs and tests on 2,000.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.utils import clear_session, set_seed

    clear_session()   # layer names start again at dense_1, as in a fresh Keras session

    n_train, n_test, epochs = (4000, 2000, 2) if quick else (10000, 10000, 5)
    plan = mnist_plan(quick, quick_counts=(n_train, n_test))
    n_train, n_test = plan.n_train, plan.n_test      # the book's 60,000 when downloaded
    x, y, x_test, y_test = load_data(n_train, n_test)
    report.say(f"  training images: {n_train} (the book: 60,000); test images: {n_test}")

    report.section("Listings 2.2–2.3: the network")
    set_seed(SEED)
    net = network()
    report.say(net.summary(print_fn=lambda s: None))
    report.compare("parameters", book=BOOK_PARAMS, ours=net.count_params(),
                   agree=net.count_params() == BOOK_PARAMS)
    per_layer = [layer.count_params() for layer in net.layers]
    report.compare("parameters per layer", book=str(BOOK_LAYER_PARAMS), ours=str(per_layer),
                   agree=per_layer == BOOK_LAYER_PARAMS, note="784·512 + 512, 512·10 + 10")
    steps = -(-60000 // 128)
    report.compare("updates per epoch on 60,000 images", book=BOOK_UPDATES_PER_EPOCH, ours=steps,
                   agree=steps == BOOK_UPDATES_PER_EPOCH, note="ceil(60000 / 128)")

    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        report.section("One training step from the same weights: pynet vs PyTorch")
        torch.set_num_threads(1)
        set_seed(SEED)
        ours = network()
        theirs = torch_twin(ours, torch)
        opt = torch_optimizer(torch, theirs)
        xb, yb = x[:128], y[:128]
        loss_ours = ours.train_on_batch(xb, yb)[0]
        opt.zero_grad()
        loss_t = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(xb)),
                                                   torch.from_numpy(yb.argmax(1)))
        loss_t.backward()
        opt.step()
        report.compare("loss of the first batch", book=loss_t.item(), ours=loss_ours,
                       agree=abs(loss_t.item() - loss_ours) <= 1e-5 * max(1.0, loss_ours),
                       note="'book' = PyTorch here")
        after = torch_twin(ours, torch)
        diff = max(float((a - b).detach().abs().max()) for a, b in
                   zip(after.parameters(), theirs.parameters()))
        report.compare("max |weight difference| after the step", book=0.0, ours=diff,
                       agree=diff <= 1e-5, note="float32; RMSprop moves each weight ~3e-3")

    report.section(f"Listing 2.5 and fit: {epochs} epochs, batch 128, RMSprop")
    set_seed(SEED)
    net = network()
    start = network()
    start.set_weights(net.get_weights())  # a copy of the starting point, for PyTorch
    t0 = time.perf_counter()
    history = net.fit(x, y, epochs=epochs, batch_size=128, verbose=0, seed=SEED)
    seconds = time.perf_counter() - t0
    for e in range(epochs):
        report.say(f"  Epoch {e + 1}/{epochs}  {n_train}/{n_train} - loss: "
                   f"{history.history['loss'][e]:.4f} - accuracy: {history.history['accuracy'][e]:.4f}")
    report.say(f"  ({seconds:.1f} s, {seconds / epochs:.2f} s per epoch of {-(-n_train // 128)} updates)")
    report.compare("epoch 1 loss (book: 60k images)", book=BOOK_FIRST_EPOCH[0],
                   ours=history.history["loss"][0], agree=None,
                   note="more images per epoch → lower first-epoch loss")
    report.compare("training accuracy after the last epoch", book=BOOK_TRAIN_ACCURACY,
                   ours=history.history["accuracy"][-1], agree=None)
    test_loss, test_acc = net.evaluate(x_test, y_test)
    report.compare("test accuracy", book=BOOK_TEST_ACCURACY, ours=test_acc,
                   # on the book's data: within ±0.006, the limit lesson 28 allows between two
                   # runs of a Keras model from different random starts (the book prints one run)
                   agree=bool(abs(test_acc - BOOK_TEST_ACCURACY) <= 0.006)
                   if plan.book_data else None, tolerance=0.006 if plan.book_data else None,
                   note=f"we train on {n_train} images", headline=True,
                   kind="book" if plan.book_data
                   else "same-data" if torch is not None else "differs",
                   data=plan.data,
                   reference="PyTorch from the same start on the same batches (checked below)",
                   reason=f"{n_train:,} of the book's 60,000 images, and PyTorch (the same-data "
                          "reference) is not installed")
    floor = 0.80 if quick else 0.92
    report.check(test_acc > floor, f"test accuracy above {floor}")
    report.check(history.history["loss"][-1] < history.history["loss"][0],
                 "training loss falls from epoch to epoch")

    if torch is not None:
        report.section("PyTorch, trained from the same start on the same batches")
        t0 = time.perf_counter()
        twin = torch_train(torch, start, x, y, epochs, SEED)
        with torch.no_grad():
            pred = twin(torch.from_numpy(x_test)).argmax(1).numpy()
        t_acc = float((pred == y_test.argmax(1)).mean())
        tol = 0.03 if quick else 0.01
        report.compare("test accuracy, PyTorch vs pynet", book=t_acc, ours=test_acc,
                       agree=abs(t_acc - test_acc) <= tol,
                       note=f"'book' = PyTorch; tolerance {tol}")
        report.say(f"  PyTorch trained in {time.perf_counter() - t0:.1f} s (same process, 1 thread). "
                   "The two runs start equal and drift apart slowly: float32 sums in a different "
                   "order, amplified by RMSprop's division by small running averages.")
    else:
        report.say("  (PyTorch is not installed: the cross-checks against it are skipped)")

    report.section("What the network says about a few test digits")
    probs = net.predict(x_test[:8])
    report.say("  label:     " + " ".join(f"{d:>4}" for d in y_test[:8].argmax(1)))
    report.say("  predicted: " + " ".join(f"{d:>4}" for d in probs.argmax(1)))
    report.say("  p(pred):   " + " ".join(f"{p:4.2f}" for p in probs.max(1)))


# %%
if __name__ == "__main__":
    main(run, TITLE)
