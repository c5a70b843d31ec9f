"""bench/tokenizer.py: pynet's Tokenizer against Keras's on the fortune corpus, written as a table."""
from __future__ import annotations


def test_the_tokenizer_bench_finds_both_identical_and_writes_its_table(require, tmp_path,
                                                                        monkeypatch):
    require("keras.src.legacy.preprocessing.text")
    monkeypatch.setenv("PYNET_BENCH_OUT", str(tmp_path))
    monkeypatch.delenv("PYNET_BENCH_WRITE_RESULTS", raising=False)
    from bench import tokenizer

    monkeypatch.setattr(tokenizer, "corpus", lambda: (
        ["The cat sat.", "A dog, a cat!", "naïve café — déjà vu"] * 20, tmp_path / "fortunes", 2))
    assert tokenizer.main(["--quick"]) == 0
    table = (tmp_path / "tokenizer.md").read_text()
    assert table.count("| yes |") == 3 and "NO" not in table
    assert "Command: `" in table and "Median of 3 alternating rounds" in table
