"""RIFF (AVI, WAV, WebP): the top-level chunks of a file, walked without reading their payloads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

MAX_CHUNKS = 10_000
"""Top-level chunks walked at most (real AVI, WAV and WebP files have a handful)."""


def chunks(fh: Any, size: int, limit: int = MAX_CHUNKS) -> Iterator[tuple[bytes, int, int]]:
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


__all__ = ["MAX_CHUNKS", "chunks"]
