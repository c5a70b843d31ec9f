# %% [markdown]
# # 20 · TensorFlow 1 graphs and sessions (lectures C26–C38) on pynet's engine
#
# The lecture notes (§18, listings C26–C38) teach TensorFlow 1: build a dataflow graph of
# operations, then run parts of it in a session, feeding placeholders. `pynet.autodiff.graph`
# offers the same names (`constant`, `Variable`, `placeholder`, `Session`,
# `global_variables_initializer`, `GradientDescentOptimizer(lr).minimize`, `summary.FileWriter`)
# on pynet's own engine, so each listing reads as in the notes with
# `from pynet.autodiff import graph as tf`.

# %%
"""The lecture notes' TensorFlow chapter (C26–C38) in order, on pynet's graph engine: constants to a 784-300-10 MNIST net.

Run it: ``pynet run 20 [--quick]``; as a notebook: ``pynet notebook 20``.
"""
from __future__ import annotations

import time

import numpy as np

from pynet.lessons import Report, main

TITLE = "20 · TensorFlow 1 graphs and sessions (lectures C26–C38) on pynet's engine"
SEED = 33

BOOK_EPOCH_COSTS = [0.586, 0.213, 0.150, 0.113, 0.094, 0.073, 0.058, 0.045, 0.036, 0.027]
BOOK_TEST_ACCURACY = 0.9787
BOOK_REDUCTIONS = {   # x = [[1,2,3],[4,5,6],[7,8,9]] (int32): no axis, axis=1
    "reduce_sum": (45, [6, 15, 24]), "reduce_prod": (362880, [6, 120, 504]),
    "reduce_min": (1, [1, 4, 7]), "reduce_max": (9, [3, 6, 9]), "reduce_mean": (5, [2, 5, 8]),
    "reduce_all": (False, [False, False, False]), "reduce_any": (True, [True, True, True]),
}


# %% [markdown]
# ## C26–C37: constants, variables, placeholders, sessions
#
# Each listing prints what the notes print or, where they print nothing, the value the code
# computes (y = a·x + b = 3.0; 2.1 × 3.0 = 6.2999997 in float32; the reduction, segment and
# argmin/unique tables).

# %%
def c26_to_c29(report: Report, tf, pictures: bool) -> None:
    report.section("C26: constants and variables")
    tf.reset_default_graph()
    z = tf.constant(5.2, name="x", dtype=tf.float32)
    k = tf.Variable(tf.zeros([1]), name="k")
    a, b = tf.constant(2.0), tf.constant(3.0)
    frozen = tf.Variable(tf.add(a, b), trainable=False)
    report.say(f"  {z!r}\n  {k!r} trainable={k.trainable}\n  {frozen!r} trainable={frozen.trainable}")

    report.section("C27: y = a·x + b with x = −2, a = 5, b = 13 (float32)")
    tf.reset_default_graph()
    x, a, b = tf.constant(-2.0, name="x"), tf.constant(5.0, name="a"), tf.constant(13.0, name="b")
    y = tf.Variable(tf.add(tf.multiply(a, x), b), name="y")
    init = tf.global_variables_initializer()
    with tf.Session() as session:
        session.run(init)
        value = session.run(y)
    report.compare("session.run(y)", book="3.0 (derived)", ours=float(value), agree=bool(value == 3.0))

    report.section("C28: placeholders, fed at run time")
    tf.reset_default_graph()
    xp = tf.placeholder(tf.float32, name="x")
    yp = tf.placeholder(tf.float32, name="y")
    zp = tf.multiply(xp, yp, name="z")
    with tf.Session() as session:
        out = session.run(zp, feed_dict={xp: 2.1, yp: 3.0})
    report.compare("session.run(z, feed_dict={x: 2.1, y: 3.0})", book="6.2999997 (derived)",
                   ours=f"{out:.8g}", agree=bool(out == np.float32(6.2999997)),
                   note="float32: 2.1 is stored as 2.0999999")

    report.section("C29: TensorBoard — the C27 graph and a summary written as event files")
    from pynet.tensorboard import tensorboard_available
    if not tensorboard_available():
        report.say("  (the tensorboard package is not installed: `pip install tensorboard` to write "
                   "event files; the rest of the lesson does not need it)")
        return
    from pynet.inspect.images import output_dir
    logdir = output_dir() / "logs" / "c29"
    g = tf.Graph(name="c29")
    with g.as_default():
        x, a, b = tf.constant(-2.0, name="x"), tf.constant(5.0, name="a"), tf.constant(13.0, name="b")
        y = tf.add(tf.multiply(a, x), b, name="y")
        tf.summary.scalar("y", y)
        merged = tf.summary.merge_all()
    with tf.Session(g) as session:
        writer = tf.summary.FileWriter(str(logdir), session.graph)
        writer.add_summary(session.run(merged), 0)
        writer.close()
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(str(logdir))
    acc.Reload()
    names = [n.name for n in acc.Graph().node]
    report.say(f"  wrote {logdir}; `tensorboard --logdir {logdir.parent}` shows it (Graphs tab)")
    report.compare("graph nodes read back by TensorBoard's reader", book="x a mul b y …",
                   ours=" ".join(names[:5]), agree={"x", "a", "b", "y"} <= set(names))
    report.compare("summary 'y' read back", book=3.0, ours=acc.Scalars("y")[-1].value,
                   agree=acc.Scalars("y")[-1].value == 3.0)


