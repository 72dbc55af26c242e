"""The sound print's fast computation (strided windows, pocketfft, band runs) against its plain definition."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from vidverify.signals import sound
from vidverify.testing import synth_audio as sa


def _plain_bits(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The print as first written (gathered windows, numpy's FFT, a dense band matrix, bits packed by a dot), and
    the change each bit is the sign of."""
    n = len(samples) // sound.HOP
    pad = (sound.WINDOW - sound.HOP) // 2
    x = np.concatenate([np.zeros(pad, np.float32), samples[: n * sound.HOP].astype(np.float32) / 32768.0,
                        np.zeros(sound.WINDOW, np.float32)])
    freqs = np.fft.rfftfreq(sound.WINDOW, 1.0 / sound.SAMPLE_RATE)
    edges = np.geomspace(sound.LOW_HZ, sound.HIGH_HZ, sound.BANDS + 1)
    matrix = np.zeros((len(freqs), sound.BANDS), np.float32)
    for b in range(sound.BANDS):
        matrix[(freqs >= edges[b]) & (freqs < edges[b + 1]), b] = 1.0
    k = np.arange(n)
    frames = x[k[:, None] * sound.HOP + np.arange(sound.WINDOW)[None, :]] * np.hanning(sound.WINDOW).astype(np.float32)
    bands = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).astype(np.float32) @ matrix
    energy = np.log(bands + sound.FLOOR_SHARE * bands.sum(axis=1, keepdims=True) + 1e-10)
    diff = energy[:, :-1] - energy[:, 1:]
    change = np.zeros_like(diff)
    change[sound.CHANGE_STEPS:] = diff[sound.CHANGE_STEPS:] - diff[:-sound.CHANGE_STEPS]
    weights = (1 << np.arange(32, dtype=np.uint64)).astype(np.uint64)
    return ((change > 0).astype(np.uint64) @ weights).astype(np.uint32), change


def _melody_8k(tmp_path: Path, seconds: float, seed: int) -> np.ndarray:
    path = sa.melody(tmp_path / f"m{seed}.wav", seconds=seconds, seed=seed, rate=sound.SAMPLE_RATE, channels=1)
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2")


def _flips(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(steps, 32) booleans: the bits that differ."""
    return np.unpackbits((a ^ b).view(np.uint8), bitorder="little").reshape(len(a), 32).astype(bool)


def test_the_fast_print_is_the_plain_one(tmp_path: Path) -> None:
    # several chunks of windows and a ragged end (not a whole number of steps)
    samples = _melody_8k(tmp_path, 7.3, seed=3)[:-37]
    fast, (plain, change) = sound.sound_bits(samples), _plain_bits(samples)
    assert fast.dtype == np.uint32 and len(fast) == len(samples) // sound.HOP > 2 * sound._CHUNK
    assert len(set(fast.tolist())) > len(fast) // 4  # a print that says something (not all zero, not constant)
    # the same bits, but where the change is nought but float rounding (a steady synthetic tone leaves its empty
    # bands at the floor: their differences do not change, and the band sums' order decides the sign)
    flipped = _flips(fast, plain)
    assert np.all(np.abs(change[flipped]) < 1e-4)
    assert (np.abs(change) >= 1e-4).mean() > 0.5  # most bits are decided


def test_the_numpy_fallback_gives_the_same_print(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = _melody_8k(tmp_path, 3.0, seed=5)
    fast = sound.sound_bits(samples)

    def missing() -> None:
        raise ImportError("no pocketfft")

    monkeypatch.setattr(sound.hashing, "load_pocketfft", missing)
    sound._rfft.cache_clear()
    try:
        slow = sound.sound_bits(samples)
    finally:
        sound._rfft.cache_clear()
    assert np.all(np.abs(_plain_bits(samples)[1][_flips(fast, slow)]) < 1e-4)
