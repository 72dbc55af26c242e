"""Candidates: which fingerprints may share footage, found cheaply before any alignment. Pure: fingerprints in,
pairs or votes out.

Both candidate stages sample a fingerprint the same way (:func:`sample`: at most one frame per interval, flat frames
and static stretches optionally left out) and read the channels the CHANNELS table marks for them (:func:`gather`).

* **The all-pairs test** (scan, up to ALL_PAIRS_MAX files): the sparse hashes of one file (a frame per
  SPARSE_STEP_S, in every candidate channel: the picture, its mirror, its centre crop and that crop's mirror, the
  picture turned a quarter, half and three quarters of a turn, and the half pictures that are not flat) against
  every frame of the other (the channels neither mirrored nor turned: one side mirrored or turned is enough);
  CANDIDATE_HITS within CANDIDATE_BITS make a candidate. Files that share compressed packets (a stream copy) are
  candidates too.
* **The banded index** (the fingerprint index, and scan above ALL_PAIRS_MAX files; multi-index hashing). Each
  clip contributes a sparse signature: at most one hash per SPARSE_INTERVAL_SECONDS of its non-flat frames (static
  stretches thinned), of the channels marked ``signature`` (the whole picture, its centre crop, the picture inside
  bars and the canvas regions; the four half pictures that are not flat at every HALF_SIGNATURE_STEP-th of those
  frames), with its time and its group (``signature_group``: 0 for whole pictures, 1-4 for the halves;
  SIGNATURE_RECIPE names the recipe, so that an index can tell an older one). Every 64-bit hash is cut into four
  16-bit bands; per band, the entries are kept ordered by (group, band value) with an offset table (a bucket is
  one slice). Two hashes within 3 bits share at least one band exactly, and frames of the same footage, which
  differ by a few bits, usually share several. The query is sampled at QUERY_SAMPLES_PER_SECOND; its probe
  channels (the signature channels, their mirrors and the turned pictures) look up their four buckets each, in
  their own group only (half pictures do not crowd the whole pictures' buckets); every entry found is checked on
  all 64 bits (CANDIDATE_BITS). Votes are temporal: a clip's score is its best (speed, time offset) cell, summing
  over distinct query frames the closeness of their best hit, so shared footage (hits on one line, a few bits
  apart) stands far above look-alike pictures (scattered, near the threshold). Buckets larger than
  MAX_BUCKET_FACTOR times their group's mean (generic pictures) are skipped.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple, cast

import numpy as np

from ..signals.fingerprint import BY_NAME, CHANNELS, FLAT_LUMA_STD, Fingerprint
from ..signals.hashing import hamming
from .streamcopy import shared_pairs

CANDIDATE_BITS = 12  # a sampled hash this close to one of the other file's (all 64 bits) is a hit
SPARSE_STEP_S = 0.5  # all-pairs test: one frame per this many seconds is tested against every frame of the other
CANDIDATE_HITS = 2  # ... and this many hits make a candidate pair (1 for a still image)
ALL_PAIRS_MAX = 300  # up to this many files every pair is tested; above, the banded index picks them
BANDED_CANDIDATES = 20  # with the banded index: the best-voted other files each file is aligned with
BANDED_MIN_VOTES = 2.0  # ... when they have at least this many votes (two close frames on one line; search
# asks for MIN_VOTES = 3, but a scan must not miss a 2 s excerpt of a short clip)

SPARSE_INTERVAL_SECONDS = 0.5  # index signature: at most one hash per this much of a clip
SPARSE_SAME_BITS = 2  # a frame within this many bits of the sampled frame before it adds nothing (static shot)
HALF_SIGNATURE_STEP = 2  # the half pictures are signed at every second sampled frame: four more hashes per frame
# would triple the index's search arrays; at one a second a half-covered copy still gets its votes
QUERY_SAMPLES_PER_SECOND = 8.0  # query frames looked up per second of the query ...
MIN_QUERY_SAMPLES = 480  # ... and at least this many (a minute's worth): a short query, a clip a few seconds of
# which were borrowed, looks up all its frames up to this (an indexed frame every 0.5 s of fast footage is hit by
# the query frames a frame or two from it only)
MAX_QUERY_SAMPLES = 4800  # a query longer than 10 minutes is sampled more thinly (a 3 s stretch borrowed into a
# 10-minute video must still get votes: 2000 left it 3.3 frames a second, and its hits a vote or two)
BANDS = 4  # 16-bit bands of a 64-bit hash
MAX_BUCKET_FACTOR = 64  # a band bucket larger than this times the mean bucket (and MIN_BIG_BUCKET) is skipped
MIN_BIG_BUCKET = 2000
CANDIDATE_SPEEDS = (0.5, 0.63, 0.8, 1.0, 1.25, 1.6, 2.0)  # playback speeds the candidate votes allow for
OFFSET_BIN_SECONDS = 2.0  # hits vote together when their time offsets fall in one bin this wide

SPARSE_CHANNELS = tuple(c.name for c in CHANNELS if c.candidate)  # the all-pairs test's sampled hashes
DENSE_CHANNELS = tuple(c.name for c in CHANNELS  # ... against these (a mirror or a turn on one side is enough)
                       if c.candidate and not c.mirrored and not c.probe_only)
SIGNATURE_CHANNELS = tuple(c.name for c in CHANNELS if c.signature)  # the index's signature of a clip
PROBE_CHANNELS = tuple(c.name for c in CHANNELS if c.candidate)  # the query's probes
# how sparse_signature makes a signature: an index whose signatures were made otherwise (by an older vidverify)
# remakes them from its stored fingerprints
SIGNATURE_RECIPE = (f"{'+'.join(SIGNATURE_CHANNELS)}/{SPARSE_INTERVAL_SECONDS:g}s/{SPARSE_SAME_BITS}b"
                    f"/halves-every-{HALF_SIGNATURE_STEP}")
_WHOLE_SIGNATURE = tuple(c for c in SIGNATURE_CHANNELS if BY_NAME[c].half is None)
_HALF_SIGNATURE = tuple(c for c in SIGNATURE_CHANNELS if BY_NAME[c].half is not None)


# -------------------------------------------------------------------------------------------------- sampling


def sample(fp: Fingerprint, step_s: float, *, skip_flat: bool = False, same_bits: int | None = None) -> np.ndarray:
    """Frame indexes: the first frame of every ``step_s`` seconds (counted from the first frame sampled). With
    ``skip_flat``, flat frames (black, white: their hash says nothing) are never sampled; with ``same_bits``, a
    frame within that many bits of the last frame kept is left out (a static shot adds nothing; a slow drift, a
    zoom or a pan a bit or two per step, is kept each time it has moved further than that)."""
    keep = np.flatnonzero(np.asarray(fp.luma_std) >= FLAT_LUMA_STD) if skip_flat else np.arange(len(fp.times))
    if len(keep) == 0:
        return keep
    t = np.asarray(fp.times)[keep]
    slot = np.floor((t - t[0]) / step_s).astype(np.int64)
    keep = keep[np.concatenate([[True], slot[1:] != slot[:-1]])]
    if same_bits is not None and len(keep) > 1:
        h = np.asarray(fp.hashes, dtype=np.uint64)[keep]
        moved = np.bitwise_count(np.bitwise_xor(h[1:], h[:-1])) > same_bits
        if not moved.all():  # the neighbours of a slow drift are all close: measure from the last frame kept
            moved = np.zeros(len(h) - 1, dtype=bool)
            last = h[0]
            for k, v in enumerate(h[1:].tolist()):
                if (v ^ int(last)).bit_count() > same_bits:
                    moved[k], last = True, v
        keep = keep[np.concatenate([[True], moved])]
    return cast(np.ndarray, keep)


def gather(fp: Fingerprint, frames: np.ndarray, channels: Sequence[str]) -> np.ndarray:
    """The hashes of ``frames`` in each of ``channels`` (see ``gather_at``)."""
    return gather_at(fp, frames, channels)[0]


def gather_at(fp: Fingerprint, frames: np.ndarray, channels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(hashes, the position in ``frames`` of each): the hashes of ``frames`` in each of ``channels``, one
    channel after the other; a half picture's hashes only where that half is not flat (an overlay or a bar may
    leave it blank), a channel that only some frames have (the picture inside a stretch's bars) only where they
    have it."""
    out, where = [], []
    pos = np.arange(len(frames), dtype=np.int64)
    for name in channels:
        arr = np.asarray(getattr(fp, name), np.uint64)[frames]
        half, present = BY_NAME[name].half, BY_NAME[name].present
        keep = np.ones(len(frames), dtype=bool)
        if half is not None:
            keep = (np.asarray(fp.half_flat)[frames] & (1 << half)) == 0
        elif present is not None:
            keep = np.asarray(getattr(fp, present))[frames] != 0
        out.append(arr[keep])
        where.append(pos[keep])
    if not out:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    return np.concatenate(out), np.concatenate(where)