def c30_to_c34(report: Report, tf) -> None:
    report.section("C30: a NumPy array and the same numbers as a tensor")
    tf.reset_default_graph()
    tensor_1d = np.array([1.45, -1, 0.2, 102.1])
    report.say(f"  {tensor_1d}  [0] = {tensor_1d[0]}  [2] = {tensor_1d[2]}  ndim {tensor_1d.ndim}  "
               f"shape {tensor_1d.shape}  dtype {tensor_1d.dtype}")
    tensor = tf.convert_to_tensor(tensor_1d, dtype=tf.float64)
    with tf.Session() as session:
        whole, first, second = session.run([tensor, tensor[0], tensor[1]])
    report.compare("session.run(tensor)", book="[1.45 -1. 0.2 102.1]", ours=str(whole),
                   agree=whole.tolist() == [1.45, -1.0, 0.2, 102.1] and whole.dtype == np.float64)
    report.compare("tensor[0], tensor[1]", book="1.45 -1.0", ours=f"{first} {second}",
                   agree=(first, second) == (1.45, -1.0))

    report.section("C31 and C34: matrix operations on random float32 matrices")
    rng = np.random.default_rng(SEED)
    m = [tf.constant(rng.random((4, 4)).astype(np.float32)) for _ in range(5)]
    ones = tf.constant(np.ones((4, 1), np.float32))
    fetched = {"matmul": tf.matmul(m[0], m[1]), "add": tf.add(m[1], m[2]),
               "transpose": tf.transpose(m[0]), "determinant": tf.matrix_determinant(m[2]),
               "inverse": tf.matrix_inverse(m[3]), "solve": tf.matrix_solve(m[4], ones)}
    with tf.Session() as session:
        got = session.run(fetched)
        M = session.run(m)
    expected = {"matmul": M[0] @ M[1], "add": M[1] + M[2], "transpose": M[0].T,
                "determinant": np.linalg.det(M[2]), "inverse": np.linalg.inv(M[3]),
                "solve": np.linalg.solve(M[4], np.ones((4, 1), np.float32))}
    for name in fetched:
        err = float(np.max(np.abs(got[name] - expected[name])) / max(1.0, np.max(np.abs(expected[name]))))
        report.check(err < 1e-4, f"{name} agrees with NumPy (relative error {err:.1e})")
    report.say(f"  det(m3) = {got['determinant']:.6f}; solve(m5, ones) = {got['solve'].ravel().round(4)}")

    report.section("C32–C33: the elementwise operations")
    xv = np.array([4.5, -2.0, 9.0], np.float32)
    yv = np.array([2.0, 3.0, 4.0], np.float32)
    xt, yt = tf.constant(xv), tf.constant(yv)
    table = [("add", tf.add(xt, yt), xv + yv), ("subtract", tf.subtract(xt, yt), xv - yv),
             ("multiply", tf.multiply(xt, yt), xv * yv), ("div", tf.div(xt, yt), xv / yv),
             ("mod", tf.mod(xt, yt), np.mod(xv, yv)), ("abs", tf.abs(xt), np.abs(xv)),
             ("negative", tf.negative(xt), -xv), ("sign", tf.sign(xt), np.sign(xv)),
             ("square", tf.square(xt), xv * xv), ("round", tf.round(xt), np.round(xv)),
             ("sqrt", tf.sqrt(yt), np.sqrt(yv)), ("pow", tf.pow(xt, yt), xv ** yv),
             ("exp", tf.exp(yt), np.exp(yv)), ("log", tf.log(yt), np.log(yv)),
             ("maximum", tf.maximum(xt, yt), np.maximum(xv, yv)),
             ("minimum", tf.minimum(xt, yt), np.minimum(xv, yv)),
             ("cos", tf.cos(xt), np.cos(xv)), ("sin", tf.sin(xt), np.sin(xv))]
    with tf.Session() as session:
        values = session.run([node for _, node, _ in table])
    report.say(f"  x = {xv}, y = {yv}")
    bad = []
    for (name, _, want), got_v in zip(table, values):
        report.say(f"    {name:<9} {np.array2string(got_v, precision=4)}")
        if not np.allclose(got_v, want, rtol=1e-6):
            bad.append(name)
    report.check(not bad, f"all 18 elementwise operations agree with NumPy{' (not: ' + ', '.join(bad) + ')' if bad else ''}")
    with tf.Session() as session:
        cosines = session.run(tf.cos(tf.constant(np.zeros(3))))
    report.compare("C33: cos([0, 0, 0])", book="[1. 1. 1.]", ours=str(cosines),
                   agree=cosines.tolist() == [1.0, 1.0, 1.0])


