"""The lessons by book: one route per text, each lesson with the chapter, sections and listings it follows.

The lessons are numbered in blocks, one block per book, each block in its book's order: Rashid
01–05, the Nielsen course 06–11, the lecture notes 12–20, Chollet 21–45, and pynet's own speed
lesson (kernels and backends) last, 46. :data:`ROUTES` is that table; ``pynet list`` groups by it,
``pynet list --book chollet`` filters by it, and ``tutorials/README.md`` (the routes a reader
follows) and the README's lesson column are generated from it::

    python -m pynet.routes            # print the routes as Markdown
    python -m pynet.routes --write    # rewrite the generated parts of tutorials/README.md

References use each text's own numbering: Rashid's chapters (the book numbers no sections), the
Nielsen course write-up's § and equation numbers, the lecture notes' § numbers with their code
listings counted in order of appearance (C17 is the 17th listing), and Chollet's *Deep Learning
with Python* (1st edition) § and listing numbers.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Book:
    """One text, and the block of lesson numbers that follows it."""

    key: str        # "chollet": what `pynet list --book` takes
    title: str      # the heading of its route
    numbering: str  # how the references below count
    data: str       # where pynet's data differ from the text's (stand-ins)


@dataclass(frozen=True)
class Route:
    """One lesson on its book's route."""

    number: str     # "21": the file's prefix and the start of its TITLE
    stem: str       # "21_keras_mlp": tutorials/<stem>.py
    book: str       # a key of BOOKS
    chapter: int    # the chapter that places it in its book's order (non-decreasing in a block)
    refs: str       # the chapter, sections, equations and listings it follows
    idea: str       # what the lesson shows, in one sentence
    data: str       # its data, and the stand-in where they differ from the text's
    also: tuple = field(default=())  # (book, refs) of other texts it touches


BOOKS = {
    "rashid": Book(
        "rashid", "Rashid, *Make Your Own Neural Network*",
        "chapters (the book numbers no sections; ch. 2 builds the network in Python, ch. 3 is its "
        "'even more fun' projects)",
        "the book trains on MNIST's 60,000 images from CSV files; pynet ships the first 10,000 "
        "(same order), so accuracies run a little lower, and each lesson runs the book's own "
        "formulation on the same 10,000 images as its same-data reference"),
    "nielsen": Book(
        "nielsen", "The course project on Nielsen, *Neural Networks and Deep Learning*",
        "the course write-up's §1.1–§7, its equations (Eq. 1, 48, 54) and its results R1–R13",
        "the write-up trains on 60,000 MNIST images (its prose says 50,000); pynet ships 10,000, "
        "so its accuracies are shown for information and PyTorch on the same data is the check"),
    "lectures": Book(
        "lectures", "The lecture notes (neurons to Keras, LSTM and TensorFlow)",
        "the notes' §1–§18; their code listings counted in order of appearance, C1–C38",
        "MNIST listings use pynet's 10,000 images (the notes used 60,000); the IMDB listing runs "
        "on the fortunes two-class stand-in; the ten documents and the airline series are the "
        "notes' own"),
    "chollet": Book(
        "chollet", "Chollet, *Deep Learning with Python* (1st edition)",
        "the book's § numbers (chapter.section) and listing numbers",
        "no downloads here: IMDB and Reuters become fortune-mod quotations (pynet.datasets."
        "fortunes), Jena's weather NOAA hourly temperatures (Seattle, San Francisco), cats vs dogs "
        "two Fashion-MNIST classes, ImageNet's VGG16/19 and Inception a convnet pynet trains in "
        "seconds, Nietzsche the Jargon File, CIFAR-10 frogs one MNIST class; Boston housing is the "
        "book's own data. pynet.datasets can fetch IMDB, Reuters, Jena and GloVe when online "
        "(docs/datasets.md); the lessons run on the stand-ins"),
    "pynet": Book(
        "pynet", "pynet's own: kernels and backends",
        "no book; Chollet §2.3's naive loop is the starting point",
        "random matrices; speed is measured as ratios in bench/, not asserted"),
}

_MNIST10K = "MNIST: the first 10,000 of the 60,000 training images"

