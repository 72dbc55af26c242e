"""The ``.vvfp`` fingerprint file: save, load, and tell one from a media file.

Format (documented in docs/fingerprint-format.md): a NumPy ``.npz`` archive (no pickles) with one array per
CHANNELS row (``signals/fingerprint.py``: ``times`` float64 s, ``hashes`` and ``mirrored`` uint64, ...,
``packet_times``/``packet_digests``) and ``meta``: a JSON string with ``format`` ("vidverify-fingerprint"),
``format_version``, the file's identity and the tool, hash and decoder versions. A file of an older format version
loads (its newer arrays get their defaults); a newer one is refused with a message to upgrade.
"""

from __future__ import annotations

import json
import os
import zipfile
from typing import IO

import numpy as np

from ..errors import FingerprintFileError, NotAFileError
from ..signals.fingerprint import CHANNELS, FORMAT_NAME, FORMAT_VERSION, Fingerprint, from_arrays
from . import files

MAX_MEMBER_BYTES = 1 << 28  # no array of a fingerprint file is larger (10 h at 60 fps is ~17 MB per array)


def save(fp: Fingerprint, path: str | os.PathLike[str]) -> None:
    """Write ``fp`` as a ``.vvfp`` file, atomically (a temporary file in the same folder, then renamed)."""
    def write(fh: IO[bytes]) -> None:
        np.savez_compressed(fh, meta=np.array(json.dumps(fp.meta())), **{c.name: getattr(fp, c.name) for c in CHANNELS})

    files.write_atomic(path, write)


def load(path: str | os.PathLike[str]) -> Fingerprint:
    """Read a ``.vvfp`` file. Anything that is not a valid one raises ``FingerprintFileError`` (no pickles are
    loaded, declared array sizes are checked against the archive before anything is allocated)."""
    p = os.fspath(path)
    try:
        with files.open_regular(p) as fh:
            _check_archive(fh)
            fh.seek(0)
            with np.load(fh, allow_pickle=False) as z:
                meta = json.loads(str(z["meta"]))
                # arrays of the first format version are required; later ones may be absent (older files)
                arrays = {c.name: z[c.name] for c in CHANNELS if c.name in z.files or c.since == 1}
    except FingerprintFileError as exc:
        raise FingerprintFileError(exc.message, path=p) from exc
    except NotAFileError as exc:
        raise FingerprintFileError(exc.message, path=p) from exc
    except Exception as exc:  # zipfile, zlib and numpy raise a dozen types on damaged archives (fuzzed)
        raise FingerprintFileError(f"not a vidverify fingerprint file ({exc})", path=p) from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise FingerprintFileError("not a vidverify fingerprint file", path=p)
    for name, arr in arrays.items():
        if arr.ndim != 1 or arr.dtype.kind not in "uif":
            raise FingerprintFileError(f"damaged fingerprint file (array {name}: {arr.dtype}, {arr.ndim}-D)", path=p)
    try:
        version = int(meta.get("format_version", 0))
    except (TypeError, ValueError, OverflowError) as exc:
        raise FingerprintFileError("damaged fingerprint file (format_version)", path=p) from exc
    if version > FORMAT_VERSION:
        raise FingerprintFileError(
            f"fingerprint format version {meta.get('format_version')} is newer than this vidverify reads "
            f"({FORMAT_VERSION}); upgrade vidverify",
            path=p,
        )
    try:
        return from_arrays(meta, arrays, version)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError, OverflowError) as exc:
        raise FingerprintFileError(f"damaged fingerprint file ({exc})", path=p) from exc


def _check_archive(fh: IO[bytes]) -> None:
    """Refuse archives whose members would make numpy allocate more than they hold."""
    from numpy.lib import format as npy_format

    with zipfile.ZipFile(fh) as z:
        for info in z.infolist():
            if info.file_size > MAX_MEMBER_BYTES:
                raise FingerprintFileError(f"damaged fingerprint file ({info.filename}: {info.file_size} bytes)")
            if not info.filename.endswith(".npy"):
                continue
            with z.open(info) as member:
                version = npy_format.read_magic(member)
                read_header = npy_format.read_array_header_1_0 if version == (1, 0) else \
                    npy_format.read_array_header_2_0
                shape, _, dtype = read_header(member)
                if dtype.hasobject:
                    raise FingerprintFileError(f"damaged fingerprint file ({info.filename}: object array)")
                if int(np.prod(shape, dtype=object)) * dtype.itemsize > info.file_size:
                    raise FingerprintFileError(f"damaged fingerprint file ({info.filename}: shape {shape} does "
                                               f"not fit in {info.file_size} bytes)")


def is_fingerprint_file(path: str | os.PathLike[str]) -> bool:
    """A zip with the fingerprint's members. Never blocks: a FIFO or device is not one (and is not opened
    for reading in blocking mode)."""
    try:
        with files.open_regular(os.fspath(path)) as fh:
            if fh.read(4) != b"PK\x03\x04":
                return False
            fh.seek(0)
            with zipfile.ZipFile(fh) as z:
                return "meta.npy" in z.namelist() and "hashes.npy" in z.namelist()
    except Exception:  # any damaged zip (BadZipFile, zlib.error, NotImplementedError for odd versions, ...)
        return False


__all__ = ["MAX_MEMBER_BYTES", "is_fingerprint_file", "load", "save"]
