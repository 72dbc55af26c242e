"""match/features.py: the similarity fit of two frames' matched features."""

from __future__ import annotations

import numpy as np

from vidverify.match.features import similarity


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
