# %% [markdown]
# # 07 · Nielsen's network: quadratic vs cross-entropy cost
#
# The course project trains `Network([784, 30, 10])` with the quadratic cost and η = 3 (its first
# network, N(0, 1) weights), then switches to the cross-entropy cost with η = 0.5, and repeats both
# with 100 hidden units. Cross-entropy removes σ′(z) from the output error (δ^L = a − y), so an
# output that is confidently wrong still learns fast; the quadratic cost keeps σ′(z) ≈ 0 there.

# %%
"""Nielsen's network on MNIST: quadratic cost (η = 3) against cross-entropy (η = 0.5), 30 and 100 hidden.

Run it: ``pynet run 07 [--quick]``; as a notebook: ``pynet notebook 07``.
"""
from __future__ import annotations


import numpy as np

from pynet.inspect.images import output_dir
from pynet.lessons import Report, main, mnist_plan

TITLE = "07 · Nielsen's network: quadratic vs cross-entropy cost"
SEED = 8

#: The text's final test accuracies (60,000 training images, 30 epochs, mini-batch 10).
BOOK = {("QuadraticCost", 30): 0.9493, ("QuadraticCost", 100): 0.9661,
        ("CrossEntropyCost", 30): 0.9568, ("CrossEntropyCost", 100): 0.9714}


# %% [markdown]
# ## The data
#
# The text trained on 60,000 images (and says 50,000); pynet ships 10,000, so our accuracies are
# somewhat lower: they are shown beside the text's for information, not checked. What is checked:
# every run learns (well above chance).

# %%
def load(n_train, n_test):
    from pynet.datasets import mnist

    (x_train, y_train), (x_test, y_test) = mnist.load()
    return (mnist.nielsen_pairs(x_train[:n_train], y_train[:n_train], one_hot=True),
            mnist.nielsen_pairs(x_test[:n_test], y_test[:n_test], one_hot=False))


# %% [markdown]
# ## One neuron, confidently wrong (§4.2)
#
# Input 1, target 0, w = b = 2: the neuron starts at σ(4) ≈ 0.98. With the quadratic cost it
# barely moves for the first ~150 epochs; with cross-entropy it learns at once. That is checked.

# %%
def single_neuron(cost, epochs=300, eta=0.15):
    """Output of the one-weight neuron (x = 1, y = 0, w = b = 2) after each epoch."""
    from pynet.backprop.feedforward_network import Network

    net = Network([1, 1], cost=cost, seed=0)
    net.weights[0][...] = 2.0
    net.biases[0][...] = 2.0
    x, y = np.ones((1, 1)), np.zeros((1, 1))
    outputs = []
    for _ in range(epochs):
        net.update_mini_batch([(x, y)], eta)
        outputs.append(float(net.feedforward(x)[0, 0]))
    return outputs


