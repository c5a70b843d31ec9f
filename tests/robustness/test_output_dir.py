"""The default picture folder must not shadow the package (issue 14, "Shadowing").

After a tour, ``<temp>/pynet`` existed; ``python -m pynet info`` run from the temporary directory
then imported that folder as a namespace package and failed. The folder is now
``<temp>/pynet-output``, a name Python cannot import.
"""
from __future__ import annotations

from pynet.inspect import images


def test_default_picture_folder_is_not_importable(tmp_path, monkeypatch):
    monkeypatch.delenv("PYNET_OUTPUT", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)        # re-read TMPDIR
    folder = images.output_dir()
    assert folder.parent == tmp_path
    # A folder on sys.path (the current directory) is importable only under an identifier; and a
    # name other than "pynet" could not shadow the package even then.
    assert not folder.name.isidentifier(), f"{folder.name!r} could be imported as a package"
    assert folder.name != "pynet"