def c35_to_c37(report: Report, tf) -> None:
    report.section("C35: reductions of x = [[1,2,3],[4,5,6],[7,8,9]] (int32)")
    x = tf.constant(np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], np.int32))
    bool_tensor = tf.constant(np.array([[True, False, True], [False, False, True],
                                        [True, False, False]]))
    with tf.Session() as session:
        for name, (whole, rows) in BOOK_REDUCTIONS.items():
            t = bool_tensor if name in ("reduce_all", "reduce_any") else x
            fn = getattr(tf, name)
            ours = session.run([fn(t), fn(t, axis=1)])
            ok = ours[0].item() == whole and ours[1].tolist() == rows
            report.compare(f"{name}: no axis | axis=1", book=f"{whole} | {rows}",
                           ours=f"{ours[0].item()} | {ours[1].tolist()}", agree=ok)

    report.section("C36: segment_sum with segment ids [0, 0, 1, 2, 2]")
    ids = [0, 0, 1, 2, 2]
    tens1 = tf.constant(np.array([(2, 5, 3, -5), (0, 3, -2, 5), (4, 3, 5, 3), (6, 1, 4, 0),
                                  (6, 1, 4, 0)], np.int32))
    tens2 = tf.constant(np.array([1, 2, 3, 4, 5], np.int32))
    with tf.Session() as session:
        s1, s2 = session.run([tf.segment_sum(tens1, ids), tf.segment_sum(tens2, ids)])
    report.compare("segment_sum(tens1)", book="[[2 8 1 0] [4 3 5 3] [12 2 8 0]]",
                   ours=str(s1.tolist()), agree=s1.tolist() == [[2, 8, 1, 0], [4, 3, 5, 3], [12, 2, 8, 0]],
                   note="(2+0, 5+3, 3−2, −5+5)")
    report.compare("segment_sum(tens2)", book="[3 3 9]", ours=str(s2.tolist()),
                   agree=s2.tolist() == [3, 3, 9])

    report.section("C37: argmin, argmax, unique, setdiff1d")
    x = tf.constant(np.array([[2, 2, 1, 3], [4, 5, 6, -1], [0, 1, 1, -2], [6, 2, 3, 0]], np.int32))
    y = tf.constant(np.array([1, 2, 5, 3, 7], np.float32))
    z = tf.constant(np.array([1, 0, 4, 6, 2], np.float32))
    values, idx = tf.unique(y)
    diff, diff_idx = tf.setdiff1d(y, z)
    with tf.Session() as session:
        amin, amax, uv, ui, dv, di = session.run([tf.argmin(x, 1), tf.argmax(x, 1), values, idx,
                                                  diff, diff_idx])
    report.compare("argmin(x, 1)", book="[2 3 3 3]", ours=str(amin.tolist()), agree=amin.tolist() == [2, 3, 3, 3])
    report.compare("argmax(x, 1)", book="[3 2 1 0]", ours=str(amax.tolist()), agree=amax.tolist() == [3, 2, 1, 0])
    report.compare("unique(y): values, idx", book="[1 2 5 3 7] [0 1 2 3 4]",
                   ours=f"{uv.tolist()} {ui.tolist()}",
                   agree=uv.tolist() == [1, 2, 5, 3, 7] and ui.tolist() == [0, 1, 2, 3, 4])
    report.compare("setdiff1d(y, z): values, idx", book="[5 3 7] [2 3 4]",
                   ours=f"{dv.tolist()} {di.tolist()}",
                   agree=dv.tolist() == [5, 3, 7] and di.tolist() == [2, 3, 4])


