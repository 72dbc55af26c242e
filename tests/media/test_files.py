"""media/files.py, the file system in one place: discovery, regular-file checks that never block, atomic and
never-overwriting writes, and the YAML/JSON documents users write (line numbers, one-line errors)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from vidverify.errors import InputError, NotAFileError, OutputError
from vidverify.media import files
from vidverify.media.files import DocumentError, discover, load_document, open_regular, write_atomic, write_new

# ------------------------------------------------------------------------------------------ discover


def test_discover_a_folder_in_order_and_a_missing_path(small: dict[str, Path]) -> None:
    folder = small["x"].parent
    found, errors = discover([folder, folder / "missing.mp4"])
    assert [os.path.basename(f) for f in found] == ["compilation.mp4", "x.mp4", "x_small.mp4", "y.mp4", "z.mp4"]
    assert errors == {str(folder / "missing.mp4"): "no such file or folder"}


def test_discover_takes_one_str_path_as_one_path(tmp_path: Path) -> None:
    (tmp_path / "a.mp4").write_bytes(b"a")
    (tmp_path / "b.mov").write_bytes(b"b")
    want = [str(tmp_path / "a.mp4"), str(tmp_path / "b.mov")]
    assert discover(str(tmp_path)) == (want, {})  # not the characters of the path, one by one
    assert discover(tmp_path) == (want, {})
    assert discover(str(tmp_path / "a.mp4")) == ([str(tmp_path / "a.mp4")], {})
    assert discover([str(tmp_path), str(tmp_path / "a.mp4")]) == (want, {})  # the same file reached twice: once


def test_discover_skips_hidden_files_fifos_and_other_extensions(tmp_path: Path) -> None:
    for rel in ("clip.mp4", "sub/photo.JPG", ".hidden.mp4", ".git/objects.mp4", "notes.txt", "sub/.partial.mov"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    os.mkfifo(tmp_path / "pipe.mp4")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "linked").symlink_to(tmp_path / "sub", target_is_directory=True)  # a symlinked folder: not walked
    found, errors = discover(tmp_path)
    assert found == [str(tmp_path / "clip.mp4"), str(tmp_path / "sub" / "photo.JPG")]
    # a FIFO named like media is reported (never opened); one that is not media, like other files, is ignored
    assert errors == {str(tmp_path / "pipe.mp4"): "not a regular file (FIFO, socket or device): skipped"}
    # named on the command line, a hidden file or a FIFO is taken or reported whatever its name
    found, errors = discover([tmp_path / ".hidden.mp4", tmp_path / "pipe.txt", tmp_path / "notes.txt"])
    assert found == [str(tmp_path / ".hidden.mp4"), str(tmp_path / "notes.txt")]
    assert list(errors) == [str(tmp_path / "pipe.txt")]


# ------------------------------------------------------------------------------------------ regular files


def test_open_regular_refuses_a_fifo_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "evidence.mp4"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            open_regular(fifo).close()
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    t = threading.Thread(target=attempt, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():  # blocked on a FIFO with no writer: unblock it, then fail
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("open_regular waited on a FIFO")
    [exc] = outcome
    assert isinstance(exc, NotAFileError) and isinstance(exc, InputError)
    assert str(exc) == f"{fifo}: not a regular file"
    with pytest.raises(NotAFileError):
        open_regular(tmp_path)  # a folder neither
    (tmp_path / "ok.mp4").write_bytes(b"data")
    with open_regular(tmp_path / "ok.mp4") as fh:
        assert fh.read() == b"data"
    assert files.sha256_file(tmp_path / "ok.mp4") == (
        "3a6eb0790f39ac87c94f3856b2dd2c5d110e6811602261a9a923d3bb23adc8b7")


# ------------------------------------------------------------------------------------------ writing


def test_write_atomic_writes_text_bytes_and_streams(tmp_path: Path) -> None:
    assert write_atomic(tmp_path / "a.txt", "héllo\n") == tmp_path / "a.txt"
    assert (tmp_path / "a.txt").read_bytes() == "héllo\n".encode()
    write_atomic(tmp_path / "a.txt", b"\x00\x01")  # over an old file
    assert (tmp_path / "a.txt").read_bytes() == b"\x00\x01"
    write_atomic(tmp_path / "b.bin", lambda fh: fh.write(b"streamed"))
    assert (tmp_path / "b.bin").read_bytes() == b"streamed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin"]


def test_write_atomic_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    write_atomic(target, "old")

    def half_then_fail(fh: object) -> None:
        fh.write(b"half a rep")  # type: ignore[attr-defined]
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputError, match="No space"):
        write_atomic(target, half_then_fail)
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]
    with pytest.raises(KeyboardInterrupt):  # an interrupt cleans up too
        write_atomic(target, lambda fh: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]

    def no_rename(*_: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OutputError, match="Read-only"):
        write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]
    with pytest.raises(OutputError):
        write_atomic(tmp_path / "missing" / "r.html", "x")  # no folder: nothing made


def test_write_new_never_overwrites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "vidverify.yaml"
    assert write_new(target, "files: []\n") == target and target.read_text() == "files: []\n"
    with pytest.raises(FileExistsError):
        write_new(target, "other\n")
    assert target.read_text() == "files: []\n" and [p.name for p in tmp_path.iterdir()] == ["vidverify.yaml"]

    def no_links(*_: object) -> None:
        raise OSError(1, "Operation not permitted")  # a file system without hard links

    monkeypatch.setattr(os, "link", no_links)
    with pytest.raises(FileExistsError):
        write_new(target, "other\n")
    assert target.read_text() == "files: []\n" and [p.name for p in tmp_path.iterdir()] == ["vidverify.yaml"]
    write_new(tmp_path / "second.yaml", "a: 1\n")  # a new one is still written, by a rename
    assert (tmp_path / "second.yaml").read_text() == "a: 1\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["second.yaml", "vidverify.yaml"]


# ------------------------------------------------------------------------------------------ documents


def test_load_document_gives_every_key_its_line(tmp_path: Path) -> None:
    yml = tmp_path / "m.yaml"
    yml.write_text("\ufeff# a comment\nfiles:\n  - path: a.mp4\n    sha256: x\n  - path: b.mp4\n", encoding="utf-8")
    doc, lines = load_document(yml, what="manifest", cap=1 << 20)
    assert doc == {"files": [{"path": "a.mp4", "sha256": "x"}, {"path": "b.mp4"}]}
    assert lines[("files",)] == 2 and lines[("files", 0)] == 3 and lines[("files", 0, "sha256")] == 4
    assert lines[("files", 1, "path")] == 5
    assert files.line_of(lines, ["files", 1, "path", "deeper"]) == 5  # the nearest enclosing key
    js = tmp_path / "m.json"
    js.write_text('{\n  "files": [\n    {"path": "a.mp4"}\n  ]\n}\n')
    doc, lines = load_document(js, what="manifest", cap=1 << 20)
    assert doc == {"files": [{"path": "a.mp4"}]} and lines[("files", 0, "path")] == 3


@pytest.mark.parametrize(("name", "content", "line", "words"), [
    ("bad.yaml", b"files:\n  - path: a.mp4\n    sha256: x\n   bad: [\n", 4, "claims file is not valid YAML ("),
    ("tab.yaml", b"a: 1\n\tb: 2\n", 2, "claims file is not valid YAML ("),
    ("bad.json", b'{\n  "files": [\n    {"path": "a.mp4",}\n  ]\n}\n', 3,
     "claims file is not valid JSON (column 22:"),
    ("nan.json", b'{"a": NaN}', None, "claims file is not valid JSON (NaN is not JSON)"),
    ("deep.json", b"[" * 70 + b"]" * 70, None, "claims file nests deeper than 64 levels"),
    ("latin.yaml", "café: 1\n".encode("latin-1"), None, "claims file is not UTF-8 text (byte 3)"),
    ("big.yaml", b"a: 1\n" * 300_000, None, "claims file larger than 1 MiB"),
], ids=["yaml", "yaml-tab", "json", "json-nan", "json-deep", "not-utf8", "too-large"])
def test_load_document_errors_are_one_line(tmp_path: Path, name: str, content: bytes, line: int | None,
                                           words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentError) as exc:
        load_document(path, what="claims file", cap=1 << 20)
    err = exc.value
    assert err.line == line and err.bare.startswith(words), err.bare
    assert str(err) == f"{path}: " + (f"line {line}: " if line else "") + err.bare
    assert "\n" not in str(err) and len(str(err)) < 300
    assert isinstance(err, InputError) and err.exit_code == 4


def test_load_document_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.yaml")
    for path, words in ((tmp_path / "missing.yaml", {"no such claims file"}),
                        (tmp_path, {"claims file is a folder", "claims file is not a regular file"}),
                        (tmp_path / "fifo.yaml", {"claims file is not a regular file"})):
        with pytest.raises(DocumentError) as exc:
            load_document(path, what="claims file", cap=1 << 20)
        assert exc.value.bare in words and exc.value.line is None
