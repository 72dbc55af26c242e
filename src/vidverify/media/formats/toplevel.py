"""The top-level structure of a file, walked without reading payloads: RIFF chunks (AVI, WAV, WebP) and ISO BMFF
boxes (MP4, MOV, HEIC). For the small readers that look for one chunk or box (XMP, a C2PA store, the first media
data); ``isobmff.py`` parses the whole box tree."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_ITEMS = 10_000
"""Top-level chunks or boxes walked at most (real files have a handful)."""


def riff_chunks(fh: Any, size: int, limit: int = MAX_ITEMS) -> Iterator[tuple[bytes, int, int]]:
    """``(fourcc, payload offset, payload size)`` of each top-level chunk after the 12-byte RIFF header, in file
    order, leaving ``fh`` at the payload of the chunk just yielded; stops at the end of the file, at a chunk header
    cut short, or after ``limit`` chunks. The declared size is the file's word: it may run past the end."""
    pos = 12
    for _ in range(limit):
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            return
        n = int.from_bytes(head[4:8], "little")
        yield head[:4], pos + 8, n
        pos += 8 + n + (n & 1)
        if pos >= size:
            return


def bmff_boxes(fh: Any, size: int, limit: int = MAX_ITEMS) -> Iterator[tuple[bytes, int, int, int]]:
    """``(type, box offset, header size, box size)`` of each top-level ISO BMFF box, in file order, leaving ``fh``
    at the box's payload (a 64-bit size read; size 0 runs to the end of the file). Stops at the end of the file, at
    a header cut short, after a box whose size is smaller than its header (yielded, then the walk ends), or after
    ``limit`` boxes."""
    pos = 0
    for _ in range(limit):
        if pos + 8 > size:
            return
        fh.seek(pos)
        head = fh.read(8)
        if len(head) < 8:
            return
        n, typ, hdr = int.from_bytes(head[:4], "big"), head[4:8], 8
        if n == 1:
            large = fh.read(8)
            if len(large) < 8:
                return
            n, hdr = int.from_bytes(large, "big"), 16
        elif n == 0:
            n = size - pos
        yield typ, pos, hdr, n
        if n < hdr:
            return
        pos += n


__all__ = ["MAX_ITEMS", "bmff_boxes", "riff_chunks"]
