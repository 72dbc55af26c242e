"""The sound, decoded in the picture decoder's own ffmpeg process (no second read of the file).

Each decoder process (``media/decode.py``) that is handed a :class:`Tap` gets a second output: the first audio
track, resampled in C to 8 kHz mono 16-bit PCM (``aresample``, which also downmixes 5.1 and any rate from 8 to
48 kHz), written to a pipe of its own that a thread drains. ``first_pts`` places the output on the file's own
8 kHz grid from a little before the segment's first raw time (silence padded up to the sound; the lead is dropped
here), so a file decoded in several segments puts its pieces together by their sample numbers into the sound that
one decoder gives; ``atrim`` ends a segment's sound where the next begins.
:func:`sound_print` turns the pieces into the fingerprint's sound channels (``signals/sound.py``).

A broken sound never costs the picture: ``pipeline/ingest.py`` decodes again without the tap when a process with
one fails, and records the sound as ``failed``.
"""

from __future__ import annotations

import math
import os
import re
import threading

import numpy as np

from ..signals.sound import SAMPLE_RATE, SILENT_DB, sound_columns, track_rms_db

READ_BYTES = 1 << 16
MAX_SECONDS_UNKNOWN = 4 * 3600  # the most sound kept from a file whose duration is unknown
# the sound is placed from this long before a tap's first sample, and that lead dropped (Tap.args): the file's
# start (a codec's priming samples lie before it), a segment's (ffmpeg's seek lands a few tenths of a second
# early, the sound's packets with it); each second of lead costs a second of resampling
LEAD_SAMPLES, LEAD_SEEK_SAMPLES = SAMPLE_RATE // 10, SAMPLE_RATE // 2


DAMAGED_ERRORS_PER_S = 1.0  # packets refused per second of sound from which a track is too damaged to compare
DAMAGED_MIN_ERRORS = 3  # ... and at least this many (a cut at a stream-copy trim costs a packet or two)
AUDIO_ERROR = re.compile(r"\[aist#\d+:\d+/[^\]]*\].*(?:Error|error)")
"""ffmpeg's message for a sound packet its decoder refused (``[aist#0:1/aac @ ...] ... Error submitting packet
to decoder: Invalid data ...``)."""