ROUTES = (
    # -- Rashid, Make Your Own Neural Network ----------------------------------------------------
    Route("01", "01_three_layer_network_mnist", "rashid", 2,
          "ch. 2: the network class (train, query), MNIST from CSV, 784-200-10, lr 0.1, 1 and 5 "
          "epochs",
          "The book's three-layer network trained one record at a time, beside the book's own NumPy "
          "formulation from the same weights.", _MNIST10K),
    Route("02", "02_own_handwriting", "rashid", 3,
          "ch. 3: your own handwriting (the book's damaged digits)",
          "A picture has to be prepared as MNIST's digits were before the network can read it.",
          "the book's photographed digits are generated, seeded, in the same damaged styles"),
    Route("03", "03_backquery", "rashid", 3,
          "ch. 3: inside the mind of a neural network (backquery, the logit)",
          "Running the trained network backwards turns each label into the image it looks for.",
          _MNIST10K),
    Route("04", "04_rotations", "rashid", 3,
          "ch. 3: creating new training data: rotations (±10 degrees, lr 0.1, one epoch)",
          "Rotated copies of the training images, and the angle at which they stop helping.",
          _MNIST10K),
    Route("05", "05_rashid_rotation_runs", "rashid", 3,
          "ch. 3: rotations with lr 0.01 for 5 and 10 epochs (0.9745, 0.9787; the ~98% ceiling)",
          "The book's longer runs with rotated copies, and PyTorch doing the same per-record "
          "arithmetic.", _MNIST10K),
    # -- the Nielsen course ---------------------------------------------------------------------
    Route("06", "06_perceptron_and_logic_gates", "nielsen", 1,
          "§1.2 perceptrons (Eq. 1), NAND universality, the adder",
          "A perceptron weighs evidence; copies of one NAND perceptron build every gate and an "
          "8-bit adder.", "truth tables: no data set needed"),
    Route("07", "07_network_quadratic_vs_cross_entropy", "nielsen", 4,
          "§3.2 the first MNIST results (quadratic cost, η = 3), §4.2 cross-entropy (η = 0.5), "
          "§7's top-5 listing",
          "Cross-entropy drops σ′(z) from the output error, so a confidently wrong neuron learns "
          "at once.", _MNIST10K),
    Route("08", "08_loop_vs_matrix_backprop", "nielsen", 4,
          "§3.1 backprop per example, §4.1 the mini-batch as one matrix",
          "The per-example loop and the matrix mini-batch give the same weights; only the speed "
          "differs.", _MNIST10K),
    Route("09", "09_overfitting_and_l2", "nielsen", 5,
          "§5.1 overfitting on 1,000 images, §5.2 L2 regularisation (Eq. 54, λ = 0.1, then λ = 5)",
          "A network that fits its 1,000 images perfectly, and what weight decay does to its test "
          "cost.", "1,000 images as in the text; the full run has 10,000 instead of 60,000"),
    Route("10", "10_weight_initialisation", "nielsen", 6,
          "§6.1 the trouble with N(0, 1), §6.2 weights N(0, 1/√n_in)",
          "Scaling the weights by 1/√n_in keeps z narrow, so fewer units start saturated.",
          _MNIST10K),
    Route("11", "11_nielsen_r11_r13", "nielsen", 7,
          "§5.2 results R11–R13 (100 hidden, 60 epochs, training-set size; Eq. 48), §7 the "
          "80/20 demonstration",
          "The course's last results: more hidden units, longer runs, and accuracy against the "
          "amount of data.", "MNIST: 10,000 images instead of 60,000; the §7 split becomes "
          "8,000 / 2,000"),
    # -- the lecture notes ----------------------------------------------------------------------
    Route("12", "12_formal_neuron_and_xor_network", "lectures", 5,
          "§1 the weight matrix and the XOR network, §5 the formal neuron",
          "A formal neuron subtracts its threshold; three hand-wired threshold neurons compute "
          "XOR, traced sum by sum.", "the notes' own weights and inputs"),
    Route("13", "13_widrow_hoff", "lectures", 7,
          "§7.2 the Widrow–Hoff (delta) rule, §7.3 the single-layer training algorithm",
          "The delta rule learns a linear map and a gate, and blows up when α is too large.",
          "a known linear map and the AND gate (the notes give no numbers)"),
    Route("14", "14_multilayer_xor", "lectures", 8,
          "§8.1 backpropagation, §8.2 the multilayer training algorithm (its missing error terms)",
          "The error terms the notes leave out, derived, checked by finite differences, and "
          "trained on XOR.", "the XOR truth table"),
    Route("15", "15_lecture_mlp_baseline", "lectures", 14,
          "§14.1 the MNIST MLP baseline (C17, error 1.86%), §18.8 the TensorFlow 784-300-10 (C38)",
          "The notes' two MNIST MLPs written with pynet's Keras-like API, beside PyTorch on the "
          "same data.", _MNIST10K),
    Route("16", "16_lecture_cnns", "lectures", 14,
          "§13.2 the CIFAR-10 CNN (C15, summary), §14.2–14.3 the simple and larger MNIST CNNs "
          "(C18, C19; channels_first)",
          "The notes' convnets in Theano's channel order, and two architectures checked by their "
          "parameter counts.", _MNIST10K + "; CIFAR-10 is summarised, not trained",
          also=(("chollet", "listing 5.5: the cats-vs-dogs convnet's summary"),)),
    Route("17", "17_word_embeddings", "lectures", 15,
          "§15.3 word embeddings on ten documents (C21)",
          "An Embedding learns a vector per hashed word and classifies ten two-word reviews.",
          "the notes' own ten documents"),
    Route("18", "18_airline_lstm", "lectures", 16,
          "§16.7 airline passengers with an LSTM (C23)",
          "An LSTM forecasts next month's passengers; then windows, time steps and a stateful "
          "LSTM.", "the notes' own series (airline passengers, 1949–1960)"),
    Route("19", "19_lstm_text_classification", "lectures", 17,
          "§17 sequence classification with an LSTM (C24)",
          "Embedding → LSTM → Dense reads whole texts, beside the same model in PyTorch.",
          "IMDB becomes the fortunes two-class stand-in (computers vs politics)",
          also=(("chollet", "§6.2: the LSTM on IMDB"),)),
    Route("20", "20_tensorflow_graphs", "lectures", 18,
          "§18 TensorFlow 1, listings C26–C38, up to the 784-300-10 MNIST net",
          "TensorFlow 1's graphs and sessions, listing by listing, on pynet's own engine.",
          _MNIST10K),
    # -- Chollet, Deep Learning with Python -----------------------------------------------------
    Route("21", "21_keras_mlp", "chollet", 2,
          "§2.1, listings 2.1–2.5: the first network",
          "Dense(512) → Dense(10) reads as in the book, 407,050 parameters, one step equal to "
          "PyTorch's.", _MNIST10K),
    Route("22", "22_scalar_autodiff", "chollet", 2,
          "§2.4: backpropagation as the chain rule",
          "An engine of scalar Values applies the chain rule backwards; a 2-3-1 net learns XOR.",
          "one neuron, then XOR's four points"),
    Route("23", "23_chain_rule_vs_backward", "chollet", 2,
          "§2.4: gradient descent and symbolic differentiation",
          "The autodiff engine's gradient of chapter 2's network equals Sequential's hand-written "
          "backward.", "MNIST: one batch of 128 images"),
    Route("24", "24_text_classification_dense", "chollet", 3,
          "§3.4 two-class (IMDB, listing 3.2's multi-hot), §3.5 many-class (Reuters)",
          "Dense stacks on multi-hot text: overfitting curves, the random baseline, the "
          "bottleneck.", "IMDB and Reuters become fortune-mod quotations (2 and 39 classes)"),
    Route("25", "25_boston_housing_kfold", "chollet", 3,
          "§3.6, listings 3.24–3.27: Boston housing, 4-fold validation",
          "K-fold validation of a small regression network, with features standardised on the "
          "training folds only.", "the book's own (Boston housing, 404 + 102 rows)"),
    Route("26", "26_capacity_and_regularization", "chollet", 4,
          "§4.4: smaller and bigger networks, L2, dropout (on text)",
          "When each network starts to overfit, and how L2 and dropout delay it.",
          "IMDB becomes the fortunes two-class stand-in"),
    Route("27", "27_overfitting_and_regularization", "chollet", 4,
          "§4.4: capacity, L2 and dropout, re-run on images",
          "The same three defences against overfitting, with curves, on image data.",
          "images instead of IMDB: Fashion-MNIST when installed, else MNIST's 10,000"),
    Route("28", "28_convnet_mnist", "chollet", 5,
          "§5.1, listings 5.1–5.3: the MNIST convnet",
          "Three 3×3 convolutions with pooling: every output shape and parameter count as in the "
          "book.", _MNIST10K),
    Route("29", "29_small_data_from_scratch", "chollet", 5,
          "§5.2, listings 5.5–5.13: a convnet from scratch on 2,000 images, then augmentation",
          "Small data overfits within a few epochs; augmentation and dropout push accuracy up.",
          "cats vs dogs becomes two Fashion-MNIST classes (T-shirt vs shirt)"),
    Route("30", "30_pretrained_base", "chollet", 5,
          "§5.3, listings 5.17–5.23: feature extraction, with augmentation, fine-tuning",
          "Reusing a convolutional base trained on a larger data set, three ways.",
          "ImageNet's VGG16 becomes a base trained on the other eight Fashion-MNIST classes"),
    Route("31", "31_inside_a_convnet", "chollet", 5,
          "§5.4: activations, filter patterns, Grad-CAM",
          "Looking inside lesson 28's convnet: activation maps, kernels, filter patterns, "
          "heatmaps.", "lesson 28's MNIST convnet instead of cats vs dogs and VGG16"),
    Route("32", "32_one_hot_and_tokenizer", "chollet", 6,
          "§6.1, listings 6.1–6.4: one-hot words and characters, hashing, the Tokenizer",
          "Text becomes numbers: one-hot encodings, the hashing trick, and the Tokenizer at scale.",
          "the book's two sentences, then fortune-mod quotations"),
    Route("33", "33_embeddings_and_glove", "chollet", 6,
          "§6.1, listings 6.5–6.18: Embedding from scratch and pretrained GloVe",
          "Word embeddings learned from scratch against pretrained GloVe vectors on little data.",
          "IMDB becomes the fortunes stand-in; GloVe when its file is present"),
    Route("34", "34_simplernn_vs_lstm", "chollet", 6,
          "§6.2, listings 6.21–6.27: the NumPy RNN, SimpleRNN, LSTM",
          "A recurrent layer as a NumPy loop, then SimpleRNN against LSTM with training curves.",
          "IMDB becomes the fortunes two-class stand-in"),
    Route("35", "35_temperature_baselines", "chollet", 6,
          "§6.3, listings 6.32–6.37: the common-sense baseline and a dense net; §6.4 listing "
          "6.47: a 1-D convnet",
          "Every forecasting model must beat 'tomorrow as warm as now'; a dense net and a 1-D "
          "convnet try.", "Jena becomes NOAA hourly temperatures (Seattle, San Francisco, 2010)"),
    Route("36", "36_temperature_recurrent", "chollet", 6,
          "§6.3, listings 6.39–6.44: GRU, recurrent dropout, stacking, reversed, bidirectional",
          "The book's recurrent forecasters on the same windows as lesson 35.",
          "Jena becomes NOAA hourly temperatures"),
    Route("37", "37_conv1d_text", "chollet", 6,
          "§6.4, listing 6.46: Conv1D over text",
          "A 1-D convnet's shape chain with the book's sizes, then trained on characters.",
          "IMDB becomes the fortunes two-class stand-in, read as characters"),
    Route("38", "38_conv1d_gru", "chollet", 6,
          "§6.4.4, listings 6.48–6.49: a Conv1D front-end for a GRU",
          "Convolutions shorten a long window so a GRU reads it faster.",
          "Jena becomes NOAA hourly temperatures"),
    Route("39", "39_functional_api", "chollet", 7,
          "§7.1, listings 7.1–7.5: the functional API, Inception and residual blocks, sharing",
          "Graphs of layers: several inputs and outputs, branches, residuals, a shared LSTM.",
          "the book's random data"),
    Route("40", "40_callbacks_batchnorm_separable", "chollet", 7,
          "§7.2 callbacks, §7.3 BatchNormalization and SeparableConv2D",
          "Callbacks steer a running fit; batch normalisation and separable convolutions "
          "compared.", "Fashion-MNIST (MNIST when absent); the book trains nothing here"),
    Route("41", "41_char_lstm_generation", "chollet", 8,
          "§8.1, listings 8.1–8.7: character-level LSTM, sampling with temperature",
          "A language model writes text one character at a time, hotter or colder.",
          "Nietzsche becomes the Jargon File (about the same size)"),
    Route("42", "42_deepdream", "chollet", 8,
          "§8.2, listings 8.8–8.13: DeepDream",
          "Gradient ascent on a photo makes chosen layers fire harder, octave by octave.",
          "Inception V3 becomes a convnet pynet trains on coloured digits"),
    Route("43", "43_style_transfer", "chollet", 8,
          "§8.3, listings 8.14–8.22: neural style transfer",
          "L-BFGS moves a photo's Gram matrices towards a painting's while keeping its content.",
          "VGG19 becomes lesson 42's convnet"),
    Route("44", "44_vae", "chollet", 8,
          "§8.4, listings 8.23–8.28: a variational autoencoder",
          "A 2-D latent space of digits, and the map the decoder draws from it.", _MNIST10K),
    Route("45", "45_gan", "chollet", 8,
          "§8.5, listings 8.29–8.32: a deep convolutional GAN",
          "A generator and a discriminator trained against each other with the book's tricks.",
          "CIFAR-10 frogs become one MNIST class"),
    # -- pynet's own ----------------------------------------------------------------------------
    Route("46", "46_kernels_and_backends", "pynet", 0,
          "pynet's kernels and backends (the textbook loop is Chollet §2.3's naive_matrix_dot)",
          "One matrix product as Python loops, NumPy and compiled BLAS: the same answer, "
          "different speed.", "random matrices"),
)


