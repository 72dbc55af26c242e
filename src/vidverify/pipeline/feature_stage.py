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

import logging
from collections.abc import Callable, Iterable, Sequence

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


def feature_pairs(fps: Sequence[Fingerprint], pairs: Iterable[tuple[int, int]], *,
                  progress: Callable[[int, int], None] | None = None) -> list[tuple[int, int, int]]:
    """Of ``pairs`` (indexes into ``fps``, whose ``path`` is the media), those where one file's features are found
    in the other's frames, either way: (shown, showing, agreeing features), the file whose picture was found
    first, the strongest pairs first. A file whose media is gone or does not decode is in no pair."""
    todo = sorted(set(pairs))
    described: dict[int, tuple[feats.Features, feats.Features] | None] = {}

    def both(k: int) -> tuple[feats.Features, feats.Features] | None:
        if k not in described:
            media = files.still_there(fps[k].path, fps[k].size)
            try:
                described[k] = (stored(media, fps[k]), query(media, fps[k])) if media and len(fps[k]) else None
            except VidverifyError as exc:
                log.info("no features of %s: %s", fps[k].path, exc)
                described[k] = None
        return described[k]

    found = []
    for n, (i, j) in enumerate(todo):
        fi, fj = both(i), both(j)
        if fi is not None and fj is not None:
            i_in_j, j_in_i = shown(fj[1], fi[0]), shown(fi[1], fj[0])
            if max(i_in_j, j_in_i) >= feats.MIN_INLIERS:
                found.append((i, j, i_in_j) if i_in_j >= j_in_i else (j, i, j_in_i))
        if progress:
            progress(n + 1, len(todo))
    return sorted(found, key=lambda f: (-f[2], f[0], f[1]))


__all__ = ["FEATURE_WIDTH", "QUERY_FRAMES", "STORED_FRAMES", "feature_pairs", "frames", "query", "shown", "stored"]