class Tap:
    """One decoder process's sound output: [start, end) of the raw timeline (None: the file's own start, taken
    as ``origin``, or its end)."""

    def __init__(self, start: float | None, end: float | None, origin: float,
                 duration: float | None = None, rate: int = 0) -> None:
        self.start, self.end, self.origin = start, end, origin
        self.rate = rate  # the track's sample rate, as probed (0: unknown)
        self.first = round((start if start is not None else origin) * SAMPLE_RATE)  # raw sample number
        # with the rate known, the output starts a lead early, at an instant that is a whole sample at both rates;
        # these samples precede the first and are dropped here (see args)
        grid = SAMPLE_RATE // math.gcd(rate, SAMPLE_RATE) if rate > 0 else 0
        lead = LEAD_SAMPLES if start is None else LEAD_SEEK_SAMPLES
        self._lead = self.first - (self.first - lead) // grid * grid if grid else 0
        # at most the file's length and a minute (a clock far off would otherwise pad hours of silence)
        self._limit = 2 * (self._lead + SAMPLE_RATE * round((duration + 60) if duration else MAX_SECONDS_UNKNOWN))
        # a segment's sound is whole once it has reached its end (less a sample of rounding): its process may stop
        self._need = 2 * (self._lead + max(0, round(end * SAMPLE_RATE) - self.first - 1)) if end is not None else None
        self._got = 0  # bytes read from the pipe
        self._r, self._w = -1, -1
        self._chunks: list[bytes] = []
        self._thread: threading.Thread | None = None
        self.errors = 0  # packets the sound decoder refused (counted from its process's messages)

    def args(self) -> list[str]:
        """ffmpeg's output arguments for the sound of input 0 onto this tap's pipe. A simple filter graph of its
        own (``-af``): in the picture's ``-filter_complex`` graph the sound would cost several times more, as the
        one graph then waits on both streams."""
        if self._w < 0:
            self._r, self._w = os.pipe()
        # a short resampling filter (the print looks at 300-3000 Hz only)
        resample = f"aresample=osr={SAMPLE_RATE}:ochl=mono:osf=s16:filter_size=8"
        if self.rate > 0:
            # one filter resamples and places: first_pts counts samples at its input rate. It is set a little
            # before the sound's first packet (LEAD_SAMPLES), so that swresample pads whole input samples of
            # silence up to the sound rather than drop output samples (it truncates that count): the samples then
            # lie on the file's own 8 kHz grid, those of a later segment as those of one decoder for the whole
            # file, where resampling first, then placing, rounded each segment's start to a sample of 8 kHz
            chain = f"{resample}:async=1:first_pts={(self.first - self._lead) * self.rate // SAMPLE_RATE}"
        else:  # the rate unknown: resample first, then place the samples at the output rate
            chain = f"{resample},aresample=async=1:first_pts={self.first}"
        if self.end is None:
            # written in 32 KB blocks rather than per packet, and the samples gathered into 0.5 s frames on the
            # way (a few hundred frames rather than one per decoded packet through ffmpeg's encoder and muxer)
            chain += f",asetnsamples=n={SAMPLE_RATE // 2}:p=0"
            return ["-map", "0:a:0", "-af", chain, "-flush_packets", "0", "-f", "s16le", f"pipe:{self._w}"]
        # a segment that ends before the file: its sound is written as it comes, in 100 ms packets, so that the
        # reader sees it whole (:attr:`complete`) and stops the process there, as it does one without sound,
        # rather than let it decode the picture on to its read limit (a few per cent of a short file)
        chain = f"atrim=end={self.end:.6f},{chain},asetnsamples=n={SAMPLE_RATE // 10}:p=0"
        return ["-map", "0:a:0", "-af", chain, "-flush_packets", "1", "-f", "s16le", f"pipe:{self._w}"]

    @property
    def fds(self) -> tuple[int, ...]:
        """The pipe's write end, for the process to inherit."""
        return (self._w,) if self._w >= 0 else ()

    def start_reading(self) -> None:
        """Once the process is started: close this side's write end and drain the pipe in a thread."""
        if self._w >= 0:
            os.close(self._w)
            self._w = -1
        if self._r >= 0:
            self._thread = threading.Thread(target=self._drain, name="vidverify-sound", daemon=True)
            self._thread.start()

    @property
    def complete(self) -> bool:
        """The sound of a segment with an end has arrived up to that end (its process need not run on)."""
        return self._need is not None and self._got >= self._need

    def _drain(self) -> None:
        try:
            while chunk := os.read(self._r, READ_BYTES):
                if self._got < self._limit:  # past the limit the pipe is still drained (ffmpeg must not block)
                    self._chunks.append(chunk[: self._limit - self._got])
                self._got += len(chunk)
        finally:
            os.close(self._r)
            self._r = -1

    def finish(self) -> None:
        """Wait for the pipe's end (the process has ended or been stopped); close what was never handed on."""
        if self._thread is not None:
            self._thread.join(timeout=10)
        for fd in (self._w, self._r if self._thread is None else -1):
            if fd >= 0:
                os.close(fd)
        self._w = -1

    def samples(self) -> np.ndarray:
        data = b"".join(self._chunks)[2 * self._lead:]
        return np.frombuffer(data[: len(data) // 2 * 2], dtype="<i2")


def assemble(taps: list[Tap]) -> tuple[np.ndarray, int]:
    """The pieces of the taps put together by their sample numbers (gaps are silence): (samples, the raw sample
    number of the first)."""
    pieces = [(t.first, t.samples()) for t in taps]
    if not pieces:
        return np.zeros(0, np.int16), 0
    first = min(f for f, _ in pieces)
    out = np.zeros(max(f + len(s) for f, s in pieces) - first, np.int16)
    for f, s in sorted(pieces, key=lambda p: p[0]):
        out[f - first: f - first + len(s)] = s
    return out, first


def sound_print(taps: list[Tap], origin: float) -> tuple[str, dict[str, np.ndarray]]:
    """(state, the sound channels) from a decode's taps; ``origin`` is the raw time of the fingerprint's t = 0.
    State: ``sound``, ``silent`` (RMS under SILENT_DB over the file) or ``failed`` (a track that gave nothing, or
    whose decoder refused packets throughout: DAMAGED_ERRORS_PER_S)."""
    samples, first = assemble(taps)
    columns = sound_columns(samples, first / SAMPLE_RATE - origin)
    if len(samples) == 0:
        return "failed", columns
    errors = sum(t.errors for t in taps)
    if errors >= DAMAGED_MIN_ERRORS and errors >= DAMAGED_ERRORS_PER_S * len(samples) / SAMPLE_RATE:
        # a track whose packets the decoder keeps refusing gives silence and noise in their place: its print
        # would call the same sound "different" (and "replaced"); unknown is the honest answer
        return "failed", columns
    return ("silent" if track_rms_db(samples) < SILENT_DB else "sound"), columns


__all__ = ["Tap", "assemble", "sound_print"]
