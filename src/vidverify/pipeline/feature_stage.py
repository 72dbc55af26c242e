"""The feature stage of the candidate searches: which files show another's picture where no frame hashes like it.

A copy that shows a clip small over other moving footage (a picture-in-picture), inside an app's busy screen or
re-filmed at an angle has no frame that hashes like the clip's, so the hash candidates of ``search`` and ``scan``
miss it, while ``compare``'s own feature search (``pipeline/comparison.py``) finds and places it. Here ORB features
of a few frames of one file (``stored``: the strongest STORED_PER_FRAME of each of STORED_FRAMES frames) are looked
for in more frames of the other (``query``: QUERY_PER_FRAME of each of QUERY_FRAMES frames, where its frames move);
pairs where enough features agree on one similarity transform are worth a full ``compare``.

``search`` keeps each indexed clip's stored features in the index (``index/search.py``); ``scan`` describes the
files it was given, both ways, and tests the pairs its hashes left apart (``feature_pairs``).
"""

from __future__ import annotations

import heapq
import logging
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import VidverifyError
from ..match import features as feats
from ..media import files
from ..media.stills import grab_keyframes
from ..signals.fingerprint import Fingerprint

log = logging.getLogger("vidverify")

STORED_FRAMES = 6  # frames of a file whose features are looked for ...
QUERY_FRAMES = 12  # ... in this many frames of the other, spread over each
FEATURE_WIDTH = 640  # frames are looked at this wide (a picture-in-picture a third of the frame is 213 pixels)


PARTIAL_BELOW = 0.9  # a partial match covering less of either file goes to the feature stage too (as compare's
# RESCUE_BELOW_COVERAGE: the hashes may have matched a covered picture, a duet's half, only where nothing covered it)


def in_part(verdict: str, coverage: Mapping[str, float], channels: Iterable[str]) -> bool:
    """A match the hashes made in part only, on part of a picture (a region, a canvas's cell, a half: not the
    whole frame, as a trim's), whose full comparison may find more (PARTIAL_BELOW)."""
    return verdict == "partial-overlap" and max(coverage.values(), default=0.0) < PARTIAL_BELOW and \
        any(ch != "full" for ch in channels)


def frames(media: str, fp: Fingerprint, n: int) -> list[np.ndarray]:
    """``n`` frames spread over a file, FEATURE_WIDTH pixels wide."""
    times = np.linspace(fp.times[0], fp.times[-1], n).tolist() if len(fp) > 1 else [fp.times[0]]
    return [i for i in grab_keyframes(media, times, width=FEATURE_WIDTH, origin=fp.time_origin) if i is not None]


def stored(media: str, fp: Fingerprint) -> feats.Features:
    """The features of a file to look for in others (``VidverifyError`` when its media does not decode)."""
    return feats.describe(frames(media, fp, STORED_FRAMES), per_frame=feats.STORED_PER_FRAME)


def query(media: str, fp: Fingerprint) -> feats.Features:
    """The features of a file in which others' are looked for: where its frames move, not on still chrome."""
    return feats.describe(frames(media, fp, QUERY_FRAMES), per_frame=feats.QUERY_PER_FRAME, moving_only=True)


def shown(q: feats.Features, s: feats.Features) -> int:
    """``features.inliers``: how strongly ``s``'s picture is found in ``q``'s frames (0 when OpenCV fails on odd
    data: that pair is no candidate)."""
    try:
        return feats.inliers(q, s)
    except Exception as exc:  # noqa: BLE001 - one odd blob or frame: that pair is not a candidate
        log.info("features not compared: %s", exc)
        return 0


SHORTLIST_MIN_VOTES = 10  # a file whose best frame pair has fewer votes is not checked (``inliers`` needs 25 agreeing,
# found with a ratio test per frame, which passes more than ``QueryIndex``'s across the query's frames)
SHORTLIST_WIDE = 64  # files scored best whose best frame pairs' geometry is checked (PAIRS_CHECKED each) ...
PAIRS_CHECKED = 3
SHORTLIST = 8  # files whose features a query's frames show most (``QueryIndex`` votes) whose geometry is checked


