# %% [markdown]
# # 32 · Chollet §6.1: one-hot encoding, hashing and the Tokenizer
#
# Before a network can read text, every token must become a vector. Chollet writes the naive
# encodings out in NumPy first (listings 6.1, 6.2, 6.4) and then lets Keras's `Tokenizer` do the
# same (listing 6.3). This lesson runs each on the book's two sentences, checks the shapes and
# indices the book's code produces, and then applies the Tokenizer to a real corpus — the
# fortune-mod quotations pynet ships — to show what `num_words`, `pad_sequences`' defaults and hash
# collisions mean at scale.

# %%
"""Chollet §6.1: text to numbers — one-hot words and characters, the hashing trick, the Tokenizer.

The book's encodings on its two sentences, then the Tokenizer on the fortunes.
"""
from __future__ import annotations

import numpy as np

from pynet.lessons import Report, main

TITLE = "32 · Chollet §6.1: one-hot encoding, hashing and the Tokenizer"

SAMPLES = ["The cat sat on the mat.", "The dog ate my homework."]
BOOK_WORD_INDEX_61 = {"The": 1, "cat": 2, "sat": 3, "on": 4, "the": 5, "mat.": 6, "dog": 7,
                      "ate": 8, "my": 9, "homework.": 10}
BOOK_SHAPE_61 = (2, 10, 11)
BOOK_SHAPE_62 = (2, 50, 101)       # 100 printable characters + the unused index 0
BOOK_UNIQUE_TOKENS = 9             # "Found 9 unique tokens."
BOOK_BIGRAMS = {"The", "The cat", "cat", "cat sat", "sat", "sat on", "on", "on the", "the",
                "the mat", "mat"}
BOOK_TRIGRAMS = BOOK_BIGRAMS | {"The cat sat", "cat sat on", "sat on the", "on the mat"}
HASH_DIMENSIONALITY = 1000


# %% [markdown]
# ## Hash collisions, predicted
#
# The hashing trick (listing 6.4) maps each word to one of a fixed number of buckets without a
# vocabulary; two words can land in the same bucket. Birthday arithmetic predicts how many buckets
# stay distinct: hashing `n` distinct words uniformly into `b` buckets fills `b · (1 − (1 − 1/b)^n)`
# of them on average. The book warns of collisions near 1,000 words; the lesson measures them on the
# fortune vocabulary.

# %%
def expected_occupied(words: int, buckets: int) -> float:
    """Birthday arithmetic: the expected number of non-empty buckets after hashing ``words``
    distinct words uniformly into ``buckets``: ``buckets · (1 − (1 − 1/buckets)^words)``."""
    return buckets * (1.0 - (1.0 - 1.0 / buckets) ** words)


# %% [markdown]
# ## Run the lesson
#
# - listing 6.1's word index and its `(2, 10, 11)` array; listing 6.2's `(2, 50, 101)` array (the
#   printed listing uses `keys()` and fails — the book's erratum, fixed here);
# - §6.1's "bag of bigrams" and "bag of trigrams" sets, exactly as printed;
# - listing 6.3: "Found 9 unique tokens", the sequences and the binary matrix;
# - `pad_sequences(maxlen=20)` keeps the *last* 20 words (the book's prose says the first);
# - the hashing trick on the fortune vocabulary: collisions in 1,000 buckets, measured and
#   predicted.
#
# `--quick` uses the fortunes shipped with pynet (the full set gives the same lessons).