# %% [markdown]
# ## C38: the three-layer network
#
# 784-300-10, ReLU, softmax, clipped cross-entropy, gradient descent η = 0.5, batch 100, 10
# epochs, built line by line in a graph of its own.

# %%
def build_c38(tf, learning_rate=0.5):
    """The notes' three-layer network, line by line (C38), in a graph of its own."""
    graph = tf.Graph(name="c38", seed=SEED)
    with graph.as_default():
        x = tf.placeholder(tf.float32, [None, 784], name="x")
        y = tf.placeholder(tf.float32, [None, 10], name="y")
        W1 = tf.Variable(tf.random_normal([784, 300], stddev=0.03), name="W1")
        b1 = tf.Variable(tf.random_normal([300]), name="b1")
        W2 = tf.Variable(tf.random_normal([300, 10], stddev=0.03), name="W2")
        b2 = tf.Variable(tf.random_normal([10]), name="b2")
        hidden_out = tf.nn.relu(tf.add(tf.matmul(x, W1), b1))
        y_ = tf.nn.softmax(tf.add(tf.matmul(hidden_out, W2), b2))
        y_clipped = tf.clip_by_value(y_, 1e-10, 0.9999999)
        cross_entropy = -tf.reduce_mean(tf.reduce_sum(
            y * tf.log(y_clipped) + (1 - y) * tf.log(1 - y_clipped), axis=1))
        optimiser = tf.train.GradientDescentOptimizer(learning_rate=learning_rate).minimize(
            cross_entropy)
        init_op = tf.global_variables_initializer()
        correct_prediction = tf.equal(tf.argmax(y, 1), tf.argmax(y_, 1))
        accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
        tf.summary.scalar("accuracy", accuracy)
        merged = tf.summary.merge_all()
    return dict(graph=graph, x=x, y=y, W=[W1, b1, W2, b2], optimiser=optimiser,
                cross_entropy=cross_entropy, init_op=init_op, accuracy=accuracy, merged=merged)


def load_mnist(n_train, n_test):
    from pynet.datasets import mnist
    (xs, ys), (xt, yt) = mnist.load()
    prep = lambda a, n: a[:n].reshape(n, 784).astype(np.float32) / np.float32(255)  # noqa: E731
    onehot = lambda labels, n: np.eye(10, dtype=np.float32)[labels[:n]]             # noqa: E731
    return prep(xs, n_train), onehot(ys, n_train), prep(xt, n_test), onehot(yt, n_test)


# %% [markdown]
# ## One step against PyTorch
#
# What must agree: one training step from the same weights and batch (when PyTorch is installed).

# %%
def torch_step(torch, weights, xb, yb, learning_rate):
    """The same loss and step in PyTorch autograd: (loss, weights after the step)."""
    W1, b1, W2, b2 = (torch.tensor(w, requires_grad=True) for w in weights)
    x, y = torch.from_numpy(xb), torch.from_numpy(yb)
    p = torch.softmax(torch.relu(x @ W1 + b1) @ W2 + b2, dim=1).clamp(1e-10, 0.9999999)
    loss = -torch.mean(torch.sum(y * torch.log(p) + (1 - y) * torch.log(1 - p), dim=1))
    loss.backward()
    with torch.no_grad():
        return float(loss), [(w - learning_rate * w.grad).numpy() for w in (W1, b1, W2, b2)]


# %% [markdown]
# ## Training C38
#
# The notes trained on 55,000 images (550 steps per epoch); pynet ships the first 10,000 MNIST
# training images (100 steps per epoch), so our costs fall more slowly per epoch and the accuracy
# lands lower: the epoch costs are shown side by side, not required to agree.