def by_book(book: str) -> list[Route]:
    """The routes of one book, in lesson order; ``ValueError`` naming the known books."""
    key = book.strip().lower()
    if key not in BOOKS:
        raise ValueError(f"unknown book {book!r}; the books are: {', '.join(BOOKS)}")
    return [route for route in ROUTES if route.book == key]


def find(stem: str) -> Route | None:
    """The route of the lesson ``stem`` (``"21_keras_mlp"``), or None for a lesson not in a route."""
    return next((route for route in ROUTES if route.stem == stem), None)


def number_ranges(numbers) -> str:
    """``["12", "13", "14", "17"]`` -> ``"12–14, 17"`` (consecutive numbers as a range)."""
    values = sorted(int(n) for n in numbers)
    parts, start = [], None
    for i, value in enumerate(values):
        if start is None:
            start = value
        if i + 1 == len(values) or values[i + 1] != value + 1:
            parts.append(f"{start:02d}" if start == value else f"{start:02d}–{value:02d}")
            start = None
    return ", ".join(parts)


def heading(book: str) -> str:
    """``"Chollet, *Deep Learning with Python* (1st edition) — lessons 21–45"``."""
    numbers = [route.number for route in by_book(book)]
    plural = "s" if len(numbers) > 1 else ""
    return f"{BOOKS[book].title} — lesson{plural} {number_ranges(numbers)}"


