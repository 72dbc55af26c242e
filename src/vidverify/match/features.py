"""Pure: ORB features of a few frames of a file, small enough to keep in the index, and how strongly one file's
picture is found in another's frames.

Frame hashes find a copy whose frames show the source's picture whole (or a half, a centre crop, a region of a
canvas that the region finder reads). A copy that shows it small over other moving footage (a
picture-in-picture), inside an app's busy screen, or re-filmed at an angle has no frame that hashes like the
source's: ``search`` then looks for the source's features in the query's frames (``pipeline/index/search.py``),
and the files whose features are found are compared in full (``compare``'s own feature search places the region).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from .edits import moving_mask

STORED_PER_FRAME = 700  # features kept per frame of an indexed file (the strongest)
QUERY_PER_FRAME = 1500  # features looked for per frame of the query
RATIO = 0.75  # Lowe's ratio test: the best match clearly better than the second
MIN_INLIERS = 25  # features agreeing on one similarity transform for a frame pair to show the same picture
MAX_DEGREES = 10.0  # ... turned by at most this (a re-filmed screen is tilted a few degrees)


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
    change over the file (``edits.moving_mask``: not on an app's still text and icons around a clip)."""
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


def inliers(query: Features, stored: Features) -> int:
    """The most features of one frame of ``stored`` found in one frame of ``query`` that agree on one similarity
    transform (shift, scale, a small turn): the stored file's picture shown inside the query's, at any size."""
    import cv2

    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    best = 0
    for sf in np.unique(stored.frame):
        s_idx = np.flatnonzero(stored.frame == sf)
        if len(s_idx) < MIN_INLIERS:
            continue
        for qf in np.unique(query.frame):
            q_idx = np.flatnonzero(query.frame == qf)
            if len(q_idx) < MIN_INLIERS:
                continue
            pairs = matcher.knnMatch(stored.descriptors[s_idx], query.descriptors[q_idx], k=2)
            good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
            if len(good) < max(MIN_INLIERS, best + 1):
                continue
            ps = stored.xy[s_idx[[g.queryIdx for g in good]]]
            pq = query.xy[q_idx[[g.trainIdx for g in good]]]
            tm, inl = cv2.estimateAffinePartial2D(ps, pq, method=cv2.RANSAC, ransacReprojThreshold=3.0)
            if tm is None or inl is None or abs(np.degrees(np.arctan2(tm[1, 0], tm[0, 0]))) > MAX_DEGREES:
                continue
            best = max(best, int(inl.sum()))
    return best


__all__ = ["MIN_INLIERS", "QUERY_PER_FRAME", "STORED_PER_FRAME", "Features", "describe", "inliers"]