# %%
def c38(report: Report, tf, quick: bool) -> None:
    n_train, n_test, epochs = (5000, 2000, 2) if quick else (10000, 10000, 10)
    batch_size, learning_rate = 100, 0.5
    report.section(f"C38: the three-layer MNIST network, {epochs} epochs of {n_train} images, "
                   f"batch {batch_size}, η = {learning_rate}")
    report.say(f"  training images: {n_train} (the notes: 55,000); test images: {n_test}")
    x_train, y_train, x_test, y_test = load_mnist(n_train, n_test)
    net = build_c38(tf, learning_rate)
    x, y = net["x"], net["y"]
    total_batch = n_train // batch_size
    rng = np.random.default_rng(SEED)

    with tf.Session(net["graph"]) as sess:
        sess.run(net["init_op"])
        try:
            import torch
        except ImportError:
            torch = None
        if torch is not None:
            start = sess.run(net["W"])
            xb, yb = x_train[:batch_size], y_train[:batch_size]
            t_loss, t_after = torch_step(torch, start, xb, yb, learning_rate)
            probe = tf.Session(net["graph"])
            probe.values = {v: w.copy() for v, w in zip(net["W"], start)}
            _, loss = probe.run([net["optimiser"], net["cross_entropy"]], {x: xb, y: yb})
            after = probe.run(net["W"])
            diff = max(float(np.max(np.abs(a - b))) for a, b in zip(after, t_after))
            report.compare("loss of the first batch, PyTorch vs graph", book=t_loss, ours=float(loss),
                           agree=abs(t_loss - float(loss)) <= 1e-5 * max(1.0, t_loss),
                           note="'book' = PyTorch autograd, same weights and batch")
            report.compare("max |weight difference| after that step", book=0.0, ours=diff,
                           agree=diff <= 1e-5, note="float32")
        writer = None
        from pynet.tensorboard import tensorboard_available
        if tensorboard_available():
            from pynet.inspect.images import output_dir
            writer = tf.summary.FileWriter(str(output_dir() / "logs" / "c38"))
        costs = []
        t0 = time.perf_counter()
        for epoch in range(epochs):
            avg_cost = 0.0
            order = rng.permutation(n_train)
            for i in range(total_batch):
                idx = order[i * batch_size:(i + 1) * batch_size]
                _, c = sess.run([net["optimiser"], net["cross_entropy"]],
                                feed_dict={x: x_train[idx], y: y_train[idx]})
                avg_cost += c / total_batch
            costs.append(float(avg_cost))
            book = BOOK_EPOCH_COSTS[epoch] if epoch < len(BOOK_EPOCH_COSTS) else float("nan")
            report.say(f"  Epoch: {epoch + 1} cost = {avg_cost:.3f}   (the notes: {book:.3f})")
            if writer is not None:
                writer.add_summary(sess.run(net["merged"], {x: x_test, y: y_test}), epoch)
        seconds = time.perf_counter() - t0
        report.say(f"  Training complete! ({seconds:.1f} s, {seconds / epochs:.2f} s per epoch of "
                   f"{total_batch} steps)")
        if writer is not None:
            writer.add_graph(net["graph"])
            writer.close()
        acc = float(sess.run(net["accuracy"], {x: x_test, y: y_test}))
    report.compare("epoch 1 cost", book=BOOK_EPOCH_COSTS[0], ours=costs[0], agree=None,
                   note="550 steps per epoch in the notes, 100 here" if not quick else "quick run")
    report.compare(f"epoch {epochs} cost", book=BOOK_EPOCH_COSTS[epochs - 1], ours=costs[-1],
                   agree=None, note="55,000 vs 10,000 training images")
    report.compare("test accuracy", book=BOOK_TEST_ACCURACY, ours=acc, agree=None, headline=True,
                   note=f"we train on {n_train} images, the notes on 55,000", kind="differs",
                   reason=f"{n_train:,} of the notes' 55,000 training images; PyTorch checks "
                          "one step on the same data, not the accuracy")
    floor = 0.80 if quick else 0.95
    report.check(acc > floor, f"test accuracy above {floor}")
    report.check(all(b < a for a, b in zip(costs, costs[1:])), "the cost falls every epoch")


# %% [markdown]
# ## Run the lesson
#
# The listings in order. Quick mode trains on 5,000 images for 2 epochs and tests on 2,000.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.autodiff import graph as tf
    c26_to_c29(report, tf, pictures=not quick)
    c30_to_c34(report, tf)
    c35_to_c37(report, tf)
    c38(report, tf, quick)


# %%
if __name__ == "__main__":
    main(run, TITLE)
