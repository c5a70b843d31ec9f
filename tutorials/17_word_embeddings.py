# %% [markdown]
# # 17 · Word embeddings on ten documents (lecture C21)
#
# The lecture's first embedding example (C21) classifies ten two-word reviews ("Well done!",
# "Poor effort!") as positive or negative. The model learns an 8-number vector per word id,
# flattens the 4 vectors of a document to 32 numbers and reads them with one sigmoid unit. 150
# epochs of Adam; the lecture evaluates on the training documents and reports "Accuracy:
# 100.000000".

# %%
"""Word embeddings on ten short documents (lecture notes C21): Embedding(50, 8) → Flatten → Dense(1).

Run it: ``pynet run 17 [--quick]``; as a notebook: ``pynet notebook 17``.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "17 · Word embeddings on ten documents (lecture C21)"
SEED = 7

DOCS = ["Well done!", "Good work", "Great effort", "nice work", "Excellent!",
        "Weak", "Poor effort!", "not good", "poor work", "Could have done better."]
LABELS = np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
VOCAB_SIZE = 50
MAX_LENGTH = 4
BOOK_PARAMS = [400, 0, 33]
BOOK_TOTAL = 433
BOOK_ACCURACY = 100.0


# %% [markdown]
# ## Words to ids, and padding
#
# Each word is hashed to an integer in [1, 50) with `one_hot` (a hash, not a one-hot vector,
# despite the name; a vocabulary of 50 makes collisions unlikely), and the documents are padded at
# the end to 4 ids. Both are printed.

# %%
def word_ids(text):
    """The lecture's ``one_hot(text, 50)``: each word hashed to an id in [1, 50). Keras's
    ``one_hot`` uses Python's ``hash``, salted per process, so its ids change from run to run;
    the md5 hash gives every run the same ids (and the same collisions)."""
    from pynet.text import hashing_trick

    return hashing_trick(text, VOCAB_SIZE, hash_function="md5")


def encode():
    from pynet.preprocessing.sequence import pad_sequences

    encoded = [word_ids(d) for d in DOCS]
    return encoded, pad_sequences(encoded, maxlen=MAX_LENGTH, padding="post")


# %% [markdown]
# ## The model
#
# `summary()`: 400 (= 50·8) + 0 + 33 (= 32 + 1) = 433 parameters, as in the lecture's table.

# %%
def model():
    from pynet.layers import Dense, Embedding, Flatten
    from pynet.sequential import Sequential

    net = Sequential()
    net.add(Embedding(VOCAB_SIZE, 8, input_length=MAX_LENGTH))
    net.add(Flatten())
    net.add(Dense(1, activation="sigmoid"))
    net.compile(optimizer="adam", loss="binary_crossentropy", metrics=["acc"])
    return net


# %% [markdown]
# ## Run the lesson
#
# The accuracy after 150 epochs beside the lecture's 100%, and the learned word vectors: the words
# of positive and of negative documents end up on opposite sides of the Dense unit. Quick mode is
# the same run (it takes about a second).

# %%
def run(report: Report, quick: bool) -> None:
    from pynet.utils import clear_session, set_seed

    clear_session()
    report.section("Hashing each word to an id in [1, 50) and padding to 4 ids")
    encoded, padded = encode()
    for doc, ids, row in zip(DOCS, encoded, padded):
        report.say(f"  {doc!r:<28} -> {str(ids):<18} -> {row.tolist()}")

    report.section("The model and its summary")
    set_seed(SEED)
    net = model()
    report.say(net.summary(print_fn=lambda s: None))
    per_layer = [layer.count_params() for layer in net.layers]
    report.compare("parameters per layer", book=str(BOOK_PARAMS), ours=str(per_layer),
                   agree=per_layer == BOOK_PARAMS, note="50·8; Flatten; 32·1 + 1")
    report.compare("total parameters", book=BOOK_TOTAL, ours=net.count_params(),
                   agree=net.count_params() == BOOK_TOTAL)

    report.section("150 epochs of Adam, evaluated on the ten training documents")
    net.fit(padded, LABELS, epochs=150, verbose=0, seed=SEED)
    loss, accuracy = net.evaluate(padded, LABELS, verbose=0)
    report.say(f"  Accuracy: {accuracy * 100:f}   (loss {loss:.4f})")
    report.compare("accuracy on the training documents (%)", book=BOOK_ACCURACY,
                   ours=accuracy * 100, agree=accuracy == 1.0, headline=True, kind="book",
                   tolerance="exactly", data="the notes' ten documents and labels")

    report.section("What the embedding learned")
    emb = net.layers[0].params["embeddings"]
    w = net.layers[2].params["kernel"].reshape(MAX_LENGTH, 8)
    # a word's pull towards "positive" when it stands first in a document
    report.say("  word          id   score (first position)")
    for word in ["well", "good", "great", "nice", "excellent", "weak", "poor", "not"]:
        wid = word_ids(word)[0]
        report.say(f"  {word:<12} {wid:>3}   {float(emb[wid] @ w[0]):+.3f}")
    words = sorted({w_ for d in DOCS for w_ in d.lower().replace("!", "").replace(".", "").split()})
    ids = {w_: word_ids(w_)[0] for w_ in words}
    shared = {i for i in ids.values() if list(ids.values()).count(i) > 1}
    collisions = sorted(w_ for w_, i in ids.items() if i in shared)
    report.say(f"  hash collisions among the {len(words)} words: {collisions or 'none'} — they "
               "share one vector (the lecture's reason for a vocabulary of 50)")
    pos = np.mean([float(emb[word_ids(x)[0]] @ w[0]) for x in ["well", "nice", "excellent"]])
    neg = np.mean([float(emb[word_ids(x)[0]] @ w[0]) for x in ["poor", "not", "could"]])
    report.check(pos > neg, "first words of positive documents score above those of negative ones")


# %%
if __name__ == "__main__":
    main(run, TITLE)
