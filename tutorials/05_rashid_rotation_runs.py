# %% [markdown]
# # 05 · Rashid's rotation runs: lr 0.01, 5 and 10 epochs
#
# *Make Your Own Neural Network* ends its improvements with the rotated copies of lesson 04 and
# then trains longer with a smaller learning rate: lr 0.01, every training record plus its copies
# rotated by +angle and −angle (new corners 0.01), the 784-200-10 network, one record at a time in
# file order. The book's chart of accuracy against angle gives a best of **0.9745 after 5 epochs**
# (at 10 degrees) and a peak of **0.9787 after 10 epochs**, and calls about 98% the natural
# ceiling of this architecture.

# %%
"""Rashid's longer runs with rotated training copies: lr 0.01 for 5 and 10 epochs (book 0.9745 / 0.9787).

Run it: ``pynet run 05 [--quick]``; as a notebook: ``pynet notebook 05``.
"""
from __future__ import annotations

import time

import numpy as np

from pynet.lessons import Report, main, mnist_plan

TITLE = "05 · Rashid's rotation runs: lr 0.01, 5 and 10 epochs"
SEED = 31
LR = 0.01
ANGLES = (0, 5, 10, 15, 20, 30)

#: The book (60,000 images): best accuracy over the angles after 5 epochs, peak after 10.
BOOK_5_EPOCHS, BOOK_10_EPOCHS = 0.9745, 0.9787
BOOK_CEILING = 0.98


# %% [markdown]
# ## The data, and how it differs from the book's
#
# The book used all 60,000 training images (180,000 records with the copies); pynet ships the first
# 10,000 (30,000 with the copies), tested on the 10,000 test images. The numbers say so.

# %%
def load(n_train, n_test):
    from pynet.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load()
    return (mnist.rashid_inputs(x_train[:n_train]), mnist.rashid_targets(y_train[:n_train]),
            mnist.rashid_inputs(x_test[:n_test]), y_test[:n_test].astype(np.int64))


# %% [markdown]
# ## Ten epochs, tested after the fifth and the tenth
#
# The epoch-5 test *is* the book's 5-epoch run: training visits the records in file order, so the
# first five epochs are the same whether or not five more follow.

# %%
def train_and_test(x3, t3, x_test, y_test, checkpoints):
    """Train a fresh net (seed SEED) on ``x3`` epoch after epoch; test at each checkpoint."""
    from pynet.backprop.three_layer_network import ThreeLayerNetwork

    net = ThreeLayerNetwork(784, 200, 10, LR, seed=SEED)
    scores = {}
    for epoch in range(1, max(checkpoints) + 1):
        net.train_epoch(x3, t3)
        if epoch in checkpoints:
            scores[epoch] = net.score(x_test, y_test)
    return scores


# %% [markdown]
# ## A same-data reference in PyTorch
#
# The same per-record arithmetic in PyTorch (`mv`, `sigmoid`, `addr_`, float64), from the same
# weights on the same 10-degree data, must reach the same accuracy as ours.

# %%
def torch_reference(torch, x3, t3, x_test, y_test, epochs):
    """The book's per-record step in PyTorch tensor ops, float64, from the same initial weights."""
    from pynet.backprop.three_layer_network import ThreeLayerNetwork

    start = ThreeLayerNetwork(784, 200, 10, LR, seed=SEED)
    wih, who = torch.from_numpy(start.wih.copy()), torch.from_numpy(start.who.copy())
    x, t = torch.from_numpy(x3), torch.from_numpy(t3)
    with torch.no_grad():
        for _ in range(epochs):
            for k in range(x.shape[0]):
                inputs, targets = x[k], t[k]
                hidden_outputs = torch.sigmoid(torch.mv(wih, inputs))
                final_outputs = torch.sigmoid(torch.mv(who, hidden_outputs))
                output_errors = targets - final_outputs
                hidden_errors = torch.mv(who.T, output_errors)     # before who changes
                who.addr_(output_errors * final_outputs * (1 - final_outputs), hidden_outputs, alpha=LR)
                wih.addr_(hidden_errors * hidden_outputs * (1 - hidden_outputs), inputs, alpha=LR)
        outputs = torch.sigmoid(torch.sigmoid(torch.from_numpy(x_test) @ wih.T) @ who.T)
    return float((outputs.argmax(dim=1).numpy() == y_test).mean())


