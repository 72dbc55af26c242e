"""Perceptual frame hashes, batch numpy, no I/O.

``phash_batch`` is bit-identical to ``imagehash.phash`` on the same 32x32 grey input (pinned by a golden test):
DCT-II along both axes (pocketfft, as in scipy.fftpack), the top-left 8x8 coefficients, each compared with their
median. A 64-bit hash is stored as ``uint64`` with imagehash's bit order (row-major, first coefficient in the most
significant bit), so ``format(h, "016x")`` equals ``str(imagehash.phash(img))``.

``Hash`` wraps one value and behaves like imagehash's ``ImageHash``: ``a - b`` is the Hamming distance, ``str(h)``
is hex, and ``Hash.from_hex(str(h)) == h``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

HASH_BITS = 64
HASH_INPUT_SIZE = 32  # the grey frames that the decoder delivers are HASH_INPUT_SIZE x HASH_INPUT_SIZE
PHASH_VERSION = "phash-dct32-8x8-v1"

# Signs that turn the DCT of a frame into the DCT of its mirror image: column k flips sign when k is odd.
_MIRROR_SIGNS = np.where(np.arange(8) % 2 == 1, -1.0, 1.0)[None, None, :]


@dataclass(frozen=True, order=True)
class Hash:
    """One 64-bit perceptual hash."""

    value: int

    def __sub__(self, other: Hash) -> int:
        return (self.value ^ other.value).bit_count()

    def __str__(self) -> str:
        return format(self.value, "016x")

    @classmethod
    def from_hex(cls, text: str) -> Hash:
        if len(text) != 16:
            raise ValueError(f"a 64-bit hash is 16 hex digits, got {text!r}")
        return cls(int(text, 16))


def _pack(bits: np.ndarray) -> np.ndarray:
    """(N, 64) bools, first bit most significant -> (N,) uint64."""
    packed = np.packbits(bits.reshape(len(bits), HASH_BITS), axis=1)
    return packed.view(">u8").reshape(-1).astype(np.uint64)


DCT_CHUNK = 16  # frames per DCT call: its float64 work arrays stay at 128 KiB, reused instead of mapped afresh


def _dct_lowfreq(frames: np.ndarray) -> np.ndarray:
    if frames.ndim != 3 or frames.shape[1:] != (HASH_INPUT_SIZE, HASH_INPUT_SIZE):
        raise ValueError(f"expected (N, 32, 32) grey frames, got {frames.shape}")
    dct = _dct_2d()
    out = np.empty((len(frames), 8, 8), dtype=np.float64)
    for i in range(0, len(frames), DCT_CHUNK):
        out[i: i + DCT_CHUNK] = dct(frames[i: i + DCT_CHUNK].astype(np.float64))[:, :8, :8]
    return out


@functools.cache
def _dct_2d() -> Callable[[np.ndarray], np.ndarray]:
    """``x -> scipy.fftpack.dct(scipy.fftpack.dct(x, axis=1), axis=2)``, computed by the same code.

    scipy.fftpack's DCT is pocketfft's; ``import scipy.fftpack`` takes 0.15-0.25 s (scipy's package imports),
    which is a tenth of hashing a minute of video by keyframes. The pocketfft extension module itself loads in
    10 ms, so it is loaded directly and called with the arguments that scipy.fftpack passes (an unnormalised
    type-II transform, one thread). It is checked against the DCT's definition on a test input the first time,
    and scipy.fftpack is used if anything differs (another scipy layout or signature); the golden test pins
    the hashes to imagehash's bit for bit."""
    try:
        module = load_pocketfft()

        def fast(x: np.ndarray) -> np.ndarray:
            return cast(np.ndarray, module.dct(module.dct(x, 2, (1,), 0, None, 1, None), 2, (2,), 0, None, 1, None))

        probe = (np.arange(2 * 32 * 32, dtype=np.float64) * 7919 % 251).reshape(2, 32, 32)
        n = np.arange(32)
        basis = 2 * np.cos(np.pi * n[:, None] * (2 * n[None, :] + 1) / 64)  # unnormalised DCT-II, row k
        expected = np.einsum("kn,bnm,lm->bkl", basis, probe, basis)
        if np.allclose(fast(probe), expected, rtol=0, atol=1e-6):
            return fast
    except Exception:  # noqa: BLE001 - any surprise means the documented path
        pass
    return _scipy_dct_2d


def _scipy_dct_2d(x: np.ndarray) -> np.ndarray:
    import scipy.fftpack

    return cast(np.ndarray, scipy.fftpack.dct(scipy.fftpack.dct(x, axis=1), axis=2))


@functools.cache
def load_pocketfft() -> Any:
    """scipy's pocketfft extension module, loaded once without scipy's package imports (also ``sound.py``'s)."""
    import importlib.machinery
    import importlib.util

    spec = importlib.util.find_spec("scipy")  # finds the package without importing it
    if spec is None or spec.origin is None:
        raise ImportError("scipy not found")
    so = next((Path(spec.origin).parent / "fft" / "_pocketfft").glob("pypocketfft*"))
    loader = importlib.machinery.ExtensionFileLoader("pypocketfft", str(so))
    module_spec = importlib.util.spec_from_file_location("pypocketfft", str(so), loader=loader)
    if module_spec is None:
        raise ImportError("cannot load pocketfft")
    module = importlib.util.module_from_spec(module_spec)
    loader.exec_module(module)
    return module


def _median_bits(coeffs: np.ndarray) -> np.ndarray:
    flat = coeffs.reshape(len(coeffs), HASH_BITS)
    med = np.median(flat, axis=1, keepdims=True)
    return cast(np.ndarray, flat > med)


def phash_batch(frames: np.ndarray) -> np.ndarray:
    """pHash of each (32, 32) uint8 grey frame: (N, 32, 32) -> (N,) uint64."""
    if len(frames) == 0:
        return np.zeros(0, dtype=np.uint64)
    return _pack(_median_bits(_dct_lowfreq(frames)))


def phash_and_mirror_batch(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pHash of each frame and of its horizontal mirror image, from one DCT."""
    if len(frames) == 0:
        empty = np.zeros(0, dtype=np.uint64)
        return empty, empty.copy()
    low = _dct_lowfreq(frames)
    return _pack(_median_bits(low)), _pack(_median_bits(low * _MIRROR_SIGNS))


def dhash_batch(frames: np.ndarray) -> np.ndarray:
    """Difference hash (imagehash.dhash row variant) of (N, 9x8) resampled grey frames is not used; this computes
    dHash on 8 rows x 9 columns sampled from the 32x32 input by area averaging."""
    n = len(frames)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    f = frames.astype(np.float32)
    rows = f.reshape(n, 8, 4, HASH_INPUT_SIZE).mean(axis=2)  # (n, 8, 32)
    edges = np.linspace(0, HASH_INPUT_SIZE, 10).round().astype(int)
    cols = np.stack([rows[:, :, a:b].mean(axis=2) for a, b in zip(edges[:-1], edges[1:], strict=True)], axis=2)
    return _pack(cols[:, :, 1:] > cols[:, :, :-1])


def hamming(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """Bitwise Hamming distance between uint64 hashes (broadcasting)."""
    x = np.bitwise_xor(np.asarray(a, dtype=np.uint64), np.asarray(b, dtype=np.uint64))
    return np.bitwise_count(x).astype(np.int32)


def to_hex(values: np.ndarray) -> list[str]:
    return [format(int(v), "016x") for v in values]


def from_hex(texts: list[str]) -> np.ndarray:
    return np.array([int(t, 16) for t in texts], dtype=np.uint64)


__all__ = [
    "HASH_BITS",
    "HASH_INPUT_SIZE",
    "PHASH_VERSION",
    "Hash",
    "dhash_batch",
    "from_hex",
    "hamming",
    "phash_and_mirror_batch",
    "phash_batch",
    "to_hex",
]
