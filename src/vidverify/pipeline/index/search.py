"""The fingerprint index: a store (``sqlite.py``: one SQLite file) and search over it.

    with Index("archive.sqlite") as ix:
        ix.add(info, fp)                       # one transaction per file
        results = ix.search(query_fp, top=5)   # best matches, aligned against the query

**Search, three stages.**

1. Candidates: the banded index of every stored clip's sparse signature (``match/candidates.py``), built in memory
   on first use from the store's signatures and rebuilt when another writer has committed. A clip's votes are its
   sampled query frames whose hits lie on one line of time offset, weighted by closeness.
2. Alignment. The best candidates (``top`` + ``ALIGN_CANDIDATES`` at most, each with ``MIN_VOTES``) are
   aligned densely with ``match_fingerprints``, the indexed clip as reference and the query as the clip to explain
   (alignment looks a keyframe-only side's frames up in the side that has every frame, whichever it is), and
   reported with A = the query, B = the indexed clip; clips whose verdict is not ``unrelated`` are the results,
   best first. Among them, one with fewer votes but ``SECOND_LOOK_VOTES`` (a still shot borrowed into the query)
   is a result only when its frames match nearly identically (``SECOND_LOOK_BITS``).
3. Features, when the caller gives ``compare_media`` (``vidverify.compare``: the CLI does) and the query's media
   file is at hand: a clip shown small over other footage (a picture-in-picture), inside an app's busy screen or
   re-filmed at an angle has no frame that hashes like the query's. ORB features of a few frames of each indexed
   clip (kept at ``index add``; for a clip added before, found from its media at a search, FEATURE_FIND_MAX a
   search, and kept) are looked up in the query's features (``pipeline/feature_stage.py``: every clip's votes,
   cheaply, then the geometry of the SHORTLIST with most); the ``FEATURE_CANDIDATES`` clips found best are
   compared in full (``compare``, whose own feature search places the region), and are results when they match.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np

from ...errors import IndexFileError, UsageError, VidverifyError
from ...match import features as feats
from ...match.align import swap
from ...match.audio_sync import MIN_COMMON_WORDS, sound_only, sound_words
from ...match.candidates import Bands, Signature, query_probes
from ...match.verdict import match_fingerprints
from ...media import files
from ...media.formats.c2pa import NOT_READ_TAG
from ...models import AudioMatch, AudioSegment, Match, MediaInfo, SearchResult, mean_bits
from ...signals.fingerprint import Fingerprint
from .. import feature_stage
from .sqlite import BUSY_TIMEOUT_SECONDS, SqliteStore
from .store import Store

log = logging.getLogger("vidverify")

MIN_VOTES = 3.0  # a candidate needs this many (weighted) query frames on one line to be aligned (a still shot's
# identical frames are one look-up, one vote: 3 s of a still borrowed into a video had 1.7, but a floor of 1.5
# aligned look-alike scenes too: bench_index's unrelated queries with results went from 1 of 10 to 2, one with 5)
SECOND_LOOK_VOTES = 1.5  # a listed candidate with fewer votes, but this many, is aligned too (3 s of a still shot
# borrowed into a 64 s query: 1.7) and kept only when its frames match nearly identically (SECOND_LOOK_BITS, mean):
# look-alike scenes of unrelated clips, which the floor keeps out, lie further apart
SECOND_LOOK_BITS = 1.0
ALIGN_CANDIDATES = 5  # candidates aligned beyond the requested number of results
FEATURE_MAX_CLIPS = 3000  # indexed clips one search's feature stage looks up (about 0.02 s each): the newest
FEATURE_FIND_MAX = 200  # clips whose features one search finds from their media (an index made before they were
# kept at ``index add``): the others wait for the next search, and the search says how many it left
FEATURE_CANDIDATES = 3  # clips whose features the query shows best are compared in full ...
FEATURE_PARTIAL = 3  # ... and apart from them, this many of those the hashes matched in part (a corner
# picture-in-picture's background clip and its copies, matched in part, must not take the source's turn)


def open_store(path: str | os.PathLike[str] | None = None, *, create: bool = True,
               timeout: float = BUSY_TIMEOUT_SECONDS) -> Store:
    """The store at ``path`` (default ``$VIDVERIFY_INDEX``, else ``./vidverify.sqlite``)."""
    return SqliteStore(path, create=create, timeout=timeout)


class Index:
    """A fingerprint store and search over it. Opens the store at ``path`` (created on first use unless
    ``create=False``); use as a context manager, or call ``close()``. One ``Index`` belongs to one thread; any
    number of processes may open the same store."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, create: bool = True,
                 timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.store = open_store(path, create=create, timeout=timeout)
        self.path = self.store.path
        self._bands: Bands | None = None
        self._bands_version: int | None = None
        self._sha_of: dict[int, str] = {}
        # what the last search's feature stage looked at (None: no feature stage was asked for; keys in
        # docs/contract.md, search section)
        self.feature_report: dict[str, Any] | None = None

    # the store's own operations; a write drops the in-memory bands
    def add(self, info: MediaInfo, fp: Fingerprint, *, mtime_ns: int | None = None) -> None:
        self.store.add(info, fp, mtime_ns=mtime_ns)
        self._bands = None

    def add_path(self, path: str | os.PathLike[str], sha256: str, size: int, mtime_ns: int) -> None:
        self.store.add_path(path, sha256, size, mtime_ns)
        self._bands = None

    def lookup(self, path: str | os.PathLike[str]) -> str | None:
        return self.store.lookup(path)

    def mode(self, sha256: str) -> str | None:
        return self.store.mode(sha256)

    def fingerprint(self, sha256: str) -> Fingerprint:
        return self.store.fingerprint(sha256)

    def info(self, sha256: str) -> MediaInfo:
        return self.store.info(sha256)

    def paths(self, sha256: str) -> list[str]:
        return self.store.paths(sha256)

    def signatures(self) -> tuple[np.ndarray, np.ndarray, Signature, list[str]]:
        return self.store.signatures()

    def features(self, sha256: str) -> bytes | None:
        return self.store.features(sha256)

    def put_features(self, sha256: str, blob: bytes) -> None:
        self.store.put_features(sha256, blob)

    def sound_words(self) -> list[tuple[str, np.ndarray]]:
        return self.store.sound_words()

    def data_version(self) -> int:
        return self.store.data_version()

    def stats(self) -> dict[str, Any]:
        return self.store.stats()

    def integrity_check(self) -> str:
        return self.store.integrity_check()

    def iter_files(self) -> Iterator[tuple[str, str, int, float | None]]:
        return self.store.iter_files()

    def __contains__(self, sha256: object) -> bool:
        return sha256 in self.store

    def __len__(self) -> int:
        return len(self.store)

    def close(self) -> None:
        self._bands = None
        self.store.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------- search

    def _load_bands(self) -> Bands:
        version = self.store.data_version()
        if self._bands is not None and self._bands_version == version:
            return self._bands
        started = time.perf_counter()
        self._bands = None  # free the old arrays before building new ones
        ids, lengths, sig, shas = self.store.signatures()
        self._sha_of = dict(zip(ids.tolist(), shas, strict=True))
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        bands = Bands(ids, starts, sig.hashes, sig.times, sig.groups)
        self._bands, self._bands_version = bands, version
        log.info("index: %d signature hashes of %d files loaded in %.2f s", len(sig.hashes), len(ids),
                 time.perf_counter() - started)
        return bands

    def candidates(self, fp: Fingerprint, limit: int = 50) -> list[tuple[str, float]]:
        """(sha256, votes) of the indexed clips most likely to share footage with ``fp``, most votes first.
        Votes: sampled query frames with an indexed hash within CANDIDATE_BITS on one line of time offset, each
        weighted by closeness (1 for an exact hash)."""
        bands = self._load_bands()
        ids, votes = bands.votes(query_probes(fp))
        if len(ids) == 0:
            return []
        order = np.lexsort((ids, -votes))[:limit]
        return [(self._sha_of[int(ids[i])], round(float(votes[i]), 2)) for i in order]

    def search(self, fp: Fingerprint, top: int = 10, *, min_votes: float = MIN_VOTES,
               compare_media: Callable[[Fingerprint, Fingerprint], Match] | None = None,
               progress: Callable[[str, int, int], None] | None = None) -> tuple[SearchResult, ...]:
        """Indexed clips that share footage with ``fp``, best first (at most ``top``). ``compare_media``
        (``vidverify.compare``): look for indexed clips' features in the query's frames too, when its media file
        is at hand, and compare those found with it in full (stage 3; ``feature_report`` then says how many clips
        it looked at, and ``progress`` is told ("features", done, total), then ("compare", done, total)).
        ``min_votes``: the candidates' floor; those under it with SECOND_LOOK_VOTES get the second look."""
        if top < 1:
            raise UsageError("top must be at least 1")
        self.feature_report = None
        # the floor is absolute: a few seconds borrowed into the query (a still shot's, whose frames vote on few
        # lines) have few votes beside a long clip that shares the rest of it, and a share of the best one's votes
        # (2% of a 64 s host's put a 3.5 s stretch below it) would hide any short stretch from a long query
        listed = self.candidates(fp, top + ALIGN_CANDIDATES)
        found = [(s, v) for s, v in listed if v >= min_votes]
        if fp.sha256 and fp.sha256 in self and all(s != fp.sha256 for s, _ in found):
            found.insert(0, (fp.sha256, 0.0))  # the query's own bytes are indexed (flat or tiny clip)
        results = []
        words = sound_words(fp)  # clips that share the query's sound are aligned too (a hit by sound alone)
        heard = [sha for sha, w in self.store.sound_words() if words is not None and sha not in dict(found)
                 and len(np.intersect1d(words, w)) >= MIN_COMMON_WORDS]
        taken = {s for s, _ in found} | set(heard)
        second = {s: v for s, v in listed if SECOND_LOOK_VOTES <= v < min_votes and s not in taken}
        for sha, votes in found + [(sha, 0.0) for sha in heard] + list(second.items()):
            # the indexed clip is the reference and the query the clip to explain; alignment follows whichever of
            # the two has every frame (match/align.py), so a keyframe-only side is matched exactly either way
            m = match_fingerprints(self.fingerprint(sha), fp)
            if m.verdict == "unrelated" and not sound_only(m):
                continue
            if sha in second and m.verdict != "unrelated" and (mean_bits(m.segments) or 0.0) > SECOND_LOOK_BITS:
                continue  # a look-alike scene, as near as the floor keeps out
            results.append(self._result(sha, m, votes))
        if compare_media is not None:
            # a candidate whose hashes did not match is looked at again: its picture may be covered or small; so is
            # one they matched in part (a duet's half matched for half of its time), whose full comparison then
            # stands when it covers more, as in compare
            partial = {r.sha256 for r in results
                       if feature_stage.in_part(r.verdict, r.coverage, (s.channel for s in r.segments))}
            seen = {r.sha256 for r in results} - partial
            for sha, m in self._by_features(fp, seen, partial, compare_media, progress):
                by_features = self._result(sha, m, 0.0)
                k = next((k for k, r in enumerate(results) if r.sha256 == sha), None)
                if k is None:
                    results.append(by_features)
                elif sum(by_features.coverage.values()) > sum(results[k].coverage.values()):
                    results[k] = replace(by_features, votes=results[k].votes)
        results.sort(key=lambda r: (-(r.verdict == "identical"), -r.score, -r.votes, r.path))
        return tuple(results[:top])

    def _result(self, sha: str, m: Match, votes: float) -> SearchResult:
        """A comparison of the indexed clip ``sha`` (A) with the query (B), as a result with A = the query."""
        info = self.info(sha)
        return SearchResult(
            path=_best_path(self.paths(sha)), sha256=sha, score=m.similarity, verdict=m.verdict,
            coverage={"a": m.coverage["b"], "b": m.coverage["a"]},
            segments=tuple(sorted((swap(s) for s in m.segments), key=lambda s: (s.a_start, s.b_start))),
            edits=m.edits, duration=m.a.duration, confidence=m.confidence, votes=votes,
            matched_by="sound" if m.verdict == "unrelated" else "picture", audio=_query_first(m.audio),
            credentials=info.credentials, credentials_read=NOT_READ_TAG not in info.tags,
        )

    def _by_features(self, fp: Fingerprint, seen: set[str], partial: set[str],
                     compare_media: Callable[[Fingerprint, Fingerprint], Match],
                     progress: Callable[[str, int, int], None] | None = None) -> list[tuple[str, Match]]:
        """Indexed clips (not in ``seen``) whose features the query's frames show, compared in full with the query:
        those that match (module docstring, stage 3). The clips in ``partial`` (matched in part by the hashes) have
        FEATURE_PARTIAL turns of their own, the others FEATURE_CANDIDATES. ``feature_report`` says what was looked
        at."""
        media = files.still_there(fp.path, fp.size)
        others = [sha for sha, *_ in self.store.iter_files() if sha not in seen and sha != fp.sha256]
        # the newest first: over FEATURE_MAX_CLIPS, the clips added last are looked at
        looked, over = others[::-1][:FEATURE_MAX_CLIPS], max(0, len(others) - FEATURE_MAX_CLIPS)
        report: dict[str, Any] = {"clips": len(others), "checked": 0, "without_features": 0, "deferred": 0,
                                  "over_limit": over, "find_max": FEATURE_FIND_MAX, "max_clips": FEATURE_MAX_CLIPS,
                                  "read_only": False, "skipped": None}
        self.feature_report = report
        if media is None or len(fp) < 2:
            report["skipped"] = "the query's media file is not at hand" if media is None else "the query is a still"
            return []
        query = feature_stage.query(media, fp)
        if len(query) < feats.MIN_INLIERS:
            report["skipped"] = "the query's frames have too few features"
            return []
        found_new = [0]

        def kept() -> Iterator[tuple[str, feats.Features]]:
            for n, sha in enumerate(looked):
                if progress:
                    progress("features", n, len(looked))
                find = found_new[0] < FEATURE_FIND_MAX and not report["read_only"]
                features = self._features(sha, find=find)
                if features is None:
                    gone = find or not os.path.isfile(_best_path(self.paths(sha)))
                    report["without_features" if gone else "deferred"] += 1
                    continue
                if features.found:
                    found_new[0] += 1
                    report["read_only"] = report["read_only"] or not features.kept
                report["checked"] += 1
                yield sha, features.features

        shortlist = feature_stage.shortlisted(query, kept())
        if progress:
            progress("features", len(looked), len(looked))
        out = []
        best = ([c for c in shortlist if c[1] not in partial][:FEATURE_CANDIDATES]
                + [c for c in shortlist if c[1] in partial][:FEATURE_PARTIAL])
        for n, (_, sha) in enumerate(best):
            if progress:
                progress("compare", n, len(best))
            ref = self.fingerprint(sha)
            # the media where the index last saw it (the fingerprint keeps the path it was made from)
            ref = replace(ref, path=files.still_there(_best_path(self.paths(sha)), ref.size) or ref.path)
            try:
                m = compare_media(ref, fp)
            except Exception as exc:  # noqa: BLE001 - one clip that cannot be compared leaves the others' results
                log.warning("search: %s could not be compared by features: %s", _best_path(self.paths(sha)), exc)
                continue
            if m.verdict != "unrelated":
                out.append((sha, m))
        if progress and best:
            progress("compare", len(best), len(best))
        return out

    def _features(self, sha: str, *, find: bool = True) -> _Kept | None:
        """An indexed clip's kept features; with ``find``, found from its media (and kept) when the index has none
        (a clip added by a vidverify that did not keep them); None when they are neither kept nor found."""
        blob = self.store.features(sha)
        if blob is not None:
            try:
                return _Kept(feats.Features.from_bytes(blob), found=False)
            except Exception:  # noqa: BLE001 - any damage to a kept blob: found again from the media
                log.info("index: damaged features of %s are found again", sha[:12])
        if not find:
            return None
        ref = self.fingerprint(sha)
        media = files.still_there(_best_path(self.paths(sha)), ref.size)
        if media is None or len(ref) < 1:
            return None
        try:
            found = feature_stage.stored(media, ref)
        except VidverifyError as exc:  # media that no longer decodes: no features, the other clips go on
            log.info("index: no features of %s: %s", media, exc)
            return None
        try:
            self.store.put_features(sha, found.to_bytes())
        except IndexFileError as exc:  # a read-only index: found again next time
            log.info("index: features of %s not kept: %s", sha[:12], exc)
            return _Kept(found, found=True, kept=False)
        return _Kept(found, found=True)


class _Kept(NamedTuple):
    features: feats.Features
    found: bool  # found from the media just now (not kept in the index before)
    kept: bool = True  # kept in the index (False: the index is read-only, they are found again next time)


def _query_first(audio: AudioMatch | None) -> AudioMatch | None:
    """A compare's ``audio`` (A = the indexed clip) with A = the query, as a search result's segments."""
    if audio is None:
        return None
    segs = tuple(AudioSegment(s.b_start, s.b_end, s.a_start, s.a_end) for s in audio.segments)
    return AudioMatch(audio.verdict, segs, -audio.offset if audio.offset is not None else None,
                      a_sound=audio.b_sound, b_sound=audio.a_sound)


def _best_path(paths: list[str]) -> str:
    """The most recently recorded path that still exists (else the most recent one)."""
    return next((p for p in paths if os.path.exists(p)), paths[0] if paths else "")


__all__ = ["ALIGN_CANDIDATES", "MIN_VOTES", "Index", "open_store"]
