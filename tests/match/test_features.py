"""match/features.py: the similarity fit of two frames' matched features."""

from __future__ import annotations

import numpy as np

from vidverify.match.features import refine_perspective, similarity


def _textured(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """ORB keypoints (x, y) and descriptors of a picture of random blocks (plenty of distinct corners)."""
    import cv2

    rng = np.random.default_rng(seed)
    img = cv2.resize(rng.integers(0, 256, (24, 32), dtype=np.uint8), (640, 480), interpolation=cv2.INTER_NEAREST)
    kps, desc = cv2.ORB_create(nfeatures=500).detectAndCompute(img, None)  # type: ignore[attr-defined]
    return np.array([k.pt for k in kps], np.float32), desc


def test_matches_that_all_land_on_one_spot_fit_no_transform() -> None:
    """Every feature of one picture matched to one spot of the other (a repeated corner): a transform that
    shrinks the picture to that spot agrees with all of them within RANSAC's tolerance. It carries no geometry
    (it made a phantom crop of a quarter of the picture, the median of it and a true fit). The same features
    moved by a true similarity (half size, shifted) still fit it."""
    xy, desc = _textured(3)
    assert len(xy) >= 100
    spot = np.tile(np.array([[314.0, 78.0]], np.float32), (len(xy), 1))
    assert similarity(xy, desc, spot, desc, ratio=0.8, min_good=12) is None
    fit = similarity(xy, desc, xy * 0.5 + np.float32([40.0, 20.0]), desc, ratio=0.8, min_good=12)
    assert fit is not None
    tm, inliers = fit
    assert inliers >= 0.9 * len(xy)
    assert np.allclose(tm, [[0.5, 0.0, 40.0], [0.0, 0.5, 20.0]], atol=0.01), tm


def _scene(seed: int, size: tuple[int, int] = (640, 360)) -> np.ndarray:
    """An RGB picture of random blocks, softened a little (a textured frame, as footage gives ORB)."""
    import cv2

    rng = np.random.default_rng(seed)
    grey = cv2.resize(rng.integers(0, 256, (size[1] // 12, size[0] // 12), dtype=np.uint8), size,
                      interpolation=cv2.INTER_NEAREST)
    return np.asarray(cv2.cvtColor(cv2.GaussianBlur(grey, (3, 3), 0), cv2.COLOR_GRAY2RGB))


def test_the_shortlist_votes_for_the_file_a_query_shows_small_and_for_each_copy_of_it() -> None:
    """The query: a busy background with a source pasted at a third of its size (a picture-in-picture). Its
    features are indexed (``QueryIndex``); the source's stored features, looked up in them, get many votes, an
    unrelated file's a third as many at most (random blocks: their corners look much alike); a second copy of the
    source gets nearly as many as the first (each file is scored on its own: a ratio test across all stored files
    made copies of one clip cancel out)."""
    import cv2

    from vidverify.match.features import MIN_INLIERS, QUERY_PER_FRAME, STORED_PER_FRAME, QueryIndex, describe

    source, other = [_scene(s) for s in (1, 2)], [_scene(s) for s in (3, 4)]
    frames = []
    for k, bg in enumerate(_scene(s, (1280, 720)) for s in (5, 6)):
        frame = bg.copy()
        frame[40:40 + 240, 60:60 + 426] = cv2.resize(source[k], (426, 240), interpolation=cv2.INTER_AREA)
        frames.append(frame)
    index = QueryIndex(describe(frames, per_frame=QUERY_PER_FRAME))
    shown = describe(source, per_frame=STORED_PER_FRAME)
    copy = describe([cv2.GaussianBlur(f, (3, 3), 0) for f in source], per_frame=STORED_PER_FRAME)
    unrelated = describe(other, per_frame=STORED_PER_FRAME)
    v_shown, v_copy, v_other = index.votes(shown), index.votes(copy), index.votes(unrelated)
    assert v_shown >= 3 * max(v_other, MIN_INLIERS), (v_shown, v_other)
    assert v_copy >= 0.5 * v_shown and v_copy >= 3 * max(v_other, MIN_INLIERS), (v_copy, v_shown, v_other)
    assert QueryIndex(describe([], per_frame=QUERY_PER_FRAME)).votes(shown) == 0
    # a still: the query's frames all show one picture, each point in every frame nearly alike; those copies
    # are no rival for the ratio test (as rivals, they left the source 134 votes against an unrelated file's 117,
    # and none at all where the frames were identical)
    still = QueryIndex(describe([frames[0]] * 4, per_frame=QUERY_PER_FRAME))
    noisy = [np.clip(frames[0].astype(np.int16) + np.random.default_rng(k).integers(-3, 4, frames[0].shape), 0,
                     255).astype(np.uint8) for k in range(4)]
    for query in (still, QueryIndex(describe(noisy, per_frame=QUERY_PER_FRAME))):
        v_still = query.votes(describe(source[:1], per_frame=STORED_PER_FRAME))
        v_other = query.votes(describe(other[:1], per_frame=STORED_PER_FRAME))
        assert v_still >= 3 * max(v_other, MIN_INLIERS), (v_still, v_other)


def test_the_geometry_of_a_files_best_frame_pairs_is_checked_on_those_pairs_only() -> None:
    """``QueryIndex.pairs`` names the frame pairs with most votes; ``inliers`` on those pairs alone finds the
    picture shown (as many agreeing features as over every pair), and on a pair that shows nothing, none."""
    import cv2

    from vidverify.match.features import MIN_INLIERS, QUERY_PER_FRAME, STORED_PER_FRAME, QueryIndex, describe, inliers

    source = [_scene(s) for s in (1, 2)]
    frames = []
    for k, bg in enumerate(_scene(s, (1280, 720)) for s in (5, 6)):
        frame = bg.copy()
        frame[300:300 + 240, 700:700 + 426] = cv2.resize(source[1 - k], (426, 240), interpolation=cv2.INTER_AREA)
        frames.append(frame)
    query, stored = describe(frames, per_frame=QUERY_PER_FRAME), describe(source, per_frame=STORED_PER_FRAME)
    best = QueryIndex(query).pairs(stored, 2)
    assert [p for _, p in best] == [(0, 1), (1, 0)] or [p for _, p in best] == [(1, 0), (0, 1)], best
    on_best = inliers(query, stored, [p for _, p in best])
    assert on_best >= MIN_INLIERS and on_best == inliers(query, stored)
    assert inliers(query, stored, [(0, 0), (1, 1)]) == 0


def _soft(seed: int, cells: tuple[int, int] = (12, 20), sigma: float = 6.0) -> np.ndarray:
    """A soft grey picture, 384x216: smooth shading, no corners for features."""
    import cv2

    rng = np.random.default_rng(seed)
    g = cv2.GaussianBlur(cv2.resize(rng.uniform(0, 1, cells), (384, 216), interpolation=cv2.INTER_CUBIC), (0, 0), sigma)
    return (60 + (g - g.min()) / np.ptp(g) * 170).astype(np.uint8)


def test_a_perspective_fit_a_few_pixels_off_is_registered_on_the_pixels_or_kept() -> None:
    """A's picture filmed at an angle into B, inside a dark surround, with a fit 5-7 pixels off at the corners
    (fitted at another moment of a hand-held re-film): refined on the pixels, every corner lands within a pixel.
    A picture too smooth to register (ECC wanders off: corners 100 pixels away), or another picture altogether,
    keeps the fit as it was."""
    import cv2

    full = np.float32([[0, 0], [383, 0], [0, 215], [383, 215]])
    quad = np.float32([[70, 30], [330, 42], [58, 190], [318, 176]])
    off = cv2.getPerspectiveTransform(quad + np.float32([[-6, -5], [7, -4], [-5, 6], [6, 5]]), full)
    box = cv2.boundingRect(quad.reshape(-1, 1, 2))

    def corner_error(hom: np.ndarray) -> float:
        return float(np.abs(cv2.perspectiveTransform(quad.reshape(-1, 1, 2), hom).reshape(-1, 2) - full).max())

    assert corner_error(off) > 5
    for seed in range(4):
        a = _soft(seed)
        b = cv2.warpPerspective(a, cv2.getPerspectiveTransform(full, quad), (384, 216), borderValue=20)
        assert corner_error(refine_perspective(b, a, off, box)) < 1.0
    smooth = _soft(0, (6, 10), 12.0)  # ECC on it from this fit wanders off
    b = cv2.warpPerspective(smooth, cv2.getPerspectiveTransform(full, quad), (384, 216), borderValue=20)
    assert refine_perspective(b, smooth, off, box) is off
    assert refine_perspective(b, _soft(9), off, box) is off