def signature_group(channel: str) -> int:
    """The part of the banded index a channel's hashes are filed in and looked up in: 0 for whole pictures (the
    full picture, its crop, the picture inside bars or a canvas region: any of them may show the same picture as
    any other), 1-4 for each half picture, which only meets the same half of another clip."""
    half = BY_NAME[channel].half
    return 0 if half is None else 1 + half


SIGNATURE_GROUPS = 5


def gather_grouped(fp: Fingerprint, frames: np.ndarray,
                   channels: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``gather_at`` with the ``signature_group`` of each hash (uint8)."""
    parts = [(*gather_at(fp, frames, [c]), signature_group(c)) for c in channels]
    if not parts:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.uint8)
    return (np.concatenate([h for h, _, _ in parts]), np.concatenate([w for _, w, _ in parts]),
            np.concatenate([np.full(len(h), g, np.uint8) for h, _, g in parts]))


class Signature(NamedTuple):
    """The sparse hashes a clip is indexed under, the time of each on the clip and its ``signature_group``."""

    hashes: np.ndarray  # uint64
    times: np.ndarray  # float32 seconds
    groups: np.ndarray  # uint8


class Probes(NamedTuple):
    """A query's look-ups: the hashes, the sampled query frame of each, the times of the sampled frames and the
    ``signature_group`` each hash is looked up in."""

    hashes: np.ndarray
    frame_of: np.ndarray
    frame_times: np.ndarray
    groups: np.ndarray


def sparse_signature(fp: Fingerprint) -> Signature:
    """What a clip is indexed under: at most one non-flat frame per SPARSE_INTERVAL_SECONDS, static stretches
    thinned (SPARSE_SAME_BITS), in each signature channel (the full picture, the crop, the pictures inside bars
    and canvas regions), then the half pictures at every HALF_SIGNATURE_STEP-th of those frames."""
    keep = sample(fp, SPARSE_INTERVAL_SECONDS, skip_flat=True, same_bits=SPARSE_SAME_BITS)
    times = np.asarray(fp.times, np.float64)[keep].astype(np.float32)
    hashes, where, groups = gather_grouped(fp, keep, _WHOLE_SIGNATURE)
    step = HALF_SIGNATURE_STEP
    half_hashes, half_where, half_groups = gather_grouped(fp, keep[::step], _HALF_SIGNATURE)
    return Signature(np.concatenate([hashes, half_hashes]),
                     np.concatenate([times[where], times[::step][half_where]]).astype(np.float32),
                     np.concatenate([groups, half_groups]))


def query_probes(fp: Fingerprint) -> Probes:
    """The hashes a query looks up (see ``Probes``)."""
    informative = np.flatnonzero(np.asarray(fp.luma_std) >= FLAT_LUMA_STD)
    if len(informative) == 0:
        return Probes(np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.uint8))
    t = np.asarray(fp.times)[informative]
    span = float(t[-1] - t[0]) if len(t) > 1 else 0.0
    want = int(min(MAX_QUERY_SAMPLES, max(MIN_QUERY_SAMPLES, span * QUERY_SAMPLES_PER_SECOND))) + 1
    if len(informative) > want:
        informative = informative[np.unique(np.linspace(0, len(informative) - 1, want).round().astype(int))]
    probes, frame_of, groups = gather_grouped(fp, informative, PROBE_CHANNELS)
    # identical probes (a static shot) are looked up once per frame set and group
    order = np.lexsort((probes, groups))
    probes, frame_of, groups = probes[order], frame_of[order], groups[order]
    first = np.concatenate([[True], (probes[1:] != probes[:-1]) | (groups[1:] != groups[:-1])])
    return Probes(probes[first], frame_of[first], np.asarray(fp.times, np.float64)[informative], groups[first])


# --------------------------------------------------------------------------------------------- banded index


def _band(hashes: np.ndarray, b: int, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Band ``b`` of :class:`Bands`: the entry numbers ordered by (group, band value), and the offset table."""
    if sys.byteorder == "little":  # band b is the b-th 16-bit word of each hash in memory: no shifting needed
        keys = np.ascontiguousarray(hashes.view(np.uint16).reshape(-1, BANDS)[:, b])
    else:
        keys = ((hashes >> np.uint64(16 * b)) & np.uint64(0xFFFF)).astype(np.uint16)
    order = np.empty(len(hashes), np.uint32 if len(hashes) < 2**32 else np.int64)
    offsets = np.zeros((SIGNATURE_GROUPS << 16) + 1, np.int64)
    for g in range(SIGNATURE_GROUPS):
        lo, hi = int(bounds[g]), int(bounds[g + 1])
        part = order[lo:hi]
        part[:] = np.argsort(keys[lo:hi], kind="stable")  # a radix sort (16-bit keys)
        np.add(part, lo, out=part, casting="unsafe")
        offsets[(g << 16) + 1:((g + 1) << 16) + 1] = lo + np.cumsum(np.bincount(keys[lo:hi], minlength=1 << 16))
    return order, offsets


class Bands:
    """In-memory multi-index over every signature hash. The entries are held group by group
    (``signature_group``), file by file within a group; per 16-bit band there are the entry numbers ordered by
    (group, band value) and an offset table: bucket ``v`` of band ``b`` in group ``g`` is
    ``order[b][offsets[b][k]:offsets[b][k + 1]]`` with ``k = g * 65536 + v``. A probe reads the buckets of its own
    group only: half pictures do not crowd the whole pictures' buckets, nor the reverse."""

    def __init__(self, file_ids: np.ndarray, starts: np.ndarray, hashes: np.ndarray, times: np.ndarray,
                 groups: np.ndarray | None = None) -> None:
        self.file_ids = file_ids  # row id of each file (int64), in the order given
        n_files = len(file_ids)
        if groups is not None and np.any(groups):
            members = [np.flatnonzero(groups == g) for g in range(SIGNATURE_GROUPS)]  # ascending
            size = np.array([len(m) for m in members], np.int64)
            bounds = np.concatenate([[0], np.cumsum(size)])
            # entries of file k in group g start at entry_starts[g * n_files + k] (files without any are skipped
            # by the search's side="right")
            self.entry_starts = np.concatenate([bounds[g] + np.searchsorted(m, starts[:-1])
                                                for g, m in enumerate(members)]).astype(np.int64)
            held_hashes, held_times = np.empty_like(hashes), np.empty_like(times)
            for g, m in enumerate(members):
                np.take(hashes, m, out=held_hashes[bounds[g]:bounds[g + 1]])
                np.take(times, m, out=held_times[bounds[g]:bounds[g + 1]])
            del members
            hashes, times = held_hashes, held_times
        else:
            size = np.zeros(SIGNATURE_GROUPS, np.int64)
            size[0] = len(hashes)
            bounds = np.concatenate([[0], np.cumsum(size)])
            self.entry_starts = np.asarray(starts[:-1], np.int64)
        self.hashes = hashes
        self.times = times  # float32 seconds of each entry on its clip
        # the four bands are sorted side by side (numpy's sort releases the GIL): the cold start of a search
        with ThreadPoolExecutor(max_workers=BANDS) as pool:
            self.order, self.offsets = (list(x) for x in zip(*pool.map(lambda b: _band(hashes, b, bounds),
                                                                        range(BANDS)), strict=True))
        self._n_files = max(1, n_files)
        # a bucket larger than MAX_BUCKET_FACTOR times its group's mean bucket (and MIN_BIG_BUCKET) is skipped
        self.max_bucket = np.maximum(MIN_BIG_BUCKET, MAX_BUCKET_FACTOR * size / float(1 << 16)).astype(np.int64)

    @property
    def nbytes(self) -> int:
        return int(self.hashes.nbytes + self.times.nbytes + sum(o.nbytes for o in self.order)
                   + sum(o.nbytes for o in self.offsets) + self.entry_starts.nbytes + self.file_ids.nbytes)

    def votes(self, probes: Probes) -> tuple[np.ndarray, np.ndarray]:
        """(file row ids, votes): per file, the most distinct query frames whose verified hits lie on one line
        ``t_indexed = speed * t_query + offset`` (see ``line_votes``)."""
        frame_of, frame_times = probes.frame_of, probes.frame_times
        group = probes.groups.astype(np.int64)
        probes_h = probes.hashes
        if len(self.hashes) == 0 or len(probes_h) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        hit_entries, hit_frames, hit_bits = [], [], []
        for b in range(BANDS):
            keys = group * (1 << 16) + ((probes_h >> np.uint64(16 * b)) & np.uint64(0xFFFF)).astype(np.int64)
            lo, hi = self.offsets[b][keys], self.offsets[b][keys + 1]
            counts = hi - lo
            counts[counts > self.max_bucket[group]] = 0
            total = int(counts.sum())
            if total == 0:
                continue
            ends = np.cumsum(counts)
            pos = np.arange(total, dtype=np.int64) + np.repeat(lo - (ends - counts), counts)
            entries = self.order[b][pos]
            probe_idx = np.repeat(np.arange(len(probes_h)), counts)
            bits = np.bitwise_count(self.hashes[entries] ^ probes_h[probe_idx])
            close = bits <= CANDIDATE_BITS
            hit_entries.append(entries[close].astype(np.int64))
            hit_frames.append(frame_of[probe_idx[close]])
            hit_bits.append(bits[close])
        if not hit_entries:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        entries = np.concatenate(hit_entries)
        if len(entries) == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float64)
        frames = np.concatenate(hit_frames)
        files = (np.searchsorted(self.entry_starts, entries, side="right") - 1) % self._n_files
        weight = 1.0 - np.concatenate(hit_bits) / (CANDIDATE_BITS + 1.0)
        ufiles, votes = line_votes(files, frames, weight, self.times[entries].astype(np.float64),
                                    frame_times[frames], len(frame_times))
        return self.file_ids[ufiles], votes


