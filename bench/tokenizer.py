"""Tokenizer on the whole fortune corpus: pynet.text.Tokenizer against Keras's own implementation.

Issue 11 asks for identical ``word_index`` and sequences (checked here on the whole corpus, and in
``tests/test_text.py`` on the embedded subset) and a report of the speed. Keras 3 still ships the
Keras 2 Tokenizer as ``keras.src.legacy.preprocessing.text``; both are pure Python, so they are
timed in one process, alternating, each call on the same list of texts::

    python -m bench.tokenizer [--quick] [--write-results]

The corpus is the fortune-mod categories found by :func:`pynet.datasets.fortunes.where` (the whole
set from ``$PYNET_DATA``/``$PYNET_SHARED_DATA``, else the embedded subset, said in the table).
"""
from __future__ import annotations

import argparse
import datetime
import os
import statistics
import time

from bench.harness import actual_command, load_average, machine_description, parse_args, write_text


def corpus():
    from pynet.datasets import fortunes

    folder = fortunes.where(fortunes.TOPICS)
    names = fortunes.categories_in(folder)          # every category of the folder, not only 39
    texts, _, _ = fortunes.load_texts(categories=names, path=folder, balance=False)
    return texts, folder, len(names)


def fit_and_convert(cls, texts, **kwargs):
    tok = cls(**kwargs)
    tok.fit_on_texts(texts)
    return tok, tok.texts_to_sequences(texts)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 7")
    args = parse_args(parser, argv)
    os.environ.setdefault("KERAS_BACKEND", "torch")
    from keras.src.legacy.preprocessing import text as keras_text

    from pynet.text import Tokenizer

    texts, folder, n_categories = corpus()
    words = sum(len(t.split()) for t in texts)
    settings = [({}, "defaults"), ({"num_words": 10000, "oov_token": "<OOV>"}, "num_words=10000, oov_token"),
                ({"char_level": True}, "char_level=True")]
    rounds = 3 if args.quick else 7
    load_before = load_average()
    rows = []
    for kwargs, label in settings:
        ours, ours_seq = fit_and_convert(Tokenizer, texts, **kwargs)
        theirs, theirs_seq = fit_and_convert(keras_text.Tokenizer, texts, **kwargs)
        same = ours.word_index == theirs.word_index and ours_seq == theirs_seq
        times = {"pynet": [], "Keras": []}
        for _ in range(rounds):
            for side, cls in (("pynet", Tokenizer), ("Keras", keras_text.Tokenizer)):
                t0 = time.perf_counter()
                fit_and_convert(cls, texts, **kwargs)
                times[side].append(time.perf_counter() - t0)
        med = {k: statistics.median(v) for k, v in times.items()}
        rows.append((label, same, len(ours.word_index), med["pynet"], med["Keras"]))
        print(f"{label}: identical={same}, pynet {med['pynet']:.3f} s, Keras {med['Keras']:.3f} s",
              flush=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["### Tokenizer: fit_on_texts + texts_to_sequences on the fortune corpus, pynet vs Keras",
             "",
             f"Command: `{actual_command()}` · date {date} · {machine_description()} · "
             f"load average before: {load_before}; after: {load_average()}",
             "",
             f"Corpus: {len(texts):,} fortunes, {words:,} words, {n_categories} categories, from "
             f"`{folder.name}` ({'the embedded subset' if 'datasets/data' in str(folder) else 'the whole set on disk'}). "
             f"Keras: `keras.src.legacy.preprocessing.text.Tokenizer` (Keras 2's code, shipped in "
             f"Keras 3). Median of {rounds} alternating rounds, one process.",
             "",
             "| settings | word_index and sequences identical | words in the index | pynet s | Keras s | × Keras's speed |",
             "|---|---|---|---|---|---|"]
    for label, same, size, ours_s, keras_s in rows:
        lines.append(f"| {label} | {'yes' if same else 'NO'} | {size:,} | {ours_s:.3f} | {keras_s:.3f} | "
                     f"{keras_s / ours_s:.2f} |")
    lines += ["", "- × Keras's speed: Keras's time over pynet's (> 1: pynet is faster). Both are pure "
              "Python; the figure is for information (the issue sets no speed goal)."]
    write_text("tokenizer.md", "\n".join(lines) + "\n")
    return 0 if all(r[1] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
