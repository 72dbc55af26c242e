"""The file system, in one place: discovery, regular-file checks, capped reads, file hashes, atomic writes, and
the YAML/JSON documents users write (claims files, manifests).

Evidence files are only ever opened read-only, and never in a way that can block: a FIFO or device named like a
media file is refused, not waited on. Every write is atomic (a temporary file in the target's folder, then a
rename or a link), so a full disk or a crash never leaves a half-written report, manifest or fingerprint file.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from ..errors import EmptyFileError, InputError, NotAFileError, NotFoundError, OutputError, UsageError

VIDEO_EXTENSIONS = frozenset({
    ".mp4", ".m4v", ".mov", ".qt", ".3gp", ".3g2", ".mkv", ".webm", ".avi", ".wmv", ".asf", ".flv", ".mpg", ".mpeg",
    ".m2ts", ".mts", ".ts", ".mxf", ".ogv", ".vob", ".dv", ".gif",
})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".heic", ".heif", ".tif", ".tiff", ".webp", ".bmp", ".avif"})
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | IMAGE_EXTENSIONS
FINGERPRINT_SUFFIX = ".vvfp"

Lines = dict[tuple[str | int, ...], int]
"""Line (1-based) of each mapping key and sequence item of a document, by its path of keys and indexes."""


class DocumentError(InputError):
    """A user's document (claims file, sidecar, manifest) that cannot be read or parsed. ``bare`` is the message
    without its line; ``line`` (1-based) says where, when known. Callers turn it into their own error
    (``SidecarError``, ``ManifestError``)."""

    def __init__(self, bare: str, *, path: str, line: int | None = None) -> None:
        super().__init__(("" if line is None else f"line {line}: ") + bare, path=path)
        self.bare, self.line = bare, line

# ------------------------------------------------------------------------------------------------- discover


def discover(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
             extensions: frozenset[str] = MEDIA_EXTENSIONS) -> tuple[list[str], dict[str, str]]:
    """Media files under ``paths``: (files in a stable order, {path: why it was skipped}).

    A file named on the command line is always taken (probe decides what it is); in folders, files are taken by
    extension. Hidden files and folders are skipped; so is anything that is not a regular file. Symlinked folders
    are not followed (a symlink loop cannot trap the walk), and the same file reached twice is taken once."""
    if isinstance(paths, str | os.PathLike):  # one path, not the characters of one
        paths = [paths]
    files: list[str] = []
    errors: dict[str, str] = {}
    seen: set[tuple[int, int]] = set()

    def take(p: str, explicit: bool) -> None:
        try:
            st = os.stat(p)
        except OSError as exc:
            if explicit or Path(p).suffix.lower() in extensions:
                errors[p] = f"cannot read: {exc.strerror or exc}"
            return
        if not is_regular(st):
            if explicit or Path(p).suffix.lower() in extensions:
                errors[p] = "not a regular file (FIFO, socket or device): skipped"
            return
        if (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        files.append(p)

    for given in paths:
        g = os.fspath(given)
        if os.path.isdir(g):
            for root, dirs, names in os.walk(g, onerror=lambda e: errors.setdefault(
                    str(e.filename), f"cannot list: {e.strerror}")):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if name.startswith(".") or Path(name).suffix.lower() not in extensions:
                        continue
                    take(os.path.join(root, name), False)
        elif os.path.lexists(g):
            take(g, True)
        else:
            errors[g] = "no such file or folder"
    return files, errors


# ------------------------------------------------------------------------------------------- regular files


def is_regular(st: os.stat_result) -> bool:
    """A regular file (not a folder, FIFO, socket or device)."""
    return stat.S_ISREG(st.st_mode)


def is_dir(st: os.stat_result) -> bool:
    return stat.S_ISDIR(st.st_mode)


def check_media_input(path: str) -> None:
    """Raise the ``InputError`` that says why ``path`` cannot be decoded: missing, not a file, or empty."""
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise NotFoundError("no such file", path=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from exc
    if not is_regular(st):
        raise NotAFileError("not a regular file", path=path)
    if st.st_size == 0:
        raise EmptyFileError("empty file (0 bytes)", path=path)


def still_there(path: str | None, size: int | None) -> str | None:
    """``path`` when a file of ``size`` bytes is still there (a fingerprint's media, before it is opened again),
    else None."""
    try:
        if path and os.path.isfile(path) and os.path.getsize(path) == size:
            return path
    except OSError:
        pass
    return None


def open_regular(path: str | os.PathLike[str]) -> IO[bytes]:
    """Open read-only without blocking: a FIFO or device is refused with ``NotAFileError``, never waited on."""
    p = os.fspath(path)
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        if not is_regular(os.fstat(fd)):
            raise NotAFileError("not a regular file", path=p)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_capped(path: str | os.PathLike[str], cap: int, what: str) -> bytes:
    """The bytes of a small user file (at most ``cap``), or a ``DocumentError`` saying why not (missing, a folder,
    not a regular file, too large, unreadable)."""
    p = os.fspath(path)
    try:
        with open_regular(p) as fh:
            data = fh.read(cap + 1)
    except FileNotFoundError as exc:
        raise DocumentError(f"no such {what}", path=p) from exc
    except IsADirectoryError as exc:
        raise DocumentError(f"{what} is a folder", path=p) from exc
    except NotAFileError as exc:
        raise DocumentError(f"{what} is a folder" if os.path.isdir(p) else f"{what} is not a regular file",
                            path=p) from exc
    except OSError as exc:
        raise DocumentError(f"cannot read {what}: {exc.strerror or exc}", path=p) from exc
    if len(data) > cap:
        size = f"{cap // 2**20} MiB" if cap >= 2**20 else f"{cap:,} bytes"
        raise DocumentError(f"{what} larger than {size}", path=p)
    return data


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks (the file is opened read-only)."""
    h = hashlib.sha256()
    buf = bytearray(chunk)  # one buffer, reused: a new one per read costs a page fault per 4 KiB
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as fh:
        while got := fh.readinto(buf):
            h.update(view[:got])
    return h.hexdigest()


# -------------------------------------------------------------------------------------------------- writing


def _temp_beside(target: Path) -> Path:
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


def _cannot_write(target: Path, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {target}: {exc.strerror or exc}")


def write_atomic(path: str | os.PathLike[str], content: str | bytes | Callable[[IO[bytes]], None]) -> Path:
    """Write ``content`` (text as UTF-8, bytes, or a function that writes to a binary file) to ``path``
    atomically: a temporary file in the same folder, flushed, then renamed over the target, so a failure never
    leaves a half-written file and an old one stays intact. The umask applies as for ``open``. Returns the path;
    raises ``OutputError`` (exit 6) when the file cannot be written."""
    target = Path(path)
    tmp = _temp_beside(target)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as fh:
            if callable(content):
                content(fh)
            else:
                fh.write(content.encode("utf-8") if isinstance(content, str) else content)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _cannot_write(target, exc) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_new(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to a new file atomically, never over an existing one: a hard link of a finished temporary
    file (a rename where links are not supported, after a last existence check). Raises ``FileExistsError`` when
    the target exists and ``OutputError`` when it cannot be written."""
    target = Path(path)
    tmp = _temp_beside(target)
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise
        except OSError:
            if os.path.lexists(target):
                raise FileExistsError(str(target)) from None
            os.replace(tmp, target)
    except FileExistsError:
        raise
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)
    return target


def check_writable_folder(option: str, folder: str | os.PathLike[str]) -> None:
    """Before any work: ``folder`` exists and a file can be created in it (``OutputError``, exit 6, if not).
    Tried by creating and removing a temporary file, since permission bits do not tell (root, read-only mounts)."""
    where = Path(folder)
    if not where.is_dir():
        raise OutputError(f"{option} {folder}: the folder does not exist" if not where.exists()
                          else f"{option} {folder}: not a folder")
    probe = _temp_beside(where / "vidverify-write-test")
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as exc:
        raise OutputError(f"{option} {folder}: cannot write in this folder: {exc.strerror or exc}") from exc
    probe.unlink(missing_ok=True)


def check_output_target(option: str, path: str | os.PathLike[str], inputs: Sequence[str | os.PathLike[str]] = ()
                        ) -> None:
    """Before any work: an output file goes where asked, into an existing folder that can be written, and never
    over an input. A folder given as the file, or an input as the output, is a usage error (exit 2); a folder
    that is missing or cannot be written is an ``OutputError`` (exit 6)."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{option} {path}: is a folder; give a file name, e.g. {Path(path) / 'report.html'}")
    for p in inputs:
        if Path(p).exists() and target.exists() and target.resolve() == Path(p).resolve():
            raise UsageError(f"{option} {path}: would overwrite the input {p}")
    parent = target.resolve().parent
    if not parent.is_dir():
        raise OutputError(f"{option} {path}: the folder {target.parent} does not exist")
    check_writable_folder(option, parent)


# --------------------------------------------------------------------------------------- YAML/JSON documents

MAX_JSON_DEPTH = 64
"""Nesting of JSON arrays/objects allowed (levels); yt-dlp writes 4-5."""


def yaml_lines(text: str) -> Lines:
    """Line (1-based) of every mapping key and sequence item, by path, from the YAML node graph (YAML reads JSON
    too, so JSON documents get lines as well)."""
    import yaml

    lines: Lines = {(): 1}
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return lines
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(root, ())]
    while stack:
        node, prefix = stack.pop()
        if len(prefix) > 8:
            continue
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    key = (*prefix, str(k.value))
                    lines.setdefault(key, k.start_mark.line + 1)
                    stack.append((v, key))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                item = (*prefix, i)
                lines.setdefault(item, v.start_mark.line + 1)
                stack.append((v, item))
    return lines


def line_of(lines: Lines, at: Sequence[str | int]) -> int | None:
    """The line of ``at`` or of its nearest enclosing key."""
    key = tuple(at)
    for n in range(len(key), -1, -1):
        if key[:n] in lines:
            return lines[key[:n]]
    return None


def _depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, dict | list):
            deepest = max(deepest, d)
            stack.extend((c, d + 1) for c in (v.values() if isinstance(v, dict) else v))
    return deepest


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(text: str, what: str, path: str) -> Any:
    """JSON text (no NaN/Infinity, at most MAX_JSON_DEPTH levels), or a ``DocumentError`` with line and column."""
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{what} is not valid JSON (column {exc.colno}: {exc.msg})", path=path,
                            line=exc.lineno) from exc
    except RecursionError as exc:
        raise DocumentError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels", path=path) from exc
    except ValueError as exc:  # NaN/Infinity, huge integers
        raise DocumentError(f"{what} is not valid JSON ({exc})", path=path) from exc
    if _depth(doc) > MAX_JSON_DEPTH:
        raise DocumentError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels", path=path)
    return doc


