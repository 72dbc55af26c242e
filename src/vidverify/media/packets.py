"""Digests of the compressed video packets: what tells a stream copy from a re-encode.

A trim or a remux made with ``ffmpeg -c copy`` (or a phone's "save a clip" without re-encoding) keeps the
original's compressed frames byte for byte. Their digests find such a copy exactly, even where the pictures say
nothing (black or flat frames, a fade), and prove that those frames were not re-encoded.

One pass over the packets with PyAV's demuxer (nothing is decoded): the first 8 bytes of each video packet's
SHA-256, its presentation time, and a digest of the codec configuration (the decoder's extradata: SPS/PPS and
the like), without which the same packets could decode to other pictures. About 0.1 s per 100 MB.
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
class PacketDigests:
    times: np.ndarray  # (n,) float64 raw presentation times (seconds), ascending
    digests: np.ndarray  # (n,) uint64: the first 8 bytes of each packet's SHA-256, big-endian
    codec: str | None  # first 16 hex digits of the SHA-256 of the codec configuration (None: none stored)
    first_shown: float | None = None  # raw time of the earliest packet not discarded (an edit list drops some)

    @classmethod
    def empty(cls) -> PacketDigests:
        return cls(np.zeros(0, np.float64), np.zeros(0, np.uint64), None)


def digest_packets(path: str | os.PathLike[str], stop: threading.Event | None = None) -> PacketDigests:
    """Digests of the first video stream's packets, in presentation order (packets that an edit list discards
    included). Anything unreadable gives none (the decoder reports damaged files; this is an extra piece of
    evidence, never a reason to fail), and so does setting ``stop``."""
    import av

    p = os.fspath(path)
    times: list[float] = []
    digests: list[bytes] = []
    first_shown = np.inf
    try:
        with av.open(ffmpeg.input_url(p), metadata_errors="ignore", options=ffmpeg.av_open_options()) as container:
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
                times.append(packet.pts * tb)
                if not packet.is_discard:
                    first_shown = min(first_shown, times[-1])
                digests.append(hashlib.sha256(memoryview(packet)).digest()[:8])
    except Exception as exc:  # noqa: BLE001 - damaged data: no digests, the pictures still speak
        log.debug("packet digests failed for %s: %s", p, exc)
        return PacketDigests.empty()
    t = np.array(times, dtype=np.float64)
    d = np.frombuffer(b"".join(digests), dtype=">u8").astype(np.uint64)
    order = np.argsort(t, kind="stable")
    return PacketDigests(t[order], d[order], codec, float(first_shown) if np.isfinite(first_shown) else None)


__all__ = ["MAX_PACKETS", "PacketDigests", "digest_packets"]
