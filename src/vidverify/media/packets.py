"""Digests of the compressed video packets: what tells a stream copy from a re-encode.

A trim or a remux made with ``ffmpeg -c copy`` (or a phone's "save a clip" without re-encoding) keeps the
original's compressed frames byte for byte. Their digests find such a copy exactly, even where the pictures say
nothing (black or flat frames, a fade), and prove that those frames were not re-encoded.

One pass over the packets with PyAV's demuxer (nothing is decoded): the first 8 bytes of each displayed video
packet's SHA-256, its presentation time, and a digest of the codec configuration (the decoder's extradata: SPS/PPS
and the like), without which the same packets could decode to other pictures. About 0.1 s per 100 MB.

Packets that an edit list hides (the pre-roll before a stream copy's start: decoded as references, never shown)
are not displayed frames: they get no digest, and the span of the displayed ones (:class:`ShownSpan`) is the
file's duration (docs/contract.md: from the first displayed frame to the end of the last). The same pass without
the digests, :func:`shown_span`, is what ``probe`` reads it with.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from dataclasses import dataclass

import numpy as np

from . import ffmpeg

log = logging.getLogger("vidverify")

MAX_PACKETS = 5_000_000  # a file claiming more video packets than this is not digested (hostile input)


@dataclass(frozen=True)
class ShownSpan:
    """The displayed video frames of a file, from its packets: raw presentation times (seconds)."""

    first: float  # presentation time of the earliest displayed frame
    last: float  # presentation time of the latest displayed frame
    end: float  # when the latest displayed frame stops being shown (its time plus its display duration)
    frames: int  # displayed frames

    @property
    def duration(self) -> float:
        """The one duration of a video: from its first displayed frame to the end of its last."""
        return self.end - self.first

    @property
    def last_frame(self) -> float:
        """The display duration of the latest displayed frame."""
        return self.end - self.last


def mean_rate(frames: int, seconds: float | None) -> float | None:
    """Frames per second over ``seconds`` of display (a GIF's rate: its frames' delays vary, and libavformat
    guesses from the first, 6.25 fps for a 6 fps GIF); None for fewer than two frames or no length."""
    return round(frames / seconds, 3) if frames > 1 and seconds and seconds > 0 else None


def _span(times: list[float], lengths: list[float]) -> ShownSpan | None:
    """The span of displayed packets from their presentation times and display durations (any order)."""
    if not times:
        return None
    t = np.asarray(times, np.float64)
    k = int(np.argmax(t))
    length = float(lengths[k])
    if length <= 0:  # no duration stored with the packet: the typical spacing of the frames
        first = np.sort(t[:64])
        length = float(np.median(np.diff(first))) if len(first) > 1 else 0.0
    return ShownSpan(float(t.min()), float(t[k]), float(t[k]) + length, len(t))


@dataclass(frozen=True)
class PacketDigests:
    times: np.ndarray  # (n,) float64 raw presentation times (seconds), ascending
    digests: np.ndarray  # (n,) uint64: the first 8 bytes of each packet's SHA-256, big-endian
    codec: str | None  # first 16 hex digits of the SHA-256 of the codec configuration (None: none stored)
    first_shown: float | None = None  # raw time of the earliest displayed packet (an edit list hides some)
    span: ShownSpan | None = None  # the displayed frames (None: no packet could be read)

    @classmethod
    def empty(cls) -> PacketDigests:
        return cls(np.zeros(0, np.float64), np.zeros(0, np.uint64), None)


def digest_packets(path: str | os.PathLike[str], stop: threading.Event | None = None) -> PacketDigests:
    """Digests of the first video stream's displayed packets, in presentation order (the pre-roll packets that an
    edit list hides are left out), and their span. Anything unreadable gives none (the decoder reports damaged
    files; this is an extra piece of evidence, never a reason to fail), and so does setting ``stop``."""
    p = os.fspath(path)
    times: list[float] = []
    digests: list[bytes] = []
    lengths: list[float] = []
    try:
        with ffmpeg.av_open(p) as container:
            if not container.streams.video:
                return PacketDigests.empty()
            stream = container.streams.video[0]
            tb = float(stream.time_base) if stream.time_base else 0.0
            extradata = stream.codec_context.extradata if stream.codec_context is not None else None
            codec = hashlib.sha256(extradata).hexdigest()[:16] if extradata else None
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None:
                    continue
                if len(times) >= MAX_PACKETS:
                    log.debug("%s: more than %d video packets, not digested", p, MAX_PACKETS)
                    return PacketDigests.empty()
                if stop is not None and len(times) % 256 == 0 and stop.is_set():
                    return PacketDigests.empty()
                if packet.is_discard:
                    continue
                times.append(packet.pts * tb)
                lengths.append((packet.duration or 0) * tb)
                digests.append(hashlib.sha256(memoryview(packet)).digest()[:8])
    except Exception as exc:  # noqa: BLE001 - damaged data: no digests, the pictures still speak
        log.debug("packet digests failed for %s: %s", p, exc)
        return PacketDigests.empty()
    t = np.array(times, dtype=np.float64)
    d = np.frombuffer(b"".join(digests), dtype=">u8").astype(np.uint64)
    order = np.argsort(t, kind="stable")
    span = _span(times, lengths)
    return PacketDigests(t[order], d[order], codec, span.first if span else None, span)


def shown_span(path: str | os.PathLike[str]) -> ShownSpan | None:
    """The displayed frames of the first video stream, from its packets (nothing decoded, nothing hashed); None
    when there is no video stream or its packets cannot be read."""
    times: list[float] = []
    lengths: list[float] = []
    try:
        with ffmpeg.av_open(os.fspath(path)) as container:
            if not container.streams.video:
                return None
            stream = container.streams.video[0]
            tb = float(stream.time_base) if stream.time_base else 0.0
            for packet in container.demux(stream):
                if packet.size == 0 or packet.pts is None or packet.is_discard:
                    continue
                if len(times) >= MAX_PACKETS:
                    return None
                times.append(packet.pts * tb)
                lengths.append((packet.duration or 0) * tb)
    except Exception as exc:  # noqa: BLE001 - damaged data: the container's own figures stand
        log.debug("packet span failed for %s: %s", path, exc)
        return None
    return _span(times, lengths)


__all__ = ["MAX_PACKETS", "PacketDigests", "ShownSpan", "digest_packets", "mean_rate", "shown_span"]
