"""Bench: lessons 18–19 and 34's accuracy / RMSE against the same models in PyTorch, several seeds each side.

Run from the checkout::

    python -m bench.recurrent_lessons                  # 5 seeds each side, the lessons' full settings
    python -m bench.recurrent_lessons --seeds 3 --lessons 19,34
    python -m bench.recurrent_lessons --quick          # smoke run: 2 seeds, few epochs

Issue 10 asks that each recurrent lesson's number lie "within seed noise of the same model in
PyTorch on the same data". One seed each side cannot show that, and the full lessons are too slow
to train many seeds, so this script does it outside them, reusing each lesson's own data, model
and (where the lesson has one) PyTorch twin:

* **21** airline LSTM(4) → Dense(1), look_back=1, Adam, batch 1, 100 epochs: test RMSE in
  thousands of passengers (``tutorials/18_airline_lstm.py``: ``train_and_score``,
  ``torch_scores``);
* **22** Embedding(5000, 32) → LSTM(100) → Dense(1, sigmoid), Adam, 3 epochs of batch 64, maxlen
  100, on the fortunes two-class stand-in: test accuracy (``torch_accuracy`` of the lesson);
* **23** Embedding(10000, 32) → SimpleRNN(32) or LSTM(32) → Dense(1, sigmoid), RMSprop, 10 epochs
  of batch 128, validation_split=0.2: best validation accuracy (the lesson's number; the PyTorch
  twin is below: same layers, RMSprop with Keras's rho=0.9 and eps=1e-7, the last 20% held out as
  Keras does).

Two PyTorch columns: the PyTorch model started from **pynet's initial weights** for that seed
(copied in Keras's layout: ``weight_ih = kernelᵀ``, ``bias_hh = 0``), which isolates the training
arithmetic and leaves only the shuffle order and round-off to differ; and PyTorch with **its own
initialisers** (uniform ±1/√units, two random biases; the lessons' own PyTorch twins), which
trains a differently started model. "Within seed noise" means the two means differ by at most two
standard errors of their difference, 2·√(s₁²/n₁ + s₂²/n₂) — with 3–5 seeds a side a rough test,
as the table says.

Results: ``bench/results/recurrent_lessons.md`` (with ``--write-results``).
"""
from __future__ import annotations

import argparse
import math
import time

import numpy as np

from bench.harness import machine_description, parse_args, pin_threads, write_text

LESSONS = ("21", "22", "23")


def mean_std(values):
    a = np.asarray(values, dtype=float)
    return float(a.mean()), float(a.std(ddof=1)) if len(a) > 1 else 0.0


def within_noise(ours, theirs):
    """(difference of means, two standard errors of it, agree?)."""
    (m1, s1), (m2, s2) = mean_std(ours), mean_std(theirs)
    two_se = 2 * math.sqrt(s1 ** 2 / len(ours) + s2 ** 2 / len(theirs))
    return m1 - m2, two_se, abs(m1 - m2) <= two_se


# -- PyTorch modules holding pynet's initial weights --------------------------------------------

def torch_twin(torch, net):
    """(embedding or None, recurrent layer, linear head) holding ``net``'s current weights:
    Keras's layout transposed (``weight_ih = kernelᵀ``, ``weight_hh = recurrent_kernelᵀ``; the gate
    order i, f, c, o is PyTorch's i, f, g, o), ``bias_ih = bias`` and ``bias_hh = 0``."""
    from pynet.layers import LSTM, Dense, Embedding, SimpleRNN

    nn = torch.nn
    emb = rnn = head = None
    for layer in net.layers:
        w = [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in layer.get_weights()]
        if isinstance(layer, Embedding):
            emb = nn.Embedding(*w[0].shape)
            emb.weight.data.copy_(w[0])
        elif isinstance(layer, (LSTM, SimpleRNN)):
            cls = nn.LSTM if isinstance(layer, LSTM) else nn.RNN
            rnn = cls(w[0].shape[0], layer.units, batch_first=True)
            rnn.weight_ih_l0.data.copy_(w[0].T)
            rnn.weight_hh_l0.data.copy_(w[1].T)
            rnn.bias_ih_l0.data.copy_(w[2])
            rnn.bias_hh_l0.data.zero_()
        elif isinstance(layer, Dense):
            head = nn.Linear(*w[0].shape)
            head.weight.data.copy_(w[0].T)
            head.bias.data.copy_(w[1])
    return emb, rnn, head


def torch_defaults(torch, seed, vocab, dim, kind, units, features=None):
    """The same layers with PyTorch's own initialisers (the embedding uniform in ±0.05)."""
    nn = torch.nn
    torch.manual_seed(seed)
    emb = None
    if vocab:
        emb = nn.Embedding(vocab, dim)
        nn.init.uniform_(emb.weight, -0.05, 0.05)
    cls = nn.LSTM if kind == "LSTM" else nn.RNN
    rnn = cls(features or dim, units, batch_first=True)
    return emb, rnn, nn.Linear(units, 1)


