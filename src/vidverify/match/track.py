"""Pure: what alignment and the evidence measure need of one fingerprint (``Track``): its times, its hash channels
by name, which frames say nothing, its frame duration and brightness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from ..signals.fingerprint import ALIGNMENT, BY_NAME, FLAT_LUMA_STD, Fingerprint


@dataclass(frozen=True)
class Track:
    """What alignment needs of one fingerprint: its times, its hash channels by name, and which frames say nothing."""

    times: np.ndarray
    arrays: dict[str, np.ndarray]  # the hash channels (CHANNELS rows) by name, uint64
    flat: np.ndarray  # bool: frame carries no picture information
    half_flat: np.ndarray  # uint8 bit k: half k (top, bottom, left, right) is flat
    frame_dur: float  # typical frame duration (s)
    absent: dict[str, np.ndarray]  # bool per frame, for a channel that exists on some frames only (``present``)
    keyframes: bool = False  # a fingerprint of keyframes only: the footage runs on between its frames
    luma: np.ndarray | None = None  # float64 mean luma of the picture per frame (0..255): fades, cuts to black
    spread: np.ndarray | None = None  # float64 standard deviation of that luma: how much the picture shows

    def flat_for(self, array: str) -> np.ndarray:
        """Frames whose picture in ``array`` says nothing: flat frames, for a half a flat half, and for a channel
        that only some frames have (the picture inside a stretch's bars), the frames without it."""
        half = BY_NAME[array].half
        if half is not None:
            return cast(np.ndarray, self.flat | ((self.half_flat & (1 << half)) != 0))
        if array in self.absent:
            return cast(np.ndarray, self.flat | self.absent[array])
        return self.flat

    @classmethod
    def of(cls, fp: Fingerprint) -> Track:
        t = np.asarray(fp.times, dtype=np.float64)
        d = np.diff(t)
        frame = float(np.median(d)) if len(d) else 1 / 30
        if not np.isfinite(frame) or frame <= 0:
            frame = 1 / 30
        used = {name for _, a_name, b_name, _ in ALIGNMENT for name in (a_name, b_name)}
        return cls(t, {name: np.asarray(getattr(fp, name), dtype=np.uint64) for name in used},
                   np.asarray(fp.luma_std) < FLAT_LUMA_STD, np.asarray(fp.half_flat, dtype=np.uint8), frame,
                   {name: np.asarray(getattr(fp, p)) == 0 for name in used if (p := BY_NAME[name].present)},
                   keyframes=fp.mode == "keyframes", luma=np.asarray(fp.luma_mean, dtype=np.float64),
                   spread=np.asarray(fp.luma_std, dtype=np.float64))
