# %% [markdown]
# # 39 · Chollet §7.1: the functional API — several inputs, outputs, branches, sharing
#
# *Deep Learning with Python* §7.1 calls layers like functions on tensors: `y = Dense(32)(x)`. A
# `Model(inputs, outputs)` then holds every layer on the way from the inputs to the outputs, which a
# `Sequential` stack cannot express: several inputs, several outputs, branches that meet again,
# layers used twice.

# %%
"""Chollet §7.1: the functional API — graphs of layers instead of a stack.

The book's graphs built with pynet's functional API, checked shape by shape and count by count.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "39 · Chollet §7.1: the functional API — several inputs, outputs, branches, sharing"
SEED = 18

BOOK_MLP_PARAMS = [2_080, 1_056, 330]      # 64·32+32, 32·32+32, 32·10+10
BOOK_MLP_TOTAL = 3_466


# %% [markdown]
# ## One network, built both ways (§7.1.1)
#
# The book's three-layer network as a `Sequential` stack and as a functional graph: the same
# parameter counts (2,080 / 1,056 / 330, 3,466 in all), the same outputs from the same weights, the
# same training on the book's random data. A `Model` whose output is unrelated to its input is
# refused ("graph disconnected").

# %%
def mlp_sequential():
    from pynet.layers import Dense
    from pynet.models import Sequential
    return Sequential([Dense(32, activation="relu", input_shape=(64,)),
                       Dense(32, activation="relu"),
                       Dense(10, activation="softmax")])


def mlp_functional():
    from pynet.layers import Dense
    from pynet.models import Input, Model
    input_tensor = Input(shape=(64,))
    x = Dense(32, activation="relu")(input_tensor)
    x = Dense(32, activation="relu")(x)
    output_tensor = Dense(10, activation="softmax")(x)
    return Model(input_tensor, output_tensor)


# %% [markdown]
# ## Two inputs: question answering (listings 7.1–7.2)
#
# Embedding → LSTM for the text and for the question, the two codes concatenated, a 500-way softmax.
# The model trains on the book's random data given as a list of arrays and as a dict keyed by the
# inputs' names.

# %%
def question_answering(text_vocab=10000, question_vocab=10000, answer_vocab=500):
    """Listing 7.1 (sequences of any length: ``shape=(None,)``)."""
    from pynet.layers import LSTM, Dense, Embedding, concatenate
    from pynet.models import Input, Model
    text_input = Input(shape=(None,), dtype="int32", name="text")
    embedded_text = Embedding(text_vocab, 64)(text_input)
    encoded_text = LSTM(32)(embedded_text)
    question_input = Input(shape=(None,), dtype="int32", name="question")
    embedded_question = Embedding(question_vocab, 32)(question_input)
    encoded_question = LSTM(16)(embedded_question)
    concatenated = concatenate([encoded_text, encoded_question], axis=-1)
    answer = Dense(answer_vocab, activation="softmax")(concatenated)
    return Model([text_input, question_input], answer)


# %% [markdown]
# ## Three outputs: age, income, gender (listings 7.3–7.5)
#
# One convnet over a person's posts with three heads: a regression (age), a 10-way softmax (income
# group) and a sigmoid (gender), trained with a loss and a weight per output; the logs carry Keras's
# names (`age_loss`, `income_acc`, …). The book prints `Embedding(256, vocabulary_size)` with its
# arguments swapped (an erratum); pynet's Conv1D needs a length, so posts are 500 ids.

# %%
def social_media(vocabulary_size=50000, embed=256, num_income_groups=10, length=500):
    """Listing 7.3, with Embedding's arguments in the documented order (input_dim, output_dim):
    the book prints ``Embedding(256, vocabulary_size)``, swapped (an erratum). The book's posts
    have any length (``shape=(None,)``); pynet's Conv1D needs a length, so posts are 500 ids."""
    from pynet.layers import (Conv1D, Dense, Embedding, GlobalMaxPooling1D, MaxPooling1D)
    from pynet.models import Input, Model
    posts_input = Input(shape=(length,), dtype="int32", name="posts")
    x = Embedding(vocabulary_size, embed)(posts_input)
    x = Conv1D(128, 5, activation="relu")(x)
    x = MaxPooling1D(5)(x)
    x = Conv1D(256, 5, activation="relu")(x)
    x = Conv1D(256, 5, activation="relu")(x)
    x = MaxPooling1D(5)(x)
    x = Conv1D(256, 5, activation="relu")(x)
    x = Conv1D(256, 5, activation="relu")(x)
    x = GlobalMaxPooling1D()(x)
    x = Dense(128, activation="relu")(x)
    age = Dense(1, name="age")(x)
    income = Dense(num_income_groups, activation="softmax", name="income")(x)
    gender = Dense(1, activation="sigmoid", name="gender")(x)
    return Model(posts_input, [age, income, gender])


