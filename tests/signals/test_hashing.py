"""Hashes behave like imagehash's, and are bit-identical to imagehash.phash on the same 32x32 grey input."""

from __future__ import annotations

import imagehash
import numpy as np
import pytest
from PIL import Image

from vidverify.signals.hashing import Hash, dhash_batch, from_hex, hamming, phash_and_mirror_batch, phash_batch, to_hex


def golden_frames() -> np.ndarray:
    y, x = np.mgrid[0:32, 0:32].astype(np.float64)
    return np.stack([
        (128 + 100 * np.sin(x / 3) * np.cos(y / 5)).astype(np.uint8),
        np.where((x - 12) ** 2 + (y - 18) ** 2 < 64, 230, 20).astype(np.uint8),
        (((x + 2 * y) // 5 % 2) * 200 + 20).astype(np.uint8),
        np.random.default_rng(42).integers(0, 256, (32, 32), dtype=np.uint8),
        np.clip(x * 8 + np.where(y > 20, 90, 0), 0, 255).astype(np.uint8),
    ])


# Pinned values: a change here changes every stored fingerprint and must bump hashing.PHASH_VERSION.
GOLDEN = ["f0f0f00f0f0f0f0f", "c93636c9c1cece32", "81fc41fc41fc41fc", "ae861752d0a772bc", "802ad5d72ad5d72a"]


def test_golden_values_are_pinned() -> None:
    assert to_hex(phash_batch(golden_frames())) == GOLDEN


def test_golden_values_equal_imagehash() -> None:
    assert [str(imagehash.phash(Image.fromarray(f))) for f in golden_frames()] == GOLDEN


def _frames(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (n, 32, 32), dtype=np.uint8)
    # smooth frames (like real pictures) as well as noise; flat and near-flat frames (ties at the median)
    smooth = np.cumsum(np.cumsum(rng.normal(size=(n, 32, 32)), axis=1), axis=2)
    smooth = ((smooth - smooth.min(axis=(1, 2), keepdims=True)) /
              np.ptp(smooth, axis=(1, 2), keepdims=True) * 255).astype(np.uint8)
    flat = np.full((4, 32, 32), 77, dtype=np.uint8)
    flat[1, 0, 0] = 78
    flat[2] = 0
    flat[3] = 255
    # symmetric pictures, whose DCT has exact zeros: gradients along one axis, black bars of every width
    ramp = np.linspace(0, 255, 32)
    gradients = np.stack([np.tile(ramp * k / 8, (32, 1)) for k in range(1, 9)]).astype(np.uint8)
    bars = np.zeros((32, 32, 32), dtype=np.uint8)
    for i in range(32):
        bars[i, :, :i] = 200
    return np.concatenate([noise, smooth, flat, gradients, gradients.transpose(0, 2, 1), bars])


def test_pocketfft_is_loaded_without_importing_scipy() -> None:
    """The DCT comes from pocketfft loaded directly (10 ms), not through scipy's package imports (0.2 s)."""
    from vidverify.signals import hashing

    assert hashing._dct_2d() is not hashing._scipy_dct_2d


def test_bit_identical_to_imagehash_on_many_frames() -> None:
    frames = _frames(300, seed=1)
    ours, mirrored = phash_and_mirror_batch(frames)
    ref = [str(imagehash.phash(Image.fromarray(f))) for f in frames]
    ref_mirror = [str(imagehash.phash(Image.fromarray(np.ascontiguousarray(f[:, ::-1])))) for f in frames]
    assert to_hex(ours) == ref
    assert to_hex(mirrored) == ref_mirror
    assert np.array_equal(phash_batch(frames), ours)


def test_hash_object_behaves_like_imagehash() -> None:
    a, b = (Hash(int(v)) for v in phash_batch(golden_frames()[:2]))
    ia, ib = (imagehash.phash(Image.fromarray(f)) for f in golden_frames()[:2])
    assert a - b == ia - ib == int(hamming(a.value, b.value))
    assert str(a) == str(ia)
    assert Hash.from_hex(str(a)) == a
    assert a - a == 0
    with pytest.raises(ValueError):
        Hash.from_hex("abc")


def test_hex_round_trip_and_hamming_broadcast() -> None:
    h = phash_batch(_frames(20, seed=3))
    assert np.array_equal(from_hex(to_hex(h)), h)
    d = hamming(h[:, None], h[None, :])
    assert d.shape == (len(h), len(h))
    assert (np.diag(d) == 0).all()
    assert d.max() <= 64


def test_hash_is_robust_to_mild_noise_and_distinct_between_pictures() -> None:
    rng = np.random.default_rng(5)
    frames = _frames(50, seed=9)[50:100]  # smooth ones
    noisy = np.clip(frames.astype(int) + rng.integers(-6, 7, frames.shape), 0, 255).astype(np.uint8)
    same = hamming(phash_batch(frames), phash_batch(noisy))
    other = hamming(phash_batch(frames), np.roll(phash_batch(frames), 1))
    assert np.median(same) <= 4
    assert np.median(other) >= 20


def test_dhash_shape_and_determinism() -> None:
    frames = _frames(10, seed=2)
    assert np.array_equal(dhash_batch(frames), dhash_batch(frames.copy()))
    assert dhash_batch(frames).dtype == np.uint64


def test_rejects_wrong_frame_size() -> None:
    with pytest.raises(ValueError):
        phash_batch(np.zeros((2, 16, 16), dtype=np.uint8))
    assert len(phash_batch(np.zeros((0, 32, 32), dtype=np.uint8))) == 0
