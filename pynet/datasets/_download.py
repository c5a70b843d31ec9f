"""Fetch a file from a list of mirrors, verify its size and SHA-256, and store it atomically.

Rules (the reasons are the complaints of learners whose downloads broke, see docs/datasets.md):

* several mirrors are tried in order; one host going away (as ``yann.lecun.com`` and
  ``pjreddie.com`` did) never stops a download;
* a download goes to a temporary file next to the target and is renamed into place only after
  its size and SHA-256 are right, so a crash, a cut connection or a wrong file never leaves
  something that looks like data;
* nothing is resumed: a partial or mismatching file is deleted, never kept or appended to;
* when every mirror fails, the error lists each URL with what went wrong.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

_CHUNK = 1 << 16


class DownloadError(OSError):
    """No mirror gave a file with the expected size and checksum."""


@dataclass(frozen=True)
class RemoteFile:
    """A file to fetch: its name on the mirrors, SHA-256 and size in bytes (``None`` = unknown)."""

    name: str
    sha256: str | None
    size: int | None = None


def sha256_of(path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def matches(path, remote: RemoteFile) -> bool:
    """True when ``path`` exists with the size and SHA-256 of ``remote``."""
    path = Path(path)
    if not path.is_file():
        return False
    if remote.size is not None and path.stat().st_size != remote.size:
        return False
    return remote.sha256 is None or sha256_of(path) == remote.sha256


def _fetch_one(url: str, target: Path, remote: RemoteFile, timeout: float) -> None:
    """Download ``url`` into ``target`` (atomically) or raise with the reason."""
    fd, tmp = tempfile.mkstemp(prefix=f".{remote.name}.", suffix=".part", dir=target.parent)
    try:
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as out:
            req = urllib.request.Request(url, headers={"User-Agent": "pynet-datasets"})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                declared = resp.headers.get("Content-Length")
                for chunk in iter(lambda: resp.read(_CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    # a wrong URL can serve an endless or huge page; stop early
                    if remote.size is not None and size > remote.size:
                        raise DownloadError(
                            f"more than the expected {remote.size} bytes; wrong file")
            out.flush()
            os.fsync(out.fileno())
        if declared is not None and int(declared) != size:
            raise DownloadError(f"connection cut: got {size} of {declared} bytes")
        if remote.size is not None and size != remote.size:
            raise DownloadError(f"got {size} bytes, expected {remote.size} (truncated or wrong file)")
        got = digest.hexdigest()
        if remote.sha256 is not None and got != remote.sha256:
            raise DownloadError(
                f"SHA-256 mismatch: got {got}, expected {remote.sha256}; the file was removed")
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _describe(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"network error: {exc.reason}"
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, http.client.IncompleteRead):
        return f"connection cut after {len(exc.partial)} bytes"
    return str(exc)


def fetch(remote: RemoteFile, base_urls, dest_dir, *, force: bool = False,
          timeout: float = 60.0, log=None) -> Path:
    """Make ``dest_dir/remote.name`` a verified copy of ``remote``, trying ``base_urls`` in order.

    Parameters
    ----------
    remote : RemoteFile
    base_urls : sequence of str
        Mirror prefixes; the URL is ``base + remote.name`` (a missing trailing ``/`` is added).
    dest_dir : path
    force : bool
        Download again even when a verified copy is present.
    timeout : float
        Seconds to wait for a mirror to answer (per connection).
    log : callable, optional
        Called with one line of progress text per step.

    Returns
    -------
    pathlib.Path
        The verified file.

    Raises
    ------
    DownloadError
        Every mirror failed; the message lists each URL and its failure.
    """
    say = log or (lambda text: None)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    if not os.access(dest_dir, os.W_OK):
        # say so once, instead of blaming every mirror for a local problem
        raise PermissionError(f"cannot write to {dest_dir}; choose another dest=")
    target = dest_dir / remote.name
    if target.exists() and not force:
        if matches(target, remote):
            say(f"{remote.name}: already present and verified")
            return target
        # a damaged copy must not survive to be read later, whatever happens next
        target.unlink()
        say(f"{remote.name}: the copy present had the wrong size or SHA-256; removed it")
    failures = []
    for base in base_urls:
        url = base if base.endswith("/") else base + "/"
        url += remote.name
        say(f"{remote.name}: downloading {url}")
        try:
            _fetch_one(url, target, remote, timeout)
        except (OSError, ValueError, http.client.HTTPException) as exc:
            # URLError/HTTPError, timeouts and DownloadError are OSErrors; a connection cut
            # mid-body is an http.client.IncompleteRead; an unusable URL is a ValueError
            reason = _describe(exc)
            failures.append(f"  {url}: {reason}")
            say(f"{remote.name}: failed: {reason}")
            continue
        say(f"{remote.name}: verified ({remote.sha256 or 'size and format only'})")
        return target
    raise DownloadError(
        f"could not download {remote.name} from any mirror:\n" + "\n".join(failures)
        + f"\nNothing was written to {target}. Check the network (a proxy may need HTTPS_PROXY), "
        "or download the file by hand into that folder."
    )


def fetch_all(files, base_urls, dest_dir, *, checksums=None, force: bool = False,
              timeout: float = 60.0, label: str = "", quiet: bool = False) -> list:
    """:func:`fetch` each of ``files`` (RemoteFile) into ``dest_dir``; return the paths.

    ``checksums`` (``{name: sha256}``) replaces the published hashes, for a mirror that
    re-compressed the files; their sizes are then not checked.
    """
    # one URL given as a plain string must not become a list of its characters
    mirrors = [base_urls] if isinstance(base_urls, str) else list(base_urls)
    if not mirrors:
        raise ValueError("download(): base_urls is empty; give at least one mirror URL")
    unknown = sorted(set(checksums or {}) - {f.name for f in files})
    if unknown:
        raise ValueError(f"download(): checksums names unknown files {unknown}; "
                         f"the files are {[f.name for f in files]}")
    log = None if quiet else (lambda text: print(f"{label}: {text}", flush=True))
    paths = []
    for remote in files:
        if checksums and remote.name in checksums:
            remote = RemoteFile(remote.name, checksums[remote.name], None)
        paths.append(fetch(remote, mirrors, dest_dir, force=force, timeout=timeout, log=log))
    return paths


def fetch_checked(remote, base_urls, dest_dir, check, *, label: str, what: str, checksums=None,
                  force: bool = False, timeout: float = 60.0, quiet: bool = False):
    """:func:`fetch_all` one file whose SHA-256 may be unknown, then ``check(path)`` — read it
    with the loader that will use it. A file that does not read (a mirror's error page, another
    file of the same name) is removed and ``DownloadError`` names it; return the path."""
    [path] = fetch_all([remote], base_urls, dest_dir, checksums=checksums, force=force,
                       timeout=timeout, label=label, quiet=quiet)
    try:
        check(path)
    except (ValueError, OSError, EOFError) as exc:
        path.unlink()
        raise DownloadError(f"{label}: the downloaded {remote.name} is not {what} ({exc}); it "
                            "was removed") from None
    return path