# %%
def run(report: Report, quick: bool) -> None:
    from pynet import text
    from pynet.datasets import fortunes
    from pynet.preprocessing import pad_sequences

    report.section("Listing 6.1: word-level one-hot encoding, by hand")
    results, token_index = text.one_hot_words(SAMPLES, max_length=10)
    report.compare("token index", book=BOOK_WORD_INDEX_61, ours=token_index,
                   agree=token_index == BOOK_WORD_INDEX_61,
                   note="str.split keeps 'mat.' and 'The' apart from 'mat' and 'the'")
    report.compare("array shape", book=BOOK_SHAPE_61, ours=results.shape,
                   agree=results.shape == BOOK_SHAPE_61)

    report.section("Listing 6.2: character-level one-hot encoding")
    chars = text.one_hot_characters(SAMPLES, max_length=50)
    report.compare("array shape", book=BOOK_SHAPE_62, ours=chars.shape,
                   agree=chars.shape == BOOK_SHAPE_62,
                   note="the listing's max(token_index.keys()) fails; values() intended")

    report.section("§6.1: bags of n-grams")
    tokens = "The cat sat on the mat".split()
    bigrams, trigrams = text.bag_of_ngrams(tokens, 2), text.bag_of_ngrams(tokens, 3)
    report.compare("bag of bigrams (size)", book=len(BOOK_BIGRAMS), ours=len(bigrams),
                   agree=bigrams == BOOK_BIGRAMS)
    report.compare("bag of trigrams (size)", book=len(BOOK_TRIGRAMS), ours=len(trigrams),
                   agree=trigrams == BOOK_TRIGRAMS)

    report.section("Listing 6.3: the Tokenizer")
    tokenizer = text.Tokenizer(num_words=1000)
    tokenizer.fit_on_texts(SAMPLES)
    sequences = tokenizer.texts_to_sequences(SAMPLES)
    matrix = tokenizer.texts_to_matrix(SAMPLES, mode="binary")
    report.say(f"  word_index: {tokenizer.word_index}")
    report.say(f"  sequences:  {sequences}")
    report.compare("unique tokens", book=BOOK_UNIQUE_TOKENS, ours=len(tokenizer.word_index),
                   agree=len(tokenizer.word_index) == BOOK_UNIQUE_TOKENS, headline=True,
                   kind="book", tolerance="exactly", data="the book's two sample sentences",
                   note="lower-cased, punctuation removed: 'the' counts 3 times")
    report.check(sequences == [[1, 2, 3, 4, 1, 5], [1, 6, 7, 8, 9]],
                 "the most frequent word ('the') is index 1; ties keep first-seen order")
    report.check(matrix.shape == (2, 1000) and matrix[0, 1:6].sum() == 5 and matrix[0, 0] == 0,
                 "texts_to_matrix: one row of 1,000 columns per text, column 0 never used")

    report.section("The Tokenizer on a real corpus: the fortune quotations")
    path = fortunes.EMBEDDED_DIR if quick else None
    texts, labels, names = fortunes.load_texts("topics", path=path)
    report.say(f"  {len(texts):,} texts in {len(names)} categories, read from "
               f"{fortunes.where(names, path)}")
    tokenizer = text.Tokenizer(num_words=1000)
    tokenizer.fit_on_texts(texts)
    seqs = tokenizer.texts_to_sequences(texts)
    vocabulary = len(tokenizer.word_index)
    kept = sum(len(s) for s in seqs) / sum(tokenizer.word_counts.values())
    report.say(f"  {vocabulary:,} distinct words; the 999 most frequent cover {kept:.1%} of "
               "the running text (num_words=1000 drops the rest)")
    report.say("  most frequent: " + ", ".join(
        f"{w} ({tokenizer.word_counts[w]})" for w in list(tokenizer.word_index)[:8]))
    counts = [tokenizer.word_counts[w] for w in tokenizer.word_index]
    report.check(all(a >= b for a, b in zip(counts, counts[1:])),
                 "index 1, 2, 3, ... go to ever rarer words (counts never increase)")
    report.check(all(max(s, default=0) < 1000 for s in seqs), "every index is below num_words")

    report.section("pad_sequences keeps the end of a long text (Keras's defaults: 'pre', 'pre')")
    longest = max(seqs, key=len)
    padded = pad_sequences([longest, seqs[0]], maxlen=20)
    report.say(f"  a {len(longest)}-word text, maxlen=20 -> {padded[0].tolist()}")
    report.say(f"  a {len(seqs[0])}-word text -> {padded[1].tolist()}")
    report.compare("words kept from a long text", book="the first 20 (prose)",
                   ours="the last 20", agree=padded[0].tolist() == longest[-20:],
                   note="truncating='pre' cuts the beginning; pass truncating='post' for the first")

    report.section("Listing 6.4: the hashing trick on the fortune vocabulary")
    words = list(tokenizer.word_index)[:HASH_DIMENSIONALITY]
    buckets = {abs(text._md5_hash(w)) % HASH_DIMENSIONALITY for w in words}
    expected = expected_occupied(len(words), HASH_DIMENSIONALITY)
    report.say(f"  the {len(words)} most frequent words hashed into {HASH_DIMENSIONALITY} columns "
               f"fill {len(buckets)} of them: {len(words) - len(buckets)} words share a column "
               "with another")
    report.compare("columns used by 1,000 words", book=f"≈{expected:.0f} (birthday arithmetic)",
                   ours=len(buckets), agree=abs(len(buckets) - expected) < 4 * np.sqrt(expected),
                   note="the book: collisions appear as the vocabulary nears the dimensionality")
    wide = {abs(text._md5_hash(w)) % 100_000 for w in words}
    report.say(f"  with 100,000 columns: {len(words) - len(wide)} collisions — hence 'make the "
               "hash space much larger than the vocabulary'")


# %%
if __name__ == "__main__":
    main(run, TITLE)