def decode_text(data: bytes, what: str, path: str) -> str:
    """UTF-8 text (a byte-order mark is dropped), or a ``DocumentError`` naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{what} is not UTF-8 text (byte {exc.start})", path=path) from exc


def load_document(path: str | os.PathLike[str], *, what: str, cap: int) -> tuple[Any, Lines]:
    """A user's YAML document (JSON when named ``*.json``), parsed safely (no object tags), with the line of every
    key and item. Anything wrong (missing, too large, not UTF-8, not valid YAML/JSON, nested too deep) raises a
    one-line ``DocumentError``."""
    p = os.fspath(path)
    text = decode_text(read_capped(p, cap, what), what, p)
    lines = yaml_lines(text)
    if Path(p).suffix.lower() == ".json":
        return parse_json(text, what, p), lines
    import yaml

    try:
        return yaml.safe_load(text), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())[:200]
        raise DocumentError(f"{what} is not valid YAML ({problem})", path=p,
                            line=mark.line + 1 if mark is not None else None) from exc
    except RecursionError as exc:
        raise DocumentError(f"{what} nests deeper than {MAX_JSON_DEPTH} levels", path=p) from exc


__all__ = [
    "FINGERPRINT_SUFFIX",
    "DocumentError",
    "IMAGE_EXTENSIONS",
    "MEDIA_EXTENSIONS",
    "VIDEO_EXTENSIONS",
    "check_media_input",
    "check_output_target",
    "check_writable_folder",
    "decode_text",
    "discover",
    "is_regular",
    "line_of",
    "load_document",
    "open_regular",
    "parse_json",
    "read_capped",
    "sha256_file",
    "write_atomic",
    "write_new",
    "yaml_lines",
]
