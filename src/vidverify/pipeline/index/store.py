"""What a fingerprint store does, whatever keeps it: the protocol that ingest, search and scan use.

A store keeps, per content (sha256), the file's ``MediaInfo``, its dense (or keyframe) fingerprint and its sparse
signature, and per path the size and modification time it had when read, so that an unchanged file is never read
again. Every ``add`` is one transaction: a crash loses nothing committed before it. ``sqlite.py`` is the local
store (one SQLite file); a team's shared store plugs in beside it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np

from ...match.candidates import Signature
from ...models import MediaInfo
from ...signals.fingerprint import Fingerprint

SEARCH_SCHEMA = "vidverify/search@1"
DEFAULT_INDEX = "vidverify.sqlite"
INDEX_ENV = "VIDVERIFY_INDEX"


def default_index_path() -> str:
    """``$VIDVERIFY_INDEX``, else ``./vidverify.sqlite``."""
    return os.environ.get(INDEX_ENV) or DEFAULT_INDEX


class Store(Protocol):
    """A fingerprint store (see the module docstring)."""

    path: str

    def add(self, info: MediaInfo, fp: Fingerprint, *, mtime_ns: int | None = None) -> None:
        """Store one file in one transaction; the same content (sha256) is replaced."""

    def add_path(self, path: str | os.PathLike[str], sha256: str, size: int, mtime_ns: int) -> None:
        """Record that ``path`` (with this size and mtime) holds content already stored."""

    def lookup(self, path: str | os.PathLike[str]) -> str | None:
        """The sha256 of ``path`` when it was stored and its size and mtime are unchanged since."""

    def mode(self, sha256: str) -> str | None:
        """``dense`` or ``keyframes`` for stored content, None when absent or made by an older version."""

    def fingerprint(self, sha256: str) -> Fingerprint:
        """The stored fingerprint of a content (``NotFoundError`` when absent)."""

    def info(self, sha256: str) -> MediaInfo:
        """The stored MediaInfo of a content (``NotFoundError`` when absent)."""

    def paths(self, sha256: str) -> list[str]:
        """Every path recorded for a content, most recent first."""

    def signatures(self) -> tuple[np.ndarray, np.ndarray, Signature, list[str]]:
        """Every sparse signature: (row ids, entry counts, the signatures one after the other, sha256 of each
        row), in row order."""

    def features(self, sha256: str) -> bytes | None:
        """An indexed file's kept ORB features (``match.features``), or None."""

    def put_features(self, sha256: str, blob: bytes) -> None:
        """Keep an indexed file's features for the next searches."""

    def sound_words(self) -> list[tuple[str, np.ndarray]]:
        """(sha256, ``match.audio_sync.sound_words``) of every clip stored with sound, for search by sound."""

    def data_version(self) -> int:
        """A number that changes whenever the stored signatures may have changed (another writer committed)."""

    def stats(self) -> dict[str, Any]:
        """``path``, ``schema_version``, ``files``, ``paths``, ``frames``, ``duration``, ``modes``,
        ``signature_hashes``, ``signature`` (how the signatures were made) and ``bytes`` (on disk)."""

    def integrity_check(self) -> str:
        """``ok``, or what the store found wrong with itself."""

    def iter_files(self) -> Iterator[tuple[str, str, int, float | None]]:
        """(sha256, mode, frames, duration) of every stored file."""

    def __contains__(self, sha256: object) -> bool: ...

    def __len__(self) -> int: ...

    def close(self) -> None: ...


__all__ = ["DEFAULT_INDEX", "INDEX_ENV", "SEARCH_SCHEMA", "Store", "default_index_path"]