def torch_train(torch, modules, x, y, *, epochs, batch, seed, loss, optimizer, evaluate):
    """Shuffled mini-batch training (order from ``default_rng(seed)``); ``evaluate(logits)`` is
    called after each epoch and the list of its results returned."""
    emb, rnn, head = modules
    parts = [m for m in modules if m is not None]
    params = [p for m in parts for p in m.parameters()]
    opt = optimizer(params)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y.reshape(len(y), -1))
    rng = np.random.default_rng(seed)

    def logits(inputs):
        return head(rnn(emb(inputs) if emb is not None else inputs)[0][:, -1])

    results = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for s in range(0, len(x), batch):
            idx = torch.from_numpy(order[s:s + batch])
            opt.zero_grad()
            loss(logits(xt[idx]), yt[idx]).backward()
            opt.step()
        with torch.no_grad():
            results.append(evaluate(logits))
    return results


def adam(torch):
    return lambda params: torch.optim.Adam(params, lr=1e-3, eps=1e-7)          # Keras's defaults


def rmsprop(torch):
    return lambda params: torch.optim.RMSprop(params, lr=1e-3, alpha=0.9, eps=1e-7)


def accuracy_of(torch, x, y):
    ids = torch.from_numpy(x)
    return lambda logits: 100 * float(((logits(ids).numpy().reshape(-1) > 0) == (y > 0.5)).mean())


# -- lesson 18: airline --------------------------------------------------------------------------

def lesson_21(torch, seeds, quick):
    from pynet import lessons
    from pynet.utils import set_seed

    lesson = lessons.load_lesson("18_airline_lstm")
    epochs = 10 if quick else 100
    data = lesson.prepare(1)
    tx = data["train_x"].reshape(-1, 1, 1).astype(np.float32)
    vx = torch.from_numpy(data["test_x"].reshape(-1, 1, 1).astype(np.float32))
    ours, copied, defaults = [], [], []
    for s in seeds:
        ours.append(lesson.train_and_score(data, "window", epochs, s)[1])
        set_seed(s)
        net = lesson.lstm_model(1, 1)                     # the model train_and_score starts from
        rmse = torch_train(
            torch, torch_twin(torch, net), tx, data["train_y"].astype(np.float32), epochs=epochs,
            batch=1, seed=s, loss=torch.nn.functional.mse_loss, optimizer=adam(torch),
            evaluate=lambda logits: lesson.rmse(data, logits(vx).numpy(), data["test_y"]))
        copied.append(rmse[-1])
        defaults.append(lesson.torch_scores(torch, data, epochs, s)[1])
    what = f"test RMSE (thousands of passengers), LSTM(4), look_back=1, {epochs} epochs of batch 1"
    return [(what, ours, copied, defaults, "{:.2f}")]


# -- lesson 19: LSTM text classification ----------------------------------------------------------

def lesson_22(torch, seeds, quick):
    from pynet import lessons
    from pynet.utils import clear_session, set_seed

    lesson = lessons.load_lesson("19_lstm_text_classification")
    maxlen, epochs = (40, 1) if quick else (100, 3)
    x, y, x_test, y_test, folder = lesson.load(maxlen)
    ids = x.astype(np.int64)
    ours, copied, defaults = [], [], []
    for s in seeds:
        clear_session()
        set_seed(s)
        net = lesson.model(maxlen)
        twin = torch_twin(torch, net)                     # before training: the initial weights
        net.fit(x, y, epochs=epochs, batch_size=64, verbose=0, seed=s)
        ours.append(100 * net.evaluate(x_test, y_test, verbose=0)[1])
        copied.append(torch_train(
            torch, twin, ids, y, epochs=epochs, batch=64, seed=s,
            loss=torch.nn.functional.binary_cross_entropy_with_logits, optimizer=adam(torch),
            evaluate=accuracy_of(torch, x_test.astype(np.int64), y_test))[-1])
        defaults.append(100 * lesson.torch_accuracy(torch, x, y, x_test, y_test, epochs, s))
    what = (f"test accuracy (%), Embedding → LSTM(100), {epochs} epochs, fortunes "
            f"({len(x)} train / {len(x_test)} test texts)")
    return [(what, ours, copied, defaults, "{:.2f}")]


# -- lesson 34: SimpleRNN vs LSTM ----------------------------------------------------------------