def line_votes(files: np.ndarray, frames: np.ndarray, weight: np.ndarray, t_indexed: np.ndarray,
                t_query: np.ndarray, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Per file, the best cell of (speed, offset): the sum over distinct query frames in the cell of their
    closest hit's weight (1 for an exact hash, falling to 0 at CANDIDATE_BITS + 1 bits). Hits of shared footage
    line up and are close; chance hits of look-alike pictures scatter and are far. Speeds CANDIDATE_SPEEDS,
    offsets in bins of OFFSET_BIN_SECONDS (twice, shifted by half a bin, so a line on a bin edge is not split)."""
    ufiles, finv = np.unique(files, return_inverse=True)
    best = np.zeros(len(ufiles), np.float64)
    for speed in CANDIDATE_SPEEDS:
        off = (t_indexed - speed * t_query) / OFFSET_BIN_SECONDS
        for shift in (0.0, 0.5):
            b = np.floor(off + shift).astype(np.int64)
            b -= b.min()
            width = int(b.max()) + 1
            key = (finv * width + b) * n_frames + frames
            order = np.lexsort((-weight, key))
            k = key[order]
            first = np.concatenate([[True], k[1:] != k[:-1]])  # a frame votes once per cell, its closest hit
            cell, inv = np.unique(k[first] // n_frames, return_inverse=True)
            sums = np.bincount(inv, weights=weight[order][first])
            np.maximum.at(best, cell // width, sums)
    return ufiles, best


# ------------------------------------------------------------------------------------------- candidate pairs


def candidate_pairs(fps: Sequence[Fingerprint]) -> list[tuple[int, int]]:
    """Pairs (i < j) whose fingerprints may share footage.

    Up to ALL_PAIRS_MAX files, every pair is tested (:class:`PairTest`); above, each file's signature goes into a
    banded index and each file looks up its BANDED_CANDIDATES best-voted others, which keeps the cost near-linear
    in the number of files. Files that share compressed packets (a stream copy, whatever its pictures) are
    candidates too. (``scan`` runs the all-pairs test in its alignment workers.)"""
    if len(fps) > ALL_PAIRS_MAX:
        return sorted(set(banded_pairs(fps)) | shared_pairs(fps))
    test = PairTest(fps)
    return [(i, j) for i in range(len(fps)) for j in range(i + 1, len(fps)) if test(i, j)]


class PairTest:
    """The all-pairs candidate test, with each file's sparse and dense hashes made once, when first needed."""

    def __init__(self, fps: Sequence[Fingerprint]) -> None:
        self.fps = fps
        self.copies = shared_pairs(fps)
        self._sparse: dict[int, np.ndarray] = {}
        self._dense: dict[int, np.ndarray] = {}

    def sparse(self, i: int) -> np.ndarray:
        if i not in self._sparse:
            self._sparse[i] = gather(self.fps[i], sample(self.fps[i], SPARSE_STEP_S), SPARSE_CHANNELS)
        return self._sparse[i]

    def dense(self, i: int) -> np.ndarray:
        if i not in self._dense:
            self._dense[i] = gather(self.fps[i], np.arange(len(self.fps[i])), DENSE_CHANNELS)
        return self._dense[i]

    def __call__(self, i: int, j: int) -> bool:
        if (i, j) in self.copies:
            return True
        need = 1 if min(len(self.fps[i]), len(self.fps[j])) == 1 else CANDIDATE_HITS
        return hits(self.sparse(i), self.dense(j)) >= need or hits(self.sparse(j), self.dense(i)) >= need


def banded_pairs(fps: Sequence[Fingerprint]) -> list[tuple[int, int]]:
    """Pairs whose files vote for each other in a banded index of all their signatures."""
    sigs = [sparse_signature(f) for f in fps]
    sizes = np.array([len(s.hashes) for s in sigs], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    hashes = np.concatenate([s.hashes for s in sigs]) if len(sigs) else np.zeros(0, np.uint64)
    times = np.concatenate([s.times for s in sigs]) if len(sigs) else np.zeros(0, np.float32)
    groups = np.concatenate([s.groups for s in sigs]) if len(sigs) else np.zeros(0, np.uint8)
    bands = Bands(np.arange(len(fps), dtype=np.int64), starts, hashes, times, groups)
    pairs: set[tuple[int, int]] = set()
    for i, fp in enumerate(fps):
        ids, votes = bands.votes(query_probes(fp))
        order = np.argsort(-votes)
        for j, v in zip(ids[order][:BANDED_CANDIDATES + 1], votes[order][:BANDED_CANDIDATES + 1], strict=True):
            if int(j) != i and v >= BANDED_MIN_VOTES:
                pairs.add((min(i, int(j)), max(i, int(j))))
    return sorted(pairs)


def hits(sparse: np.ndarray, dense: np.ndarray, chunk: int = 4096) -> int:
    """How many of the ``sparse`` hashes lie within CANDIDATE_BITS of some ``dense`` hash."""
    if len(sparse) == 0 or len(dense) == 0:
        return 0
    best = 0
    for k in range(0, len(dense), chunk):
        d = hamming(sparse[:, None], dense[None, k:k + chunk])
        best = max(best, int((d.min(axis=1) <= CANDIDATE_BITS).sum()))
    return best


__all__ = [
    "ALL_PAIRS_MAX",
    "CANDIDATE_BITS",
    "Bands",
    "PairTest",
    "Probes",
    "Signature",
    "banded_pairs",
    "candidate_pairs",
    "gather",
    "gather_at",
    "gather_grouped",
    "hits",
    "line_votes",
    "query_probes",
    "sample",
    "signature_group",
    "sparse_signature",
]