# -- tutorials/README.md ------------------------------------------------------------------------

BEGIN = "<!-- routes: generated by `python -m pynet.routes --write`; edit pynet/routes.py -->"
END = "<!-- routes: end -->"


def markdown() -> str:
    """The routes as Markdown: one section per book, a table of its lessons, then its stand-ins."""
    lines = ["## The routes", "", "| lessons | book | `pynet list --book` |", "|---|---|---|"]
    for book in BOOKS.values():
        numbers = number_ranges(r.number for r in by_book(book.key))
        lines.append(f"| {numbers} | {book.title} | `{book.key}` |")
    lines.append("")
    for book in BOOKS.values():
        routes = by_book(book.key)
        lines += [f"### {heading(book.key)}", "",
                  f"`pynet list --book {book.key}`. References: {book.numbering}.", "",
                  "| lesson | follows | what it shows | data |",
                  "|---|---|---|---|"]
        for r in routes:
            lines.append(f"| [{r.number}]({r.stem}.py) | {r.refs} | {r.idea} | {r.data} |")
        also = [(r, refs) for r in ROUTES if r.book != book.key
                for other, refs in r.also if other == book.key]
        if also:
            lines += ["", "Also on this route, from another block: " + "; ".join(
                f"lesson [{r.number}]({r.stem}.py) ({refs})" for r, refs in also) + "."]
        lines += ["", f"Where the data differ: {book.data}.", ""]
    return "\n".join(lines).rstrip() + "\n"


def replace_generated(text: str, generated: str) -> str:
    """``text`` with the part between :data:`BEGIN` and :data:`END` replaced by ``generated``."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if len(pattern.findall(text)) != 1:
        raise ValueError("expected one generated block between the routes markers "
                         f"{BEGIN!r} and {END!r}")
    return pattern.sub(lambda _: f"{BEGIN}\n\n{generated}\n{END}", text)


def _main(argv) -> int:
    readme = Path(__file__).resolve().parent.parent / "tutorials" / "README.md"
    if argv == ["--write"]:
        if not readme.is_file():
            print(f"no {readme}: --write needs a source checkout", file=sys.stderr)
            return 2
        text = replace_generated(readme.read_text(encoding="utf-8"), markdown())
        tmp = readme.with_suffix(".md.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(readme)
        print(f"wrote {readme}")
        return 0
    if argv:
        print("usage: python -m pynet.routes [--write]", file=sys.stderr)
        return 2
    sys.stdout.write(markdown())
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
