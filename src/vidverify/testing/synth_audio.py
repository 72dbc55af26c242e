"""Synthetic sound and the sound edits of re-posts, for the tests and ``benchmarks/bench_audio.py``.

Beside ``synth.py`` (whose footage keeps its seeded tone over pink noise, so the example case's hashes hold): the
sound here is made in numpy from a seed (notes with harmonics and attacks, noise bursts, pauses: structure in time,
which is what a sound print follows) and written as WAV; ffmpeg muxes it with footage. Deterministic for a seed.

    melody            a WAV of seeded notes (any rate 8..48 kHz, mono to 5.1, a level in dBFS, or digital silence)
    with_sound        footage with a WAV as its sound: the picture copied, the sound encoded, moved by ``offset``
    without_sound     the picture alone (stream copy)
    mix_under         the file's own sound with another under it (a music bed)
    damage_sound      an MPEG-TS copy whose audio packets have bytes overwritten (the picture intact)
"""

from __future__ import annotations

import os
import random
import wave
from pathlib import Path

import numpy as np

from .synth import PathLike, _ffmpeg, _inp

CHANNEL_LAYOUTS = {1: "mono", 2: "stereo", 6: "5.1"}


def melody(out: PathLike, *, seconds: float = 8.0, seed: int = 0, rate: int = 48000, channels: int = 2,
           level_db: float = -14.0, silent: bool = False) -> Path:
    """Write a WAV of ``seconds`` of seeded notes (or digital silence with ``silent``)."""
    rng = random.Random(f"melody:{seed}")
    n = round(seconds * rate)
    x = np.zeros(n, np.float64)
    t = 0.0
    while t < seconds and not silent:
        length = rng.uniform(0.08, 0.45)
        start, end = round(t * rate), min(n, round((t + length) * rate))
        k = np.arange(end - start) / rate
        if rng.random() < 0.15:  # a pause
            t += length
            continue
        if rng.random() < 0.2:  # a noise burst (a consonant, a knock)
            noise = np.random.default_rng(rng.getrandbits(32)).standard_normal(end - start)
            x[start:end] += 0.4 * noise * np.exp(-k * rng.uniform(5, 30))
        else:
            f0 = rng.uniform(150, 900)
            env = np.minimum(1.0, k / 0.01) * np.exp(-k * rng.uniform(1.5, 8))
            for h in range(1, 5):
                x[start:end] += env * np.sin(2 * np.pi * f0 * h * k + rng.uniform(0, 6.28)) * rng.uniform(0.2, 1) / h
        t += length
    if not silent:
        x *= 10 ** (level_db / 20) / max(1e-9, float(np.sqrt((x * x).mean())))
    pcm = (np.clip(x, -1, 1) * 32767).astype("<i2")
    out = Path(out)
    with wave.open(os.fspath(out), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(pcm[:, None], channels, axis=1).tobytes())
    return out


def with_sound(video: PathLike, sound: PathLike, out: PathLike, *, offset: float = 0.0, codec: str = "aac",
               rate: int | None = None, channels: int | None = None) -> Path:
    """``video``'s picture (copied) with ``sound`` (a WAV or any file's first audio track) as its sound, played
    ``offset`` seconds later (earlier when negative: its start is dropped); the sound ends with the picture."""
    af = f"adelay={round(offset * 1000)}:all=1" if offset > 0 else (f"atrim=start={-offset},asetpts=PTS-STARTPTS"
                                                                      if offset < 0 else "anull")
    args = [*_inp(video), *_inp(sound), "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-af", af,
            "-c:a", codec, "-shortest"]
    args += (["-ar", str(rate)] if rate else []) + (["-ac", str(channels)] if channels else [])
    return _ffmpeg(args, out, what="with_sound")


def without_sound(video: PathLike, out: PathLike) -> Path:
    return _ffmpeg([*_inp(video), "-map", "0:v:0", "-c:v", "copy", "-an"], out, what="without_sound")


def mix_under(video: PathLike, bed: PathLike, out: PathLike, *, bed_db: float = -6.0) -> Path:
    """``video`` with ``bed`` mixed under its own sound, ``bed_db`` relative to it (picture copied)."""
    graph = f"[1:a]volume={bed_db}dB[bed];[0:a][bed]amix=inputs=2:duration=first:normalize=0[a]"
    args = [*_inp(video), *_inp(bed), "-filter_complex", graph, "-map", "0:v:0", "-map", "[a]", "-c:v", "copy",
            "-c:a", "aac"]
    return _ffmpeg(args, out, what="mix_under")


def damage_sound(video: PathLike, out: PathLike, *, share: float = 0.3, seed: int = 0) -> Path:
    """An MPEG-TS copy of ``video`` with bytes overwritten in ``share`` of its audio packets (the video's intact)."""
    out = Path(out)
    _ffmpeg([*_inp(video), "-map", "0:v:0", "-map", "0:a:0", "-c", "copy", "-f", "mpegts"], out, what="damage_sound")
    data = bytearray(out.read_bytes())
    rng = random.Random(f"damage:{seed}")
    for i in range(0, len(data) - 187, 188):
        pid = ((data[i + 1] & 0x1F) << 8) | data[i + 2]
        if pid == 0x101 and rng.random() < share:  # ffmpeg's first audio PID
            for j in range(i + 8, i + 188, 3):
                data[j] = rng.getrandbits(8)
    out.write_bytes(bytes(data))
    return out


__all__ = ["CHANNEL_LAYOUTS", "damage_sound", "melody", "mix_under", "with_sound", "without_sound"]
