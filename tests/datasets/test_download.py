"""mnist.download() / fashion_mnist.download() against a local HTTP server on 127.0.0.1.

The server serves copies of the shared data folder (and broken files made in tmp_path); nothing
is fetched from the internet. The shared MNIST files hold the published images but were
re-compressed, so their bytes differ from the published ones: against the published SHA-256
table they must be refused, which is itself the checksum-mismatch test.
"""
from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from pynet.datasets import fashion_mnist, mnist
from pynet.datasets._download import DownloadError, RemoteFile, fetch, fetch_all

pytestmark = pytest.mark.needs_shared_data


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("PYNET_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def mirror(tmp_path, shared_data):
    """A folder laid out like a MNIST mirror (the four published names), built from the shared
    10k subset, and the SHA-256 of each of its files."""
    src = shared_data("mnist/train-images-10k-idx3-ubyte.gz").parent
    folder = tmp_path / "mirror"
    folder.mkdir()
    for target, source in [("train-images-idx3-ubyte.gz", "train-images-10k-idx3-ubyte.gz"),
                           ("train-labels-idx1-ubyte.gz", "train-labels-10k-idx1-ubyte.gz"),
                           ("t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz"),
                           ("t10k-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]:
        shutil.copyfile(src / source, folder / target)
    return folder, {p.name: _sha(p) for p in folder.iterdir()}


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_download_then_load(mirror, http_server, tmp_path):
    folder, sums = mirror
    url, handler = http_server(folder)
    dest = mnist.download(base_urls=[url], checksums=sums, quiet=True)
    assert dest == tmp_path / "xdg-cache" / "pynet" / "mnist"  # the default is the user cache
    assert {p.name: _sha(p) for p in dest.iterdir()} == sums
    assert len(handler.requests) == 4
    # load() now finds the cache before the embedded subset
    assert mnist.where() == dest
    (x_train, y_train), (x_test, y_test) = mnist.load()
    (e_train, ey_train), _ = mnist.load(mnist.EMBEDDED_DIR)
    np.testing.assert_array_equal(x_train, e_train)
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    # a second call keeps the verified files and asks the server for nothing
    mnist.download(base_urls=[url], checksums=sums, quiet=True)
    assert len(handler.requests) == 4
    # force=True fetches them again
    mnist.download(base_urls=[url], checksums=sums, quiet=True, force=True)
    assert len(handler.requests) == 8


def test_mirrors_are_tried_in_order(mirror, http_server, tmp_path, closed_port_url, capsys):
    folder, sums = mirror
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    url_404, h404 = http_server(empty)
    url_ok, h_ok = http_server(folder)
    dest = mnist.download(tmp_path / "d", base_urls=[closed_port_url, url_404, url_ok],
                          checksums=sums)
    assert len(h404.requests) == 4 and len(h_ok.requests) == 4
    assert sorted(p.name for p in dest.iterdir()) == sorted(sums)
    out = capsys.readouterr().out
    assert "HTTP 404" in out and "network error" in out and "verified" in out


def test_published_checksums_refuse_recompressed_bytes(http_server, shared_data, tmp_path):
    # shared t10k-images has the published size (1,648,877 bytes) and images but other gzip bytes
    src = shared_data("mnist/t10k-images-idx3-ubyte.gz").parent
    url, _ = http_server(src)
    published = {f.name: f for f in mnist.REMOTE_FILES}["t10k-images-idx3-ubyte.gz"]
    assert published.size == (src / published.name).stat().st_size
    dest = tmp_path / "d"
    with pytest.raises(DownloadError, match=r"SHA-256 mismatch: got 16731.*the file was removed"):
        fetch(published, [url], dest)
    assert list(dest.iterdir()) == []  # nothing kept, no .part file


def test_wrong_size_and_all_mirrors_listed(mirror, http_server, tmp_path, closed_port_url):
    folder, _ = mirror
    url, _ = http_server(folder)
    with pytest.raises(DownloadError) as info:
        mnist.download(tmp_path / "d", base_urls=[url, closed_port_url], quiet=True)
    message = str(info.value)
    # the first file: our mirror serves the 10k subset, not the published 9,912,422 bytes
    assert "train-images-idx3-ubyte.gz from any mirror" in message
    assert "expected 9912422" in message and closed_port_url in message
    assert "network error" in message
    assert list((tmp_path / "d").iterdir()) == []


def test_truncated_transfer_is_removed(mirror, http_server, tmp_path):
    folder, sums = mirror
    url, handler = http_server(folder)
    handler.cut["/t10k-labels-idx1-ubyte.gz"] = 1000
    remote = RemoteFile("t10k-labels-idx1-ubyte.gz", sums["t10k-labels-idx1-ubyte.gz"])
    with pytest.raises(DownloadError, match="connection cut|got 1000 of"):
        fetch(remote, [url], tmp_path / "d")
    assert list((tmp_path / "d").iterdir()) == []


def test_truncated_file_on_the_mirror(mirror, http_server, tmp_path):
    folder, sums = mirror
    data = (folder / "t10k-labels-idx1-ubyte.gz").read_bytes()
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(data[:-100])
    url, _ = http_server(folder)
    remote = RemoteFile("t10k-labels-idx1-ubyte.gz", sums["t10k-labels-idx1-ubyte.gz"],
                        len(data))
    with pytest.raises(DownloadError, match=f"got {len(data) - 100} bytes, expected {len(data)}"):
        fetch(remote, [url], tmp_path / "d")


def test_a_damaged_local_copy_is_replaced(mirror, http_server, tmp_path):
    folder, sums = mirror
    url, handler = http_server(folder)
    dest = tmp_path / "d"
    dest.mkdir()
    (dest / "t10k-labels-idx1-ubyte.gz").write_bytes(b"half a file")
    remote = RemoteFile("t10k-labels-idx1-ubyte.gz", sums["t10k-labels-idx1-ubyte.gz"])
    lines = []
    fetch(remote, [url], dest, log=lines.append)
    assert _sha(dest / "t10k-labels-idx1-ubyte.gz") == sums["t10k-labels-idx1-ubyte.gz"]
    assert any("wrong size or SHA-256; removed it" in line for line in lines)
    assert _leftovers(dest) == []


def test_a_damaged_local_copy_is_removed_even_when_offline(tmp_path, closed_port_url):
    dest = tmp_path / "d"
    dest.mkdir()
    (dest / "x.gz").write_bytes(b"garbage")
    with pytest.raises(DownloadError, match="could not download x.gz"):
        fetch(RemoteFile("x.gz", "0" * 64), [closed_port_url], dest, timeout=5)
    assert not (dest / "x.gz").exists()


def test_argument_errors(tmp_path, mirror, http_server):
    folder, sums = mirror
    with pytest.raises(ValueError, match="base_urls is empty"):
        mnist.download(tmp_path, base_urls=[])
    with pytest.raises(ValueError, match=r"unknown files \['nope.gz'\]"):
        mnist.download(tmp_path, base_urls=["http://127.0.0.1:9/"], checksums={"nope.gz": "0"})
    # a single URL given as a string is one mirror, not a list of characters
    url, _ = http_server(folder)
    paths = fetch_all([RemoteFile("t10k-labels-idx1-ubyte.gz", sums["t10k-labels-idx1-ubyte.gz"])],
                      url, tmp_path / "s", quiet=True)
    assert paths[0].exists()


def test_fashion_download(http_server, shared_data, tmp_path):
    src = shared_data("fashion-mnist/train-images-idx3-ubyte.gz").parent
    url, _ = http_server(src)
    # Debian's copy (= the shared data) is re-compressed: the published hashes refuse it ...
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        fashion_mnist.download(tmp_path / "refused", base_urls=[url], quiet=True)
    # ... and its own hashes accept it
    sums = {p.name: _sha(p) for p in src.iterdir() if p.name.endswith(".gz")}
    dest = fashion_mnist.download(base_urls=[url], checksums=sums, quiet=True)
    assert dest == tmp_path / "xdg-cache" / "pynet" / "fashion-mnist"
    (x, y), (xt, yt) = fashion_mnist.load()
    assert x.shape == (60000, 28, 28) and xt.shape == (10000, 28, 28)
