"""Bars are found and left out of the hash; the centre crop is the region a vertical re-upload keeps."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import vidverify
from tests.fixtures import make_fixtures
from vidverify.signals.hashing import hamming, phash_batch
from vidverify.signals.picture import (
    Box,
    active_area,
    centre_crop,
    inner_pictures,
    stretch_boxes,
    unpack_boxes,
)


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


# ----------------------------------------------------------------------- bars that hold in a stretch only


def _texture(n: int, size: int = 64, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(30, 220, (n, size, size), dtype=np.uint8)


def test_bars_are_found_per_stretch_and_change_at_cuts() -> None:
    """A compilation: footage without bars, a pillarboxed clip, a letterboxed clip, footage without bars again.
    Each stretch gets its own box; the file-wide search (active_area over all of them) finds none."""
    frames = _texture(40)
    frames[10:20, :, :8] = 0  # pillarbox: 8 px left and right
    frames[10:20, :, -8:] = 0
    frames[20:30, :6] = 16  # letterbox: 6 px top and bottom
    frames[20:30, -6:] = 16
    boxes = unpack_boxes(stretch_boxes(frames))
    assert (boxes[:10] == 0).all() and (boxes[30:] == 0).all()
    assert (boxes[10:20] == [8, 0, 56, 64]).all()
    assert (boxes[20:30] == [0, 6, 64, 58]).all()
    assert active_area(frames, 64, 64) == Box.full(64, 64)


def test_a_single_frame_with_dark_edges_is_not_a_stretch_of_bars() -> None:
    frames = _texture(12)
    frames[5, :, :10] = 0
    frames[5, :, -10:] = 0
    assert not stretch_boxes(frames).any()


def test_the_picture_inside_a_stretchs_bars_hashes_like_the_source() -> None:
    """A 4:3 picture fitted into 16:9 with bars: the picture inside them, scaled to 32x32, hashes within a few
    bits of the source picture itself; the whole padded frame does not."""
    rng = np.random.default_rng(5)
    src = rng.integers(0, 255, (6, 12, 16), dtype=np.uint8).repeat(48, axis=1).repeat(48, axis=2)  # 576x768
    padded = np.zeros((6, 576, 1024), np.uint8)
    padded[:, :, 128:896] = src

    def area(x: np.ndarray, size: int) -> np.ndarray:
        n, h, w = x.shape
        return x.reshape(n, size, h // size, size, w // size).mean(axis=(2, 4)).round().astype(np.uint8)

    detail = area(padded, 64)  # what the decoder hands the hasher: the active picture at 64x64
    boxes = stretch_boxes(detail)
    assert (unpack_boxes(boxes) == [8, 0, 56, 64]).all()
    want = phash_batch(area(src, 32))
    assert int(hamming(phash_batch(inner_pictures(detail, boxes, 32)), want).max()) <= 4
    assert int(hamming(phash_batch(area(padded, 32)), want).min()) > 12
