"""Bars are found and left out of the hash; the centre crop is the region a vertical re-upload keeps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import vidverify
from tests.fixtures import make_fixtures
from vidverify.signals.hashing import hamming
from vidverify.signals.picture import Box, active_area, centre_crop


def _samples(k: int = 5, size: int = 128, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(30, 220, (k, size, size), dtype=np.uint8)


def test_no_bars_means_whole_frame() -> None:
    assert active_area(_samples(), 1920, 1080) == Box.full(1920, 1080)


def test_pillarbox_found() -> None:
    s = _samples()
    s[:, :, :40] = 0
    s[:, :, -40:] = 0
    box = active_area(s, 1280, 720)
    assert box.y == 0 and box.h == 720
    assert abs(box.x - 40 * 10) <= 22 and abs(box.w - 48 * 10) <= 44


def test_letterbox_with_grey_bars_found() -> None:
    s = _samples()
    s[:, :20, :] = 90
    s[:, -20:, :] = 90
    box = active_area(s, 1280, 1280)
    assert box.x == 0 and box.w == 1280
    assert 200 <= box.y <= 222 and 830 <= box.h <= 880


def test_black_screen_is_not_bars() -> None:
    assert active_area(np.zeros((5, 128, 128), np.uint8), 640, 360) == Box.full(640, 360)


def test_bars_must_be_constant_over_time() -> None:
    s = _samples()
    s[:, :, :30] = np.arange(5, dtype=np.uint8)[:, None, None] * 40  # uniform per frame, changing over time
    assert active_area(s, 640, 640) == Box.full(640, 640)


def test_centre_crop() -> None:
    assert centre_crop(Box(0, 0, 1280, 720)) == Box(438, 0, 404, 720)
    assert centre_crop(Box(0, 0, 720, 1280)) == Box(0, 280, 720, 720)


def test_pillarboxed_upload_hashes_like_the_original(tmp_path: Path) -> None:
    src = make_fixtures.clip(tmp_path / "src.mp4", size="480x270", src="testsrc2")
    boxed = make_fixtures.clip(
        tmp_path / "boxed.mp4", size="480x270", src="testsrc2",
        extra_out=("-vf", "scale=240:136,pad=480:270:120:67:black"),
    )
    a, b = vidverify.fingerprint(src), vidverify.fingerprint(boxed)
    assert b.active_area is not None and a.active_area is None
    x, _, w, _ = b.active_area
    assert abs(x - 120) <= 8 and abs(w - 240) <= 16
    assert np.median(hamming(a.hashes, b.hashes)) <= 8