def lesson_23(torch, seeds, quick):
    from pynet import lessons
    from pynet.datasets import fortunes
    from pynet.preprocessing.sequence import pad_sequences
    from pynet.utils import clear_session, set_seed

    lesson = lessons.load_lesson("34_simplernn_vs_lstm")
    epochs, maxlen = (2, 40) if quick else (10, 100)
    (x, y), _ = fortunes.load_data("two_class", num_words=lesson.MAX_FEATURES)
    x = pad_sequences(x, maxlen=maxlen)
    y = y.astype(np.float32)
    split = len(x) - int(len(x) * 0.2)        # validation_split=0.2: the last 20%, as fit() cuts it
    train = (x[:split].astype(np.int64), y[:split])
    evaluate = accuracy_of(torch, x[split:].astype(np.int64), y[split:])
    rows = []
    for kind in ("SimpleRNN", "LSTM"):
        ours, copied, defaults = [], [], []
        for s in seeds:
            clear_session()
            set_seed(s)
            net = lesson.model(kind, maxlen)
            twin = torch_twin(torch, net)
            h = net.fit(x, y, epochs=epochs, batch_size=128, validation_split=0.2, verbose=0, seed=s)
            ours.append(100 * max(h.history["val_acc"]))
            for modules, out in ((twin, copied),
                                 (torch_defaults(torch, s, lesson.MAX_FEATURES, 32, kind, 32), defaults)):
                out.append(max(torch_train(torch, modules, *train, epochs=epochs, batch=128, seed=s,
                                           loss=torch.nn.functional.binary_cross_entropy_with_logits,
                                           optimizer=rmsprop(torch), evaluate=evaluate)))
        rows.append((f"best validation accuracy (%), Embedding → {kind}(32), {epochs} epochs, "
                     f"{split} train / {len(x) - split} validation texts", ours, copied, defaults,
                     "{:.2f}"))
    return rows


RUNNERS = {"21": lesson_21, "22": lesson_22, "23": lesson_23}


def table(lesson, rows, seeds):
    lines = [f"### Lesson {lesson}", "",
             "| quantity | pynet | PyTorch, pynet's initial weights | within seed noise | "
             "PyTorch, its own initialisers | within seed noise |",
             "|---|---|---|---|---|---|"]
    for what, ours, copied, defaults, fmt in rows:
        f = fmt.format
        cells = [f"{f(mean_std(v)[0])} ± {f(mean_std(v)[1])}" for v in (ours, copied, defaults)]
        verdicts = []
        for theirs in (copied, defaults):
            diff, two_se, agree = within_noise(ours, theirs)
            verdicts.append(f"{'yes' if agree else 'no'} (Δ {f(diff)}, 2·SE {f(two_se)})")
        lines.append(f"| {what} | {cells[0]} | {cells[1]} | {verdicts[0]} | {cells[2]} | "
                     f"{verdicts[1]} |")
    lines.append("")
    for what, ours, copied, defaults, fmt in rows:
        def listed(v):
            return ", ".join(fmt.format(a) for a in v)
        lines.append(f"- {what.split(',')[0]}, {what.split(',')[1].strip()}, seeds {list(seeds)}: "
                     f"pynet {listed(ours)}; PyTorch (pynet's weights) {listed(copied)}; "
                     f"PyTorch (own init) {listed(defaults)}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="seeds per side (1, 2, …, N)")
    parser.add_argument("--lessons", default=",".join(LESSONS),
                        help="comma-separated lesson numbers out of 21,22,23")
    parser.add_argument("--quick", action="store_true", help="2 seeds, few epochs: a smoke run")
    args = parse_args(parser, argv)
    wanted = [s.strip() for s in args.lessons.split(",") if s.strip()]
    bad = [w for w in wanted if w not in RUNNERS]
    if bad:
        parser.error(f"--lessons must be a subset of 21,22,23, got {args.lessons!r}")
    if args.seeds < 2 and not args.quick:
        parser.error(f"--seeds must be at least 2 (a spread needs two values), got {args.seeds}")
    try:
        import torch
    except ImportError:
        raise SystemExit("bench.recurrent_lessons needs PyTorch (the peer); it is not installed")
    pin_threads(1)
    torch.set_num_threads(1)
    seeds = range(1, (2 if args.quick else args.seeds) + 1)
    start = time.time()
    text = ["## Recurrent lessons against PyTorch, several seeds (issue 10)", "",
            f"Command: `python -m bench.recurrent_lessons"
            f"{' --quick' if args.quick else ''} --seeds {len(seeds)} --lessons {','.join(wanted)}`"
            f" · date {time.strftime('%Y-%m-%d')} · {machine_description()} · threads pinned to 1",
            "", "Seeds 1..N on both sides (pynet: `set_seed(s)` and `fit(seed=s)`; PyTorch: "
            "the weights pynet's model of seed s starts from, copied in Keras's layout, or "
            "`torch.manual_seed(s)` and PyTorch's own initialisers; a NumPy shuffle seeded with s). "
            "'Within seed noise': |difference of means| ≤ 2·SE = 2·√(s₁²/n + s₂²/n), a rough test "
            "with this few seeds. Values are mean ± sample std over the seeds.", ""]
    for lesson in wanted:
        t0 = time.time()
        rows = RUNNERS[lesson](torch, seeds, args.quick)
        text.append(table(lesson, rows, seeds))
        print(text[-1], f"({time.time() - t0:.0f} s)", flush=True)
        done = lesson == wanted[-1]
        tail = (f"- PyTorch {torch.__version__}; {time.time() - start:.0f} s"
                + ("" if done else f" so far (lessons after {lesson} still running)")
                + "; the machine was shared with other jobs (accuracy does not depend on it).")
        write_text("recurrent_lessons.md", "\n".join(text + [tail]) + "\n")   # after each lesson


if __name__ == "__main__":
    main()
