"""Loaders for the books' own data (IMDB, Jena, GloVe), tested on small files made in their real
formats: the aclImdb folder tree and its .tar.gz, the Jena CSV (and its .zip), GloVe text."""
from __future__ import annotations

import gzip
import io
import tarfile
import zipfile

import numpy as np
import pytest

from pynet.datasets import glove, imdb, jena_climate

REVIEWS = {
    ("train", "neg"): {"0_3.txt": "A dull, dull film.", "1_1.txt": "Bad acting.<br />Dull."},
    ("train", "pos"): {"0_9.txt": "A great film!", "1_8.txt": "Great acting, great fun."},
    ("test", "neg"): {"0_2.txt": "Dull and bad."},
    ("test", "pos"): {"0_10.txt": "Great!"},
}


@pytest.fixture
def acl(tmp_path):
    root = tmp_path / "aclImdb"
    for (subset, label), files in REVIEWS.items():
        folder = root / subset / label
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text)
    (root / "train" / "unsup").mkdir()                 # present in the real release; ignored
    (root / "imdb.vocab").write_text("the\n")
    archive = tmp_path / "aclImdb_v1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(root, arcname="aclImdb")
    return root, archive


def test_imdb_texts_from_folder_and_archive_agree(acl):
    root, archive = acl
    texts, labels = imdb.load_texts(root, "train")
    assert texts == ["A dull, dull film.", "Bad acting.<br />Dull.", "A great film!",
                     "Great acting, great fun."]
    assert labels.tolist() == [0, 0, 1, 1]
    assert imdb.load_texts(archive, "train")[0] == texts
    assert imdb.load_texts(root.parent, "test")[1].tolist() == [0, 1]   # the parent folder works too


def test_imdb_sequences_follow_keras_conventions(acl):
    root, _ = acl
    index = imdb.get_word_index(root)
    # counts over all six reviews: great 4, dull 4, a 2, film 2, acting 2, bad 2, ...
    assert index["dull"] == 1 and index["great"] == 2
    (x, y), (xt, yt) = imdb.load_data(root, seed=0)
    assert len(x) == 4 and len(xt) == 2 and x.dtype == object
    decoded = {tuple(s): int(label) for s, label in zip(xt, yt)}
    assert decoded[(1, index["great"] + 3)] == 1                     # "Great!"
    (x, _), _ = imdb.load_data(root, num_words=5, seed=0)
    assert all(w in (1, 2, 3, 4) for s in x for w in s)              # rank 2 ('great') = 5 -> oov
    with pytest.raises(ValueError, match="num_words"):
        imdb.load_data(root, num_words=0)


def test_imdb_bad_archives(tmp_path, acl, monkeypatch):
    _, archive = acl
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[:60])
    with pytest.raises(ValueError, match="truncated download"):
        imdb.load_texts(cut)
    monkeypatch.setattr(imdb, "MAX_REVIEW_BYTES", 10)
    with pytest.raises(ValueError, match="not a review"):
        imdb.load_texts(archive)
    with pytest.raises(FileNotFoundError):
        imdb.load_texts(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="subset"):
        imdb.load_texts(archive, "valid")


JENA = ('"Date Time","p (mbar)","T (degC)","Tpot (K)"\n'
        "01.01.2009 00:10:00,996.52,-8.02,265.40\n"
        "01.01.2009 00:20:00,996.57,-8.41,265.01\n")


def test_jena_csv_and_zip(tmp_path):
    csv_path = tmp_path / jena_climate.FILE_NAME
    csv_path.write_text(JENA)
    header, times, data = jena_climate.load(csv_path)
    assert header[:2] == ["Date Time", "p (mbar)"] and times[1] == "01.01.2009 00:20:00"
    assert data.shape == (2, 3) and data[:, 1].tolist() == [-8.02, -8.41]   # T (degC): column 1
    zipped = tmp_path / "z" / (jena_climate.FILE_NAME + ".zip")
    zipped.parent.mkdir()
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr(jena_climate.FILE_NAME, JENA)
    assert np.array_equal(jena_climate.load(zipped.parent)[2], data)     # a folder works too


@pytest.mark.parametrize("body, message", [
    (JENA + "01.01.2009 00:30:00,996.5,-8.5\n", "line 4: expected 4 fields, got 3"),
    (JENA + "01.01.2009 00:30:00,996.5,warm,265\n", "line 4: 'warm' is not a number"),
    ("p,T\n1,2\n", "line 1: expected a header"),
    ('"Date Time","T"\n', "no data rows"),
])
def test_jena_malformed(tmp_path, body, message):
    path = tmp_path / "jena.csv"
    path.write_text(body)
    with pytest.raises(ValueError, match=message):
        jena_climate.load(path)


GLOVE = "the 0.1 0.2 0.3\ncat -1 0 1\nmat 0.5 0.5 0.5\n"


def test_glove_vectors_and_the_books_embedding_matrix(tmp_path):
    path = tmp_path / "glove.6B.3d.txt"
    path.write_text(GLOVE)
    vectors = glove.load(path, dims=3)
    assert vectors["cat"].tolist() == [-1, 0, 1] and vectors["cat"].dtype == np.float32
    assert set(glove.load(path, words={"mat", "dog"})) == {"mat"}
    gz = tmp_path / "glove.gz"
    gz.write_bytes(gzip.compress(GLOVE.encode()))
    assert glove.load(gz).keys() == vectors.keys()
    # listing 6.11: rows by word index, unknown words and index >= max_words stay zero
    matrix = glove.embedding_matrix(vectors, {"the": 1, "dog": 2, "cat": 3, "mat": 9}, 5)
    assert matrix.shape == (5, 3)
    assert matrix[1].tolist() == pytest.approx([0.1, 0.2, 0.3]) and not matrix[2].any()
    assert matrix[3].tolist() == [-1, 0, 1] and not matrix[0].any() and not matrix[4].any()


