"""Pure: ORB features of a few frames of a file, small enough to keep in the index, and how strongly one file's
picture is found in another's frames.

Frame hashes find a copy whose frames show the source's picture whole (or a half, a centre crop, a region of a
canvas that the region finder reads). A copy that shows it small over other moving footage (a
picture-in-picture), inside an app's busy screen, or re-filmed at an angle has no frame that hashes like the
source's: ``search`` then looks for the source's features in the query's frames (``pipeline/index/search.py``),
and the files whose features are found are compared in full (``compare``'s own feature search places the region).

The pieces ``compare``'s feature searches share live here too (``match/edits.py``): where a file's frames move
(``moving_mask``), the similarity fit of two frames' matched features (``similarity``), and the grey-level fit of
one picture to another (``fit_levels``).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..signals.picture import box_corners

STORED_PER_FRAME = 700  # features kept per frame of an indexed file (the strongest)
QUERY_PER_FRAME = 1500  # features looked for per frame of the query
RATIO = 0.75  # Lowe's ratio test: the best match clearly better than the second
MIN_INLIERS = 25  # features agreeing on one similarity transform for a frame pair to show the same picture
MAX_DEGREES = 10.0  # ... turned by at most this (a re-filmed screen is tilted a few degrees)
MIN_SCALE = 1 / 16  # a fit that shrinks (or grows) one picture by more than this is degenerate (below)
MOVING_LEVELS = 4.0  # grey levels of standard deviation over a file's frames from which a pixel shows footage
MOVING_MIN_SHARE = 0.05  # ... and the share of the picture that must: less, and the frames are looked at whole


def temporal_std(imgs: list[np.ndarray]) -> np.ndarray | None:
    """Per pixel, the standard deviation of the grey level over frames spread over a file (float32), or None
    with fewer than three frames of one size."""
    import cv2

    shape = imgs[0].shape[:2] if imgs else (0, 0)
    greys = [cv2.cvtColor(i, cv2.COLOR_RGB2GRAY).astype(np.float32) for i in imgs if i.shape[:2] == shape]
    if len(greys) < 3:
        return None
    total, squares = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
    for g in greys:
        total += g
        squares += g * g
    mean = total / len(greys)
    return np.sqrt(np.maximum(squares / len(greys) - mean * mean, 0.0))


def moving_mask(imgs: list[np.ndarray]) -> np.ndarray | None:
    """Where frames spread over a file change (uint8, 255: footage moves there), or None when that is nearly none
    of the picture. What stays still is left out, a pixel around it too: the still chrome of an app's screen,
    still bars, and the letters of captions over a moving fill (thin, but their corners took nearly all of a 9:16
    re-post's 1000 features, 2 of them inside the clip; widening the moving part over them, as this did, kept
    them)."""
    import cv2

    std = temporal_std(imgs)
    if std is None:
        return None
    still = cv2.dilate((std <= MOVING_LEVELS).astype(np.uint8), np.ones((3, 3), np.uint8))
    mask = (still == 0).astype(np.uint8) * 255
    return mask if np.count_nonzero(mask) >= MOVING_MIN_SHARE * mask.size else None


@dataclass(frozen=True)
class Features:
    """ORB features of a few frames: per feature, its frame, position (grab pixels) and 32-byte descriptor."""

    frame: np.ndarray  # int16 (n,)
    xy: np.ndarray  # float32 (n, 2)
    descriptors: np.ndarray  # uint8 (n, 32)

    def __len__(self) -> int:
        return len(self.frame)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, frame=self.frame, xy=self.xy, descriptors=self.descriptors)
        return buf.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Features:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            found = cls(z["frame"].astype(np.int16), z["xy"].astype(np.float32).reshape(-1, 2),
                        z["descriptors"].astype(np.uint8).reshape(-1, 32))
        if not len(found.frame) == len(found.xy) == len(found.descriptors):
            raise ValueError("features of unequal lengths")
        return found


def describe(imgs: list[np.ndarray], *, per_frame: int, moving_only: bool = False) -> Features:
    """The strongest ``per_frame`` ORB features of each RGB frame; with ``moving_only``, only where the frames
    change over the file (``moving_mask``: not on an app's still text and icons around a clip)."""
    import cv2

    orb = cv2.ORB_create(nfeatures=per_frame)  # type: ignore[attr-defined]
    mask = moving_mask(imgs) if moving_only else None
    frames, xys, descs = [], [], []
    for k, img in enumerate(imgs):
        m = mask if mask is not None and mask.shape == img.shape[:2] else None
        kps, d = orb.detectAndCompute(cv2.cvtColor(img, cv2.COLOR_RGB2GRAY), m)
        if d is None or not kps:
            continue
        frames.append(np.full(len(kps), k, np.int16))
        xys.append(np.array([p.pt for p in kps], np.float32))
        descs.append(d)
    if not frames:
        return Features(np.zeros(0, np.int16), np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    return Features(np.concatenate(frames), np.concatenate(xys), np.concatenate(descs))


def keypoint_xy(kps: Any) -> np.ndarray:
    """OpenCV keypoints' (x, y), float32 (n, 2)."""
    return np.array([k.pt for k in kps], dtype=np.float32).reshape(-1, 2)


def matched_points(src_xy: np.ndarray, src_desc: np.ndarray, dst_xy: np.ndarray, dst_desc: np.ndarray, *,
                   ratio: float) -> tuple[np.ndarray, np.ndarray]:
    """The source and destination points of the descriptor matches that pass Lowe's ratio test."""
    import cv2

    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(src_desc, dst_desc, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < ratio * p[1].distance]
    return src_xy[[g.queryIdx for g in good]].reshape(-1, 2), dst_xy[[g.trainIdx for g in good]].reshape(-1, 2)


def scale_of(tm: np.ndarray) -> float:
    """How much a 2x3 similarity transform scales a picture."""
    return float(np.sqrt(abs(np.linalg.det(tm[:, :2]))))


def degrees_of(tm: np.ndarray) -> float:
    """How far a 2x3 similarity transform turns a picture (degrees)."""
    return float(np.degrees(np.arctan2(tm[1, 0], tm[0, 0])))


def fit_similarity(ps: np.ndarray, pd: np.ndarray) -> tuple[np.ndarray, int] | None:
    """The similarity transform (2x3) taking matched points ``ps`` to ``pd``, fitted with RANSAC, and how many
    matches agree with it; None when it scales by more than 1/MIN_SCALE either way."""
    import cv2

    tm, inl = cv2.estimateAffinePartial2D(ps, pd, method=cv2.RANSAC, ransacReprojThreshold=3.0)
    if tm is None or inl is None:
        return None
    # matches that all land on one spot (a repeated corner, a logo's letters) fit a transform that shrinks the
    # picture to a point within RANSAC's tolerance of every one of them: no geometry, however many agree
    return (tm, int(inl.sum())) if MIN_SCALE <= scale_of(tm) <= 1 / MIN_SCALE else None


KEYSTONE_SHARE = 0.25  # a perspective fit this close to the similarity at a picture's corners (share of its side)


def fit_perspective(ps: np.ndarray, pd: np.ndarray, tm: np.ndarray, inliers: int,
                    box: tuple[float, float, float, float]) -> tuple[np.ndarray, int] | None:
    """The perspective transform (3x3) taking matched points ``ps`` to ``pd`` (RANSAC) and how many matches agree
    with it, when it fits at least as many as the similarity ``tm`` did (``inliers``) and puts the corners of
    ``box`` (x, y, w, h, in the source's pixels) within KEYSTONE_SHARE of the box's larger side of where ``tm``
    puts them: a re-filmed screen's keystone, which a similarity cannot undo, not a fit gone astray. None
    otherwise."""
    import cv2

    if len(ps) < 8:
        return None
    hom, inl = cv2.findHomography(ps, pd, cv2.RANSAC, 3.0)
    if hom is None or inl is None or int(inl.sum()) < inliers:
        return None
    corners = box_corners(box).reshape(-1, 1, 2)
    apart = cv2.perspectiveTransform(corners, hom) - cv2.transform(corners, tm)
    # ``apart`` is in the destination's pixels: the box's side scaled as ``tm`` scales it
    near = float(np.abs(apart).max()) <= KEYSTONE_SHARE * max(box[2:]) * scale_of(tm)
    return (hom, int(inl.sum())) if near else None


REFINE_ITERATIONS = 40  # ECC steps refining a perspective fit on the pixels, at each scale of a try ...
REFINE_SCALES = (0.25, 0.5, 1.0)  # ... the coarse-to-fine try's
REFINE_MOVE_SHARE = 0.1  # ... kept when it moves no corner of the box further than this share of its larger side


def _correlations(src: np.ndarray, dst: np.ndarray, homs: Sequence[np.ndarray],
                  dst_mask: np.ndarray | None) -> list[float]:
    """The normalised correlation of ``src`` with ``dst`` seen through each of ``homs`` (``src``'s pixels to
    ``dst``'s), over the pixels of ``src`` that land inside ``dst`` (and its mask) through all of them: one set of
    pixels for each, so that a fit cannot correlate better by leaving the picture's edges out."""
    import cv2

    h, w = src.shape[:2]
    inside = np.full(dst.shape[:2], 255, np.uint8) if dst_mask is None else dst_mask
    valid = np.ones((h, w), bool)
    for hom in homs:
        valid &= cv2.warpPerspective(inside, hom, (w, h), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0
    if valid.sum() < 16:
        return [-1.0] * len(homs)
    out = []
    x = src[valid].astype(np.float64)
    x = x - x.mean()
    for hom in homs:
        y = cv2.warpPerspective(dst, hom, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)[valid]
        y = y.astype(np.float64) - y.mean()
        den = float(np.sqrt((x * x).sum() * (y * y).sum()))
        out.append(float((x * y).sum() / den) if den > 0 else -1.0)
    return out


def _ecc(src: np.ndarray, dst: np.ndarray, hom: np.ndarray, dst_mask: np.ndarray | None,
         scales: Sequence[float]) -> np.ndarray | None:
    """``hom`` refined by OpenCV's ECC at each of ``scales`` in turn (the pictures scaled down, the fit with them);
    None when it does not converge (flat or unrelated pixels) or leaves no finite fit."""
    import cv2

    found = hom.astype(np.float64)
    for scale in scales:
        to = np.diag([scale, scale, 1.0])
        small = [cv2.resize(x, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else x
                 for x in (src, dst)]
        mask = np.full(small[1].shape[:2], 255, np.uint8) if dst_mask is None else dst_mask if scale == 1 else \
            cv2.resize(dst_mask, small[1].shape[1::-1], interpolation=cv2.INTER_NEAREST)
        try:
            _, fit = cv2.findTransformECC(small[0].astype(np.float32), small[1].astype(np.float32),
                                          (to @ found @ np.linalg.inv(to)).astype(np.float32), cv2.MOTION_HOMOGRAPHY,
                                          (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, REFINE_ITERATIONS, 1e-4),
                                          mask, 5 if scale == 1 else 3)
        except cv2.error:
            return None
        found = np.linalg.inv(to) @ fit.astype(np.float64) @ to
    return found if np.isfinite(found).all() else None


def refine_perspective(src: np.ndarray, dst: np.ndarray, hom: np.ndarray, box: tuple[float, float, float, float],
                       dst_mask: np.ndarray | None = None) -> np.ndarray:
    """``hom`` (3x3, ``src``'s pixels to ``dst``'s: grey images) refined on the pixels themselves (OpenCV's ECC):
    a perspective fitted to a few features, or to corners found at another moment, lies a few pixels off along
    the picture's edges, where the picture and what surrounds it differ like an overlay would (a hand-held
    re-film: a sliver along its edge). ECC runs at full scale, and coarse to fine (REFINE_SCALES: a fit many
    pixels off over a soft picture is brought near at a small scale first; on a noisy re-film the small scale
    stalls where the full one converges); the refinement that correlates best over the same pixels is kept when
    it correlates better than ``hom`` and moves no corner of ``box`` (x, y, w, h, in ``src``'s pixels) by more than
    REFINE_MOVE_SHARE of the box's larger side as ``hom`` lays it in ``dst``; else ``hom``."""
    import cv2

    corners = box_corners(box).reshape(-1, 1, 2)
    was = cv2.perspectiveTransform(corners, hom.astype(np.float64)).reshape(-1, 2)
    reach = REFINE_MOVE_SHARE * float(np.ptp(was, axis=0).max())  # in ``dst``'s pixels, as the box lies there
    tries = [f for f in (_ecc(src, dst, hom, dst_mask, (1.0,)), _ecc(src, dst, hom, dst_mask, REFINE_SCALES))
             if f is not None and float(np.abs(cv2.perspectiveTransform(corners, f).reshape(-1, 2) - was).max())
             <= reach]
    if not tries:
        return hom
    scores = _correlations(src, dst, [hom, *tries], dst_mask)
    best = int(np.argmax(scores[1:]))
    return tries[best] if scores[1 + best] > scores[0] else hom


def similarity(src_xy: np.ndarray, src_desc: np.ndarray, dst_xy: np.ndarray, dst_desc: np.ndarray, *,
               ratio: float, min_good: int) -> tuple[np.ndarray, int] | None:
    """``fit_similarity`` on the descriptor matches that pass Lowe's ratio test; None when fewer than
    ``min_good`` pass."""
    ps, pd = matched_points(src_xy, src_desc, dst_xy, dst_desc, ratio=ratio)
    return fit_similarity(ps, pd) if len(ps) >= min_good else None


def inliers(query: Features, stored: Features, pairs: Sequence[tuple[int, int]] | None = None) -> int:
    """The most features of one frame of ``stored`` found in one frame of ``query`` that agree on one similarity
    transform (shift, scale, a small turn): the stored file's picture shown inside the query's, at any size.
    ``pairs``: only these (stored frame, query frame) pairs are tried (``QueryIndex.pairs``), not all of them."""
    best = 0
    tried = pairs if pairs is not None else [(int(sf), int(qf)) for sf in np.unique(stored.frame)
                                             for qf in np.unique(query.frame)]
    for sf, qf in tried:
        s_idx = np.flatnonzero(stored.frame == sf)
        q_idx = np.flatnonzero(query.frame == qf)
        if len(s_idx) < MIN_INLIERS or len(q_idx) < MIN_INLIERS:
            continue
        fit = similarity(stored.xy[s_idx], stored.descriptors[s_idx], query.xy[q_idx], query.descriptors[q_idx],
                         ratio=RATIO, min_good=max(MIN_INLIERS, best + 1))
        if fit is not None and abs(degrees_of(fit[0])) <= MAX_DEGREES:
            best = max(best, fit[1])
    return best


SHORTLIST_MAX_BITS = 64  # a stored feature within this many bits (of 256) of a query feature ...
SHORTLIST_RATIO = 0.8  # ... and clearly nearer it than the next query feature is a vote for the stored file
SHORTLIST_PER_LIST = 128  # the query's features are looked up in lists of about this many (k-means) ...
SHORTLIST_MAX_LISTS = 128  # ... at most this many lists, of which SHORTLIST_PROBES nearest are searched
SHORTLIST_PROBES = 8
SHORTLIST_MIN_LISTS = 4  # fewer lists than this (a query of a few hundred features): searched whole
SHORTLIST_NEIGHBOURS = 16  # query features looked up per stored one: the nearest, its copies and a rival
SHORTLIST_SAME_BITS = 20  # a query feature this close to the nearest is the same point (another frame of a still)


class QueryIndex:
    """A query's features, indexed to count cheaply how many of a stored file's features it shows: the shortlist
    of the feature stage (``pipeline/feature_stage.py``), before ``inliers`` checks the geometry of the best few.

    Each stored feature looks up its SHORTLIST_NEIGHBOURS nearest query features (a binary inverted file of the
    query's own features, faiss ``IndexBinaryIVF``: the lists are trained on the query, so nothing is kept between
    searches) and votes for the pair of its own frame and the nearest's frame when the nearest is within
    SHORTLIST_MAX_BITS and clearly nearer than the nearest rival (Lowe's ratio, SHORTLIST_RATIO): a query feature
    more than SHORTLIST_SAME_BITS from the nearest. A file's score is its best frame pair's votes.
    In slow footage or a still the same point shows in many of the query's frames, nearly alike: those copies are
    no rival (taken for rivals, a still's source got no votes at all). Each stored file is scored on its own, so
    copies of one clip in an index do not take each other's votes (a ratio test across all files' features
    would: the two nearest are both the clip's). About 0.02 s per stored file of 4,000 features against a query
    of 18,000, on one core, against 0.36 s for ``inliers``."""

    def __init__(self, query: Features) -> None:
        import faiss  # lazily: only the feature stage needs it

        faiss.omp_set_num_threads(1)  # one core, as the rest of a search (--jobs is for the decoders)
        desc = np.ascontiguousarray(query.descriptors, dtype=np.uint8)
        lists = min(SHORTLIST_MAX_LISTS, len(desc) // SHORTLIST_PER_LIST)
        self._index: Any
        if lists < SHORTLIST_MIN_LISTS:
            self._index = faiss.IndexBinaryFlat(256)
        else:
            self._quantizer = faiss.IndexBinaryFlat(256)  # kept: the inverted file refers to it
            ivf = faiss.IndexBinaryIVF(self._quantizer, 256, lists)
            ivf.cp.verbose = False
            ivf.train(desc)
            ivf.nprobe = SHORTLIST_PROBES
            self._index = ivf
        if len(desc):
            self._index.add(desc)
        self._words = desc.view(np.uint64).reshape(-1, 4) if len(desc) else np.zeros((1, 4), np.uint64)
        self._frame = np.asarray(query.frame, np.int64) if len(desc) else np.zeros(1, np.int64)
        self.size = len(desc)
        self._total = 0  # the votes over all frame pairs of the file ``pairs`` last looked at

    def votes(self, stored: Features) -> int:
        """How many of ``stored``'s features the query shows in its best frame pair (above)."""
        return self.score(stored)[0]

    def score(self, stored: Features) -> tuple[int, int]:
        """(the best frame pair's votes, minus the votes over all pairs): at equal best pairs, the file whose
        votes scatter least over the other pairs ranks first (a picture shown at one moment, not generic corners
        found in every frame: a corner picture-in-picture's source tied at 22 with decoys of one generic frame,
        137 votes in all against their 215)."""
        best = self.pairs(stored, 1)
        return (best[0][0], -self._total) if best else (0, 0)

    def pairs(self, stored: Features, n: int = 3) -> list[tuple[int, tuple[int, int]]]:
        """The ``n`` frame pairs with most votes: (votes, (stored frame, query frame)), most first."""
        self._total = 0
        if self.size < 2 or len(stored) == 0:
            return []
        dist, label = self._index.search(np.ascontiguousarray(stored.descriptors, dtype=np.uint8),
                                         min(SHORTLIST_NEIGHBOURS, self.size))
        # faiss gives label -1 and distance INT32_MAX where it found no neighbour
        found = label >= 0
        words = self._words[np.maximum(label, 0)]  # (stored, neighbours, 4) uint64
        apart = np.bitwise_count(words[:, 1:] ^ words[:, :1]).sum(axis=2)  # each neighbour from the nearest
        rival = np.where(found[:, 1:] & (apart > SHORTLIST_SAME_BITS), dist[:, 1:], np.iinfo(np.int32).max)
        second = rival.min(axis=1).astype(np.float64) if rival.shape[1] else np.full(len(dist), np.inf)
        near = dist[:, 0]
        ok = found[:, 0] & (near <= SHORTLIST_MAX_BITS) & (near < SHORTLIST_RATIO * second)
        self._total = int(ok.sum())
        if not ok.any():
            return []
        # votes between one stored frame and one query frame: a picture shown is one moment against another
        # (``inliers`` checks that pair's geometry); chance look-ups scatter over the query's frames (a file of
        # generic corners drew 215 votes in all against a picture-in-picture's source's 137, but 22 in one frame
        # pair against its 22, and real unrelated clips 13 at most against 22-37)
        width = int(self._frame.max()) + 1
        counts = np.bincount(stored.frame.astype(np.int64)[ok] * width + self._frame[label[ok, 0]])
        top = np.argsort(-counts, kind="stable")[:n]
        return [(int(counts[k]), (int(k // width), int(k % width))) for k in top if counts[k] > 0]


def fit_levels(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Grey-level gain and offset taking A's pixels to B's, refitted without outliers."""
    if len(x) < 16 or x.std() <= 1:
        return 1.0, float(y.mean() - x.mean()) if len(x) else 0.0
    g, o = line(x, y)
    inl = np.abs(y - (g * x + o)) < 25
    if inl.sum() > 0.5 * len(x) and x[inl].std() > 1:
        g, o = line(x[inl], y[inl])
    return g, o


def line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares line y = g x + o in closed form (numpy's polyfit warns on stderr for near-flat inputs)."""
    xf, yf = x.astype(np.float64), y.astype(np.float64)
    dx = xf - xf.mean()
    g = float((dx * (yf - yf.mean())).sum() / (dx * dx).sum())
    return g, float(yf.mean() - g * xf.mean())


__all__ = [
    "MIN_INLIERS", "MOVING_LEVELS", "QUERY_PER_FRAME", "STORED_PER_FRAME", "Features", "QueryIndex", "describe",
    "inliers",
    "degrees_of", "fit_levels", "fit_similarity", "keypoint_xy", "line", "matched_points", "moving_mask", "scale_of",
    "similarity", "temporal_std",
]
