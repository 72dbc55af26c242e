"""The sound print: a file's mono 8 kHz samples become two columns on the sound's own timeline, one row per 10 ms.

* ``audio_bits``: a 32-bit sub-fingerprint per step (the Haitsma-Kalker scheme that Chromaprint and its kin
  build on): the energy of 33 bands spaced on a log scale from 300 to 3000 Hz over a 256 ms window, and bit ``m``
  is the sign of the band-to-band energy difference's change over the last 20 ms. A re-encode, a new
  loudness, an equaliser or a quieter sound mixed under it flips few bits; a different sound flips half.
* ``audio_rms``: the loudness of each 10 ms step in dBFS (silence, the timeline's silent stretches).

A 10 ms step lets an offset between sound and picture be read to a few milliseconds. numpy and scipy's FFT, no I/O:
the samples come from ``media/audio.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import cast

import numpy as np

from . import hashing

SAMPLE_RATE = 8000  # Hz: the decoder resamples every track to this, mono
HOP = 80  # samples per step: 10 ms
STEP = HOP / SAMPLE_RATE
WINDOW = 2048  # samples per analysis window (256 ms)
BANDS = 33  # band edges give 32 differences: 32 bits
LOW_HZ, HIGH_HZ = 300.0, 3000.0
SILENT_DB = -60.0  # a whole track quieter than this (RMS) is silence (docs/contract.md)
QUIET_STEP_DB = -80.0  # a step quieter than this says nothing in the bits (near digital silence)
QUIET_BELOW_LOUD_DB = 45.0  # ... nor one this far below the track's loud steps (its 90th percentile)
FLOOR_DB = -120.0
FLOOR_SHARE = 1e-3  # a band's energy floor, as a share of its window's
CHANGE_STEPS = 2  # bits say how the band differences changed over this many steps (20 ms)
_CHUNK = 256  # windows transformed at a time: 2 MB of samples, kept in the cache


def _band_runs() -> tuple[int, int, np.ndarray]:
    """The spectrum's bins of the bands: band ``b`` holds the bins whose frequency lies in [edge b, edge b+1), a
    run of neighbours; (first bin, end bin, each band's first bin counted from the first)."""
    freqs = np.fft.rfftfreq(WINDOW, 1.0 / SAMPLE_RATE)
    starts = np.searchsorted(freqs, np.geomspace(LOW_HZ, HIGH_HZ, BANDS + 1), side="left")
    return int(starts[0]), int(starts[-1]), (starts[:-1] - starts[0]).astype(np.intp)


_LO, _HI, _RUNS = _band_runs()
_HANN = np.hanning(WINDOW).astype(np.float32)


@functools.cache
def _rfft() -> Callable[[np.ndarray], np.ndarray]:
    """The real FFT along the last axis, in the input's precision: pocketfft's own (scipy's, loaded without
    scipy's package imports as ``hashing`` does), which transforms many rows at once with SIMD and is 2-3 times
    numpy's; numpy's when it cannot be loaded or differs on a probe."""
    try:
        module = hashing.load_pocketfft()

        def fast(x: np.ndarray) -> np.ndarray:
            return cast(np.ndarray, module.r2c(x, (x.ndim - 1,), True, 0, None, 1))

        probe = (np.arange(2 * 64, dtype=np.float32) * 7919 % 251).reshape(2, 64)
        if np.allclose(fast(probe), np.fft.rfft(probe, axis=1), rtol=1e-5, atol=1e-3):
            return fast
    except Exception:  # noqa: BLE001 - any surprise means numpy's
        pass
    return lambda x: np.fft.rfft(x, axis=-1)


def step_rms(samples: np.ndarray) -> np.ndarray:
    """The loudness of each HOP-sample step in dBFS (float32; FLOOR_DB for digital silence)."""
    n = len(samples) // HOP
    x = samples[: n * HOP].astype(np.float32).reshape(n, HOP) / 32768.0
    power = (x * x).mean(axis=1)
    return np.asarray(np.maximum(10 * np.log10(np.maximum(power, 1e-12)), FLOOR_DB), np.float32)


def sound_bits(samples: np.ndarray) -> np.ndarray:
    """One 32-bit sub-fingerprint per step (uint32), centred on the step: row k looks at the window around
    ``k * STEP + STEP / 2``.

    The windows are strided views of the samples (no gathered copy), and only the bins of the bands (300 to
    3000 Hz, a third of the spectrum) are squared and summed, band by band, as runs of neighbours: a quarter of the
    work of a dense band matrix, with the same print (``tests/signals/test_sound.py`` checks it against the plain
    computation)."""
    n = len(samples) // HOP
    if n == 0:
        return np.zeros(0, np.uint32)
    pad = (WINDOW - HOP) // 2
    x = np.zeros(pad + n * HOP + WINDOW, np.float32)
    x[pad: pad + n * HOP] = samples[: n * HOP]
    x /= np.float32(32768.0)
    windows = np.lib.stride_tricks.sliding_window_view(x, WINDOW)[::HOP]
    rfft = _rfft()
    energy = np.empty((n, BANDS), np.float32)
    for s in range(0, n, _CHUNK):
        e = min(n, s + _CHUNK)
        spec = rfft(windows[s:e] * _HANN)[:, _LO:_HI]
        bands = np.add.reduceat(spec.real * spec.real + spec.imag * spec.imag, _RUNS, axis=1)
        # an empty band's energy is noise: a floor under each band, relative to the window's whole energy
        energy[s:e] = np.log(bands + FLOOR_SHARE * bands.sum(axis=1, keepdims=True) + 1e-10)
    diff = energy[:, :-1] - energy[:, 1:]
    change = np.zeros_like(diff)
    change[CHANGE_STEPS:] = diff[CHANGE_STEPS:] - diff[:-CHANGE_STEPS]
    # bit m of a step is band difference m's sign of change: 32 booleans packed little-endian into a word
    return np.packbits(change > 0, axis=1, bitorder="little").view("<u4")[:, 0].astype(np.uint32)


def loud_steps(rms: np.ndarray) -> np.ndarray:
    """The steps whose bits carry the sound: louder than QUIET_STEP_DB and than the track's 90th percentile less
    QUIET_BELOW_LOUD_DB (a quiet recording's hiss between its sounds says nothing; a loudness change between two
    copies moves both thresholds alike)."""
    r = np.asarray(rms, np.float32)
    if len(r) == 0:
        return np.zeros(0, bool)
    return np.asarray(r >= max(QUIET_STEP_DB, float(np.percentile(r, 90)) - QUIET_BELOW_LOUD_DB), bool)


def track_rms_db(samples: np.ndarray) -> float:
    """The RMS loudness of a whole track in dBFS (FLOOR_DB for none)."""
    if len(samples) == 0:
        return FLOOR_DB
    x = samples.astype(np.float64) / 32768.0
    return float(max(10 * np.log10(max(float((x * x).mean()), 1e-12)), FLOOR_DB))


def sound_columns(samples: np.ndarray, first_time: float) -> dict[str, np.ndarray]:
    """The sound channels of ``samples`` (int16 mono at SAMPLE_RATE) whose first sample plays at ``first_time``
    seconds on the fingerprint's timeline: ``audio_times`` (each step's start), ``audio_bits``, ``audio_rms``."""
    rms = step_rms(samples)
    return {"audio_times": first_time + np.arange(len(rms), dtype=np.float64) * STEP,
            "audio_bits": sound_bits(samples), "audio_rms": rms}


__all__ = ["HOP", "SAMPLE_RATE", "SILENT_DB", "STEP", "QUIET_STEP_DB", "loud_steps", "sound_bits", "sound_columns",
           "step_rms", "track_rms_db"]