# %% [markdown]
# ## Branches that meet again: Inception and residual blocks (§7.1.4–7.1.5)
#
# An Inception module runs four branches side by side and concatenates them; their outputs only line
# up with `padding='same'` (an erratum: the book leaves the padding out). A residual block adds its
# input to its output: as it is when the shapes match (identity), through a 1×1 convolution when
# they do not (projection).

# %%
def inception_module(x, padding):
    """The §7.1.4 module: four branches, all ending with stride 2, concatenated."""
    from pynet.layers import AveragePooling2D, Conv2D, concatenate
    branch_a = Conv2D(128, 1, activation="relu", strides=2, padding=padding)(x)
    branch_b = Conv2D(128, 1, activation="relu")(x)
    branch_b = Conv2D(128, 3, activation="relu", strides=2, padding=padding)(branch_b)
    branch_c = AveragePooling2D(3, strides=2, padding=padding)(x)
    branch_c = Conv2D(128, 3, activation="relu", padding=padding)(branch_c)
    branch_d = Conv2D(128, 1, activation="relu")(x)
    branch_d = Conv2D(128, 3, activation="relu", padding=padding)(branch_d)
    branch_d = Conv2D(128, 3, activation="relu", strides=2, padding=padding)(branch_d)
    return concatenate([branch_a, branch_b, branch_c, branch_d], axis=-1)


def residual_blocks(x):
    """§7.1.5: an identity residual (shapes equal) and a projection residual (1×1 conv)."""
    from pynet.layers import Conv2D, MaxPooling2D, add
    y = Conv2D(128, 3, activation="relu", padding="same")(x)
    y = Conv2D(128, 3, activation="relu", padding="same")(y)
    y = Conv2D(128, 3, activation="relu", padding="same")(y)
    identity = add([y, x])
    y = Conv2D(128, 3, activation="relu", padding="same")(identity)
    y = Conv2D(128, 3, activation="relu", padding="same")(y)
    y = MaxPooling2D(2, strides=2)(y)
    residual = Conv2D(128, 1, strides=2, padding="same")(identity)
    return identity, add([y, residual])