# %% [markdown]
# ## Run the lesson
#
# One network per angle (0 = no copies, then 5, 10, 15, 20, 30 degrees), the accuracy-vs-angle
# table for 5 and 10 epochs beside the book's two numbers, then the PyTorch reference.
#
# Quick mode is short and says so: 2,000 training images, 1,000 test images, the angles 0 and 10,
# 2 and 4 epochs instead of 5 and 10, and the PyTorch reference for one epoch.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.kernels.threads import limit_blas_threads

    with limit_blas_threads(1):      # one record at a time: gemv/ger too small to gain from BLAS threads
        lesson(report, quick)


def lesson(report: Report, quick: bool) -> None:
    from pynet.augment import with_rotations

    plan = mnist_plan(quick, quick_counts=(2000, 1000))   # the book's 60,000 when downloaded
    n_train, n_test = plan.n_train, plan.n_test
    angles = (0, 10) if quick else ANGLES
    short, long = (2, 4) if quick else (5, 10)
    x, t, x_test, y_test = load(n_train, n_test)
    report.say(f"  {n_train} training images (the book: 60,000), {n_test} test images, lr {LR}, "
               f"one record at a time in file order"
               + (f"  — quick mode: {short} and {long} epochs, not 5 and 10" if quick else ""))

    scores, data = {}, {}
    t0 = time.perf_counter()
    for angle in angles:
        data[angle] = with_rotations(x, t, angle, cval=0.01)
        scores[angle] = train_and_test(*data[angle], x_test, y_test, (short, long))
    report.say(f"  {len(angles)} networks × {long} epochs in {time.perf_counter() - t0:.0f} s")

    report.section(f"Accuracy on the test images after {short} and {long} epochs, by rotation angle")
    report.say(f"  angle   {short:>2} epochs   {long:>2} epochs")
    for angle in angles:
        report.say(f"  {angle:>3} deg   {scores[angle][short]:.4f}     {scores[angle][long]:.4f}")
    best_short = max(angles, key=lambda a: scores[a][short])
    best_long = max(angles, key=lambda a: scores[a][long])
    report.compare(f"best accuracy after {short} epochs", book=BOOK_5_EPOCHS,
                   ours=scores[best_short][short], agree=None,
                   note=f"at {best_short} deg; book: 5 epochs at 10 deg, 60k images")
    report.compare(f"peak accuracy after {long} epochs", book=BOOK_10_EPOCHS,
                   ours=scores[best_long][long], headline=True,
                   # on the book's data: within ±0.01, as in lessons 01 and 04: the book's
                   # figures are single unseeded runs (5 and 10 epochs: 0.9745, 0.9787)
                   agree=bool(abs(scores[best_long][long] - BOOK_10_EPOCHS) <= 0.01)
                   if plan.book_data else None, tolerance=0.01 if plan.book_data else None,
                   note=f"at {best_long} deg; book: 10 epochs, 60k images",
                   kind="book" if plan.book_data
                   else "same-data" if report.importable("torch") else "differs",
                   data=plan.data,
                   reference="PyTorch from the same start on the same 10-degree data, within "
                             "0.002 (checked below)",
                   reason=f"{n_train:,} of the book's 60,000 images, and PyTorch (the same-data "
                          "reference) is not installed")
    gain = scores[10][long] - scores[0][long]
    report.compare(f"gain of the ±10 deg copies after {long} epochs", book="positive",
                   ours=round(gain, 4), agree=None if quick else gain > 0,
                   note=f"same data without copies: {scores[0][long]:.4f}")
    report.check(all(s[long] < BOOK_CEILING + 0.005 for s in scores.values()),
                 f"no run beats the book's ~{BOOK_CEILING:.0%} ceiling of this architecture")

    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        report.say("  (PyTorch not installed: the same-data reference is skipped)")
        return
    ref_epochs = 1 if quick else short
    report.section(f"Same-data reference: PyTorch, same start, the 10-degree data, {ref_epochs} "
                   f"epoch(s)")
    ref = torch_reference(torch, *data[10], x_test, y_test, ref_epochs)
    ours = scores[10][short] if ref_epochs == short else train_and_test(
        *data[10], x_test, y_test, (ref_epochs,))[ref_epochs]
    report.compare(f"test accuracy after {ref_epochs} epoch(s), PyTorch vs pynet", book=ref, ours=ours,
                   agree=abs(ref - ours) <= 0.002, note="'book' = PyTorch, same arithmetic")


# %%
if __name__ == "__main__":
    main(run, TITLE)