def test_glove_malformed_lines_name_file_and_line(tmp_path, monkeypatch):
    path = tmp_path / "g.txt"
    path.write_text(GLOVE + "dog 1 2\n")
    with pytest.raises(ValueError, match=r"g.txt, line 4: 2 values for 'dog', expected 3"):
        glove.load(path)
    path.write_text("the 1 x 3\n")
    with pytest.raises(ValueError, match="line 1: a value for 'the' is not a number"):
        glove.load(path)
    with pytest.raises(ValueError, match=r"line 1: 3 values for 'the', expected 100"):
        glove.load(path, dims=100)
    monkeypatch.setattr(glove, "MAX_LINE_BYTES", 8)
    path.write_text(GLOVE)
    with pytest.raises(ValueError, match="longer than 8 bytes"):
        glove.load(path)


def test_glove_find_looks_at_pynet_glove_then_pynet_data(tmp_path, monkeypatch):
    monkeypatch.delenv("PYNET_SHARED_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("PYNET_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("PYNET_GLOVE", raising=False)
    assert glove.find(100) is None                       # nothing anywhere: None, not an error
    in_data = tmp_path / "data" / "glove" / "glove.6B.100d.txt.gz"
    in_data.parent.mkdir(parents=True)
    in_data.write_bytes(gzip.compress(GLOVE.encode()))
    assert glove.find(100) == in_data and glove.find(50) is None
    mine = tmp_path / "mine.txt"
    mine.write_text(GLOVE)
    monkeypatch.setenv("PYNET_GLOVE", str(mine))         # an explicit file comes first
    assert glove.find(100) == mine


# -- downloads, only from a server on 127.0.0.1 ----------------------------------------------------

def test_imdb_download_from_a_local_server(tmp_path, acl, http_server, monkeypatch):
    from pynet.datasets import DownloadError

    _, archive = acl
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url, handler = http_server(archive.parent)
    got = imdb.download(base_urls=[url], quiet=True)
    assert got == tmp_path / "cache" / "pynet" / "imdb" / imdb.ARCHIVE_NAME
    assert handler.requests == ["/" + imdb.ARCHIVE_NAME] and got.read_bytes() == archive.read_bytes()
    (x_train, y_train), _ = imdb.load_data(got)
    assert len(x_train) == 4 and sorted(y_train.tolist()) == [0, 0, 1, 1]
    bogus = tmp_path / "bogus"
    bogus.mkdir()
    (bogus / imdb.ARCHIVE_NAME).write_bytes(b"<html>moved</html>")
    url, _ = http_server(bogus)
    with pytest.raises(DownloadError, match="(?s)not the aclImdb release.*removed"):
        imdb.download(tmp_path / "d", base_urls=[url], quiet=True)
    assert list((tmp_path / "d").iterdir()) == []


def test_jena_download_from_a_local_server(tmp_path, http_server, monkeypatch):
    from pynet.datasets import DownloadError

    served = tmp_path / "served"
    served.mkdir()
    with zipfile.ZipFile(served / jena_climate.ZIP_NAME, "w") as z:
        z.writestr(jena_climate.FILE_NAME, JENA)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    url, handler = http_server(served)
    got = jena_climate.download(base_urls=[url], quiet=True)
    assert got == tmp_path / "cache" / "pynet" / "jena_climate" / jena_climate.ZIP_NAME
    assert jena_climate.load(got)[2].shape == (2, 3)
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        jena_climate.download(tmp_path / "e", base_urls=[url], quiet=True,
                              checksums={jena_climate.ZIP_NAME: "0" * 64})
    cut = tmp_path / "cut"
    cut.mkdir()
    (cut / jena_climate.ZIP_NAME).write_bytes((served / jena_climate.ZIP_NAME).read_bytes()[:40])
    url, _ = http_server(cut)
    with pytest.raises(DownloadError, match="(?s)not the Jena climate CSV.*removed"):
        jena_climate.download(tmp_path / "d", base_urls=[url], quiet=True)
    assert list((tmp_path / "d").iterdir()) == []


def test_glove_download_takes_the_dims_file_out_of_the_zip(tmp_path, http_server, monkeypatch):
    from pynet.datasets import DownloadError

    served = tmp_path / "served"
    served.mkdir()
    lines = "".join(f"{w} " + " ".join(f"{(i + k) / 100:.2f}" for k in range(50)) + "\n"
                    for i, w in enumerate(("the", "cat")))
    with zipfile.ZipFile(served / glove.ARCHIVE_NAME, "w") as z:
        z.writestr("glove.6B.50d.txt", lines)
        z.writestr("glove.6B.100d.txt", "the 1 2\n")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PYNET_GLOVE", raising=False)
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.delenv("PYNET_SHARED_DATA", raising=False)
    url, _ = http_server(served)
    with pytest.raises(DownloadError, match="does not hold GloVe text glove.6B.100d.txt"):
        glove.download(100, base_urls=[url], quiet=True)  # 2 values where 100 are declared
    assert glove.find(100) is None                        # nothing half-kept
    got = glove.download(50, base_urls=[url], quiet=True)
    assert got == tmp_path / "cache" / "pynet" / "glove" / "glove.6B.50d.txt"
    assert got.read_text() == lines and glove.find(50) == got
    assert glove.load(got)["cat"][0] == np.float32(0.01)
    with pytest.raises(ValueError, match=r"expected one of \(50, 100, 200, 300\), got 64"):
        glove.download(64, base_urls=[url], quiet=True)