# %% [markdown]
# ## Run the lesson
#
# `run` builds each graph and prints its summary, shapes and parameter counts beside the book's,
# trains the multi-input and multi-output models on random data, and ends with layer sharing: a
# siamese LSTM reads two sentences with one set of weights.
#
# `--quick` trains on fewer, shorter random samples for fewer epochs.

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.models import GraphError, Input, Model
    from pynet.utils import clear_session, set_seed

    clear_session()
    rng = np.random.default_rng(SEED)

    report.section("§7.1.1 The same network as a Sequential stack and as a graph")
    set_seed(SEED)
    seq, fun = mlp_sequential(), mlp_functional()
    fun.set_weights(seq.get_weights())
    report.say(fun.summary(print_fn=lambda s: None))
    counts = [l.count_params() for l in fun.layers[1:]]
    report.compare("parameters per layer", book=str(BOOK_MLP_PARAMS), ours=str(counts),
                   agree=counts == BOOK_MLP_PARAMS)
    report.compare("parameters in all", book=BOOK_MLP_TOTAL, ours=fun.count_params(),
                   agree=fun.count_params() == seq.count_params() == BOOK_MLP_TOTAL, headline=True,
                   kind="book", tolerance="exactly", data="the book's layer sizes")
    n = 200 if quick else 1000
    x_train, y_train = rng.random((n, 64)).astype("float32"), rng.random((n, 10)).astype("float32")
    same = float(np.max(np.abs(seq.predict(x_train) - fun.predict(x_train))))
    report.compare("max |Sequential − functional| output, same weights", book=0.0, ours=same,
                   agree=same == 0.0)
    epochs = 2 if quick else 10
    for model in (seq, fun):
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    h_seq = seq.fit(x_train, y_train, epochs=epochs, batch_size=128, verbose=0, seed=SEED)
    h_fun = fun.fit(x_train, y_train, epochs=epochs, batch_size=128, verbose=0, seed=SEED)
    gap = max(abs(a - b) for a, b in zip(h_seq.history["loss"], h_fun.history["loss"]))
    report.compare("largest gap in per-epoch loss over fit()", book=0.0, ours=gap,
                   agree=gap <= 1e-6, note=f"{epochs} epochs, batch 128, random data as in the book")
    report.say(f"  evaluate: Sequential {seq.evaluate(x_train, y_train, verbose=0):.4f}, "
               f"functional {fun.evaluate(x_train, y_train, verbose=0):.4f}")
    unrelated = Input(shape=(32,))
    try:
        Model(unrelated, fun.output)
        refused = None
    except GraphError as exc:
        refused = str(exc)
    report.say(f"  an output unrelated to the input is refused: {refused}")
    report.check(refused is not None and "disconnected" in refused,
                 "Model(unrelated_input, output) is refused as disconnected")

    report.section("Listing 7.1: a two-input question-answering model")
    clear_session()
    qa = question_answering()
    report.say(qa.summary(print_fn=lambda s: None))
    expected = (10000 * 64 + 4 * (32 * (64 + 32) + 32) + 10000 * 32 + 4 * (16 * (32 + 16) + 16)
                + (32 + 16) * 500 + 500)
    report.compare("parameters (Embedding 640,000 + LSTM 12,416 + Embedding 320,000 + LSTM 3,136 "
                   "+ Dense 24,500)", book=expected, ours=qa.count_params(),
                   agree=qa.count_params() == expected, note="LSTM: 4·(units·(inputs+units)+units)")
    qa.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])
    samples, length = (64, 12) if quick else (1000, 100)
    text = rng.integers(1, 10000, size=(samples, length))
    question = rng.integers(1, 10000, size=(samples, length))
    answers = np.eye(500, dtype="float32")[rng.integers(0, 500, samples)]
    h_list = qa.fit([text, question], answers, epochs=1, batch_size=128, verbose=0, seed=SEED)
    h_dict = qa.fit({"text": text, "question": question}, answers, epochs=1, batch_size=128,
                    verbose=0, seed=SEED)
    report.say(f"  fit on a list: loss {h_list.history['loss'][0]:.4f}; on a dict by input name: "
               f"loss {h_dict.history['loss'][0]:.4f} ({samples} random samples of {length} ids; "
               f"the book: 1,000 of 100)")
    report.check(np.isfinite(h_dict.history["loss"][0]), "the QA model trains from a dict of inputs")

    report.section("Listings 7.3–7.6: one input, three outputs (age, income, gender)")
    clear_session()
    big = social_media()
    report.say("  (posts of 500 word ids; the book leaves the length open with shape=(None,))")
    report.say(big.summary(print_fn=lambda s: None))
    report.compare("Embedding(50000, 256) parameters", book=50000 * 256,
                   ours=big.get_layer("embedding_1").count_params(),
                   agree=big.get_layer("embedding_1").count_params() == 50000 * 256,
                   note="the book prints Embedding(256, 50000): arguments swapped (erratum)")
    clear_session()
    small = social_media(vocabulary_size=1000, embed=32)   # the same graph, small enough to train here
    small.compile(optimizer="rmsprop",
                  loss={"age": "mse", "income": "categorical_crossentropy",
                        "gender": "binary_crossentropy"},
                  loss_weights={"age": 0.25, "income": 1.0, "gender": 10.0},
                  metrics={"income": ["acc"], "gender": ["acc"]})
    m = 64 if quick else 256
    posts = rng.integers(1, 1000, size=(m, 500))
    targets = {"age": rng.uniform(18, 70, (m, 1)).astype("float32"),
               "income": np.eye(10, dtype="float32")[rng.integers(0, 10, m)],
               "gender": rng.integers(0, 2, (m, 1)).astype("float32")}
    history = small.fit(posts, targets, epochs=1, batch_size=64, verbose=0, seed=SEED)
    names = sorted(history.history)
    report.say("  logged: " + ", ".join(f"{k} {history.history[k][0]:.3f}" for k in names))
    wanted = {"loss", "age_loss", "income_loss", "gender_loss", "income_acc", "gender_acc"}
    report.compare("History keys", book=", ".join(sorted(wanted)), ours=", ".join(names),
                   agree=set(names) == wanted, note="Keras's names for several outputs")
    h = history.history
    total = 0.25 * h["age_loss"][0] + h["income_loss"][0] + 10 * h["gender_loss"][0]
    report.compare("loss = 0.25·age + 1·income + 10·gender (epoch means)", book=round(total, 4),
                   ours=round(h["loss"][0], 4), agree=abs(total - h["loss"][0]) <= 1e-6 * max(1, total))

    report.section("§7.1.4 The Inception module, and an erratum")
    clear_session()
    x = Input(shape=(32, 32, 64))
    try:
        inception_module(x, padding="valid")
        problem = None
    except ValueError as exc:
        problem = str(exc)
    report.say(f"  as printed (valid padding): {problem}")
    report.check(problem is not None, "with the book's valid padding the branches differ in size "
                 "and concatenate refuses, naming the shapes")
    out = inception_module(x, padding="same")
    inception = Model(x, out)
    report.compare("Inception output shape on a 32×32×64 input", book="(None, 16, 16, 512)",
                   ours=str(out.shape), agree=out.shape == (None, 16, 16, 512),
                   note="four branches of 128 channels, all with stride 2 and padding='same'")
    report.say(f"  {inception.count_params():,} parameters in {len(inception.layers) - 1} layers")

    report.section("§7.1.5 Residual connections: identity and projection")
    clear_session()
    x = Input(shape=(16, 16, 128))
    identity, projected = residual_blocks(x)
    blocks = Model(x, projected)
    report.compare("identity block output", book="(None, 16, 16, 128)", ours=str(identity.shape),
                   agree=identity.shape == (None, 16, 16, 128))
    report.compare("projection block output (1×1 conv, stride 2, on the shortcut)",
                   book="(None, 8, 8, 128)", ours=str(projected.shape),
                   agree=projected.shape == (None, 8, 8, 128))
    sample = rng.random((2, 16, 16, 128)).astype("float32")
    report.check(np.isfinite(blocks.predict(sample)).all(), "the residual graph runs")

    report.section("§7.1.6 Layer sharing: a siamese LSTM")
    clear_session()
    from pynet.layers import LSTM, Dense, concatenate
    lstm = LSTM(32)
    left, right = Input(shape=(None, 128)), Input(shape=(None, 128))
    merged = concatenate([lstm(left), lstm(right)], axis=-1)
    siamese = Model([left, right], Dense(1, activation="sigmoid")(merged))
    report.compare("LSTM weights counted once", book=4 * (32 * (128 + 32) + 32),
                   ours=lstm.count_params(), agree=siamese.count_params() ==
                   lstm.count_params() + 65, note="the Dense head adds 64 + 1")
    a = rng.random((4, 7, 128)).astype("float32")
    swapped = float(np.max(np.abs(siamese.predict([a, a[::-1]]) - siamese.predict([a, a[::-1]]))))
    report.check(swapped == 0.0, "the siamese model is deterministic at inference")


# %%
if __name__ == "__main__":
    main(run, TITLE)