# %% [markdown]
# ## Run the lesson
#
# The single neuron, then the four MNIST runs. The quadratic cost with N(0, 1) weights and 100
# hidden units is the slow one here: with 10,000 images it gets a sixth of the text's updates, and
# many of its saturated units have hardly started to learn. A fifth run gives the same network the
# N(0, 1/√n_in) weights of lesson 10, to show that the initialisation, not the code, holds it back.
#
# Quick mode uses 3,000 training and 1,000 test images and 5 epochs.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet import kernels
    from pynet.backprop.feedforward_network import CrossEntropyCost, Network, QuadraticCost

    report.section("One neuron, confidently wrong: input 1, target 0, w = b = 2, η = 0.15")
    quad = single_neuron(QuadraticCost)
    cross = single_neuron(CrossEntropyCost)
    report.compare("initial output σ(4)", book=0.98, ours=round(1 / (1 + np.exp(-4.0)), 2),
                   agree=round(1 / (1 + np.exp(-4.0)), 2) == 0.98)
    report.compare("quadratic: output after 150 epochs", book="barely moves", ours=quad[149],
                   agree=quad[149] > 0.85, note="σ′(z) ≈ 0 slows it")
    report.compare("cross-entropy: output after 150 epochs", book="learns fast", ours=cross[149],
                   agree=cross[149] < 0.1, note="δ = a − y, no σ′")
    report.check(quad[299] < quad[0], "the quadratic neuron does learn eventually")

    n_train, n_test, epochs = (3000, 1000, 5) if quick else (10000, 10000, 30)
    plan = mnist_plan(quick, quick_counts=(n_train, n_test), source="the text")
    n_train, n_test = plan.n_train, plan.n_test      # the text's 60,000 when downloaded
    training_data, test_data = load(n_train, n_test)
    report.section(f"MNIST: {n_train} training images (the text: 60,000), {n_test} test images, "
                   f"{epochs} epochs, mini-batch 10; kernels: {kernels.BACKEND}")
    runs = [(QuadraticCost, 30, 3.0, "large"), (CrossEntropyCost, 30, 0.5, "default"),
            (QuadraticCost, 100, 3.0, "large"), (CrossEntropyCost, 100, 0.5, "default")]
    results, nets = {}, {}
    for cost, hidden, eta, init in runs:
        net = Network([784, hidden, 10], cost=cost, seed=SEED, initializer=init)
        history = net.SGD(training_data, epochs, 10, eta, evaluation_data=test_data,
                          monitor_evaluation_accuracy=True, verbose=False)
        final = history.evaluation_accuracy[-1]
        report.compare(f"{cost.name}, [784,{hidden},10], η={eta:g}: test accuracy",
                       book=BOOK[(cost.name, hidden)], ours=final,
                       # on the text's data: within ±0.01 — its runs are unseeded (a few tenths
                       # of a percent apart) and its own text and logs differ by up to 1.1 points
                       # (checked on the headline run only)
                       agree=bool(abs(final - BOOK[(cost.name, hidden)]) <= 0.01)
                       if plan.book_data and cost is CrossEntropyCost and hidden == 30 else None,
                       tolerance=0.01, data=plan.data,
                       note=f"text: 60k images; ours {n_train}; best epoch "
                            f"{max(history.evaluation_accuracy):.4f}",
                       headline=(cost is CrossEntropyCost and hidden == 30),
                       kind="book" if plan.book_data and cost is CrossEntropyCost and hidden == 30
                       else "differs",
                       reason=f"{n_train:,} of the text's 60,000 training images (50,000 + "
                              "validation) and no same-data reference in this lesson")
        report.check(final > 0.3,
                     f"{cost.name} [784,{hidden},10] learns: well above chance (0.1), "
                     f"accuracy {final:.3f}")
        results[(cost.name, hidden)] = final
        nets[(cost.name, hidden)] = net
    net = Network([784, 100, 10], cost=QuadraticCost, seed=SEED, initializer="default")
    history = net.SGD(training_data, epochs, 10, 3.0, evaluation_data=test_data,
                      monitor_evaluation_accuracy=True, verbose=False)
    report.compare("QuadraticCost, [784,100,10], η=3, N(0,1/√n_in) init", book="-",
                   ours=history.evaluation_accuracy[-1], agree=None,
                   note="same run with the new weights (lesson 10)")
    report.check(history.evaluation_accuracy[-1] > results[("QuadraticCost", 100)],
                 "the new initialisation helps the quadratic [784,100,10] network")
    demonstrate(report, nets[("CrossEntropyCost", 30)], test_data)
    report.say("  The text's weights for the quadratic runs were N(0, 1) (its §3 network); the "
               "cross-entropy runs use the appendix's N(0, 1/√n_in). Same here.")


# %% [markdown]
# ## The text's §7 demonstration
#
# A top-5 listing ("1. Number: 7 | 0.98…") for one test image and the misclassified test digits
# (the text: 218 of 10,000), drawn as a grid saved to `$PYNET_OUTPUT` (or a temporary folder) when
# matplotlib is installed. `run` calls this at the end.

# %%
def demonstrate(report, net, test_data):
    """The text's §7 demonstration: a top-5 listing and the misclassified digits."""
    from pynet.backprop.nielsen_demo import format_top_k, misclassified, top_k
    from pynet.inspect.curves import matplotlib_available, plot_misclassified

    report.section("The text's demonstration (§7) with the cross-entropy [784, 30, 10] network")
    x, label = test_data[0]
    pairs = top_k(net, x, 5)
    for line in format_top_k(pairs).splitlines():
        report.say(f"  {line}")
    report.say(f"  Real number: {label}")
    wrong, predicted, actual = misclassified(net, test_data)
    report.compare("misclassified test images", book="218 of 10000", ours=f"{len(wrong)} of "
                   f"{len(test_data)}", agree=None, note="the text: 48,000 training images")
    report.check(len(wrong) == round((1 - net.accuracy(test_data)) * len(test_data)),
                 "the misclassified count matches the accuracy")
    if matplotlib_available() and len(wrong):
        import matplotlib.pyplot as plt

        images = np.stack([test_data[i][0] for i in wrong])
        path = output_dir() / "misclassified.png"
        plt.close(plot_misclassified(images, predicted, actual, path=path))
        report.say(f"  the first {min(100, len(wrong))} misclassified digits (P: predicted, "
                   f"R: real): {path}")


# %%
if __name__ == "__main__":
    main(run, TITLE)
