"""One ``str`` or ``PathLike`` is one path, in every public function that takes paths (issue 16: ``scan("a/b.mp4")``
once iterated the string's characters and scanned ``/``), and the face lists its public names only."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import vidverify
from vidverify.media.files import discover


@pytest.fixture()
def folder(small: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "uploads"
    d.mkdir()
    shutil.copy(small["x"], d / "clip.mp4")
    monkeypatch.chdir(tmp_path)  # relative paths, as a user types them
    return d


@pytest.mark.parametrize("given", ["uploads/clip.mp4", Path("uploads/clip.mp4"), "uploads", Path("uploads")])
def test_one_path_is_one_path(folder: Path, given: str | os.PathLike[str], tmp_path: Path) -> None:
    assert discover(given) == (["uploads/clip.mp4"], {})
    result = vidverify.scan(given, options=vidverify.ScanOptions(pictures=False))
    assert [i.path for i in result.files] == ["uploads/clip.mp4"] and not result.errors
    assert vidverify.probe_paths(given) == (["uploads/clip.mp4"], [])
    with vidverify.Index(tmp_path / f"i-{abs(hash(str(given)))}.sqlite") as index:
        assert [r.path for r in vidverify.add_paths(index, given)] == ["uploads/clip.mp4"]


def test_single_file_functions_take_str_and_pathlike(folder: Path) -> None:
    for given in ("uploads/clip.mp4", Path("uploads/clip.mp4")):
        assert vidverify.probe(given).path == "uploads/clip.mp4"
        assert len(vidverify.fingerprint(given)) > 0
        assert vidverify.compare(given, Path("uploads/clip.mp4"), pictures=False).verdict == "identical"
    made = vidverify.init_manifest(Path("uploads"), pictures=False)
    assert made.files == ("clip.mp4",)
    assert vidverify.check(Path(made.path), pictures=False).status == "pass"


def test_dir_lists_the_public_names_only() -> None:
    names = dir(vidverify)
    assert names == sorted(vidverify.__all__)
    assert not {"importlib", "TYPE_CHECKING", "Any", "annotations"} & set(names)
    for name in names:
        assert getattr(vidverify, name) is not None