def shortlisted(query: feats.Features, stored: Iterable[tuple[Any, feats.Features]], *,
                size: int = SHORTLIST) -> list[tuple[int, Any]]:
    """Of ``stored`` (key, features), the files ``query``'s frames show: (agreeing features, key) of those with
    MIN_INLIERS or more, the strongest first. Every file is scored cheaply (``QueryIndex``: one pass over any
    number of files, holding only the best SHORTLIST_WIDE); those have the geometry of their PAIRS_CHECKED best
    frame pairs checked (``inliers`` on those pairs: a few milliseconds each), and the ``size`` found best all
    their frame pairs (``shown``). Chance look-ups of a generic picture can score as high as a small picture
    shown in a corner (22 votes in one frame pair each): their geometry tells them apart."""
    index = feats.QueryIndex(query)
    wide: list[tuple[tuple[int, int], int, Any, feats.Features]] = []  # a min-heap of (score, order, key, features)
    for n, (key, features) in enumerate(stored):
        votes = index.score(features)
        if votes[0] < SHORTLIST_MIN_VOTES:
            continue  # too few look-ups found in any frame pair for its geometry to hold
        item = (votes, -n, key, features)  # ties: the file met first stays
        if len(wide) < SHORTLIST_WIDE:
            heapq.heappush(wide, item)
        elif item > wide[0]:
            heapq.heapreplace(wide, item)
    quick = []
    for votes, order, key, features in sorted(wide, reverse=True):
        pairs = [p for _, p in index.pairs(features, PAIRS_CHECKED)]
        try:
            agreeing = feats.inliers(query, features, pairs)
        except Exception as exc:  # noqa: BLE001 - one odd blob or frame: that file is not a candidate
            log.info("features not compared: %s", exc)
            continue
        if agreeing >= feats.MIN_INLIERS:
            quick.append((agreeing, votes, order, key, features))
    quick.sort(key=lambda c: (-c[0], (-c[1][0], -c[1][1]), -c[2]))
    checked = [(max(agreeing, shown(query, features)), key) for agreeing, _, _, key, features in quick[:size]]
    return sorted(checked, key=lambda c: -c[0])


STORED_KEPT = 10_000  # files whose stored features a scan keeps in memory (180 kB each): the least recently used out
SCAN_SHORTLIST = 4  # in a scan, the files each file's frames show most whose geometry is checked (a grid's 4)


def feature_pairs(fps: Sequence[Fingerprint], pairs: Iterable[tuple[int, int]], *,
                  progress: Callable[[int, int], None] | None = None,
                  one_way: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int, int]]:
    """Of ``pairs`` (indexes into ``fps``, whose ``path`` is the media), those where one file's features are found
    in the other's frames, either way: (shown, showing, agreeing features), the file whose picture was found
    first, the strongest pairs first. Each file in a pair is the query once (``query``: its frames' features,
    found when its turn comes, then let go), its partners' stored features (``stored``: kept, 4,000 features a
    file, the last STORED_KEPT files' kept) are looked up in it, about 0.02 s a pair, and the SCAN_SHORTLIST found
    most are checked (``shortlisted``, 0.36 s each). ``one_way`` pairs (i, j): only i is the query, j's picture is
    looked for in it. A file whose media is gone or does not decode is in no pair."""
    partners: dict[int, set[int]] = {}
    for i, j in set(pairs):
        if i != j:
            partners.setdefault(i, set()).add(j)
            partners.setdefault(j, set()).add(i)
    for i, j in set(one_way):  # only ``i``'s frames are looked in for ``j``'s picture (``j`` is no query)
        if i != j:
            partners.setdefault(i, set()).add(j)
    kept: OrderedDict[int, feats.Features | None] = OrderedDict()

    def media_of(k: int) -> str | None:
        return files.still_there(fps[k].path, fps[k].size) if len(fps[k]) else None

    def described(k: int, how: Callable[[str, Fingerprint], feats.Features]) -> feats.Features | None:
        media = media_of(k)
        try:
            return how(media, fps[k]) if media else None
        except VidverifyError as exc:
            log.info("no features of %s: %s", fps[k].path, exc)
            return None

    def stored_of(k: int) -> feats.Features | None:
        if k in kept:
            kept.move_to_end(k)
        else:
            kept[k] = described(k, stored)
            if len(kept) > STORED_KEPT:  # a large folder: the least recently used are found again if needed
                kept.popitem(last=False)
        return kept[k]

    best: dict[tuple[int, int], tuple[int, int, int]] = {}  # (lower, higher) -> (agreeing, shown, showing)
    queries = sorted(partners)
    for n, q in enumerate(queries):
        frames_q = described(q, query) if stored_of(q) is not None else None
        if frames_q is not None and len(frames_q) >= feats.MIN_INLIERS:
            others = ((k, f) for k in sorted(partners[q]) if (f := stored_of(k)) is not None)
            for agreeing, k in shortlisted(frames_q, others, size=SCAN_SHORTLIST):
                key = (min(q, k), max(q, k))
                if agreeing > best.get(key, (0, 0, 0))[0]:
                    best[key] = (agreeing, k, q)
        if progress:
            progress(n + 1, len(queries))
    return sorted(((shown_k, showing, agreeing) for agreeing, shown_k, showing in best.values()),
                  key=lambda f: (-f[2], f[0], f[1]))


__all__ = [
    "FEATURE_WIDTH", "PARTIAL_BELOW", "QUERY_FRAMES", "SCAN_SHORTLIST", "SHORTLIST", "STORED_FRAMES", "feature_pairs",
    "frames", "in_part", "query", "shortlisted", "shown", "stored",
]
