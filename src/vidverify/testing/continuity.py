"""Footage with known shot boundaries and known tampering, for the ``frames`` tests and benchmark.

Every function re-encodes (H.264, constant frame rate unless said) through ffmpeg and returns where the truth
lies, in frames of the output:

    join_shots       pieces of several sources joined by hard cuts or cross-fades (xfade): the first frame of each
                     new shot (a fade's boundary is its middle frame)
    hold_frame       one frame held N times (N >= fps: a freeze; fewer: duplicated frames)
    drop_frames      frames removed; the timestamps close the gap (constant rate) or keep it (``vfr=True``)
    burn_clock       a running clock burnt in (``drawtext``), optionally jumping forward or back at a frame

Sources are any media (``testing/synth.make_scene`` output, or corpus footage for the benchmark).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .synth import PathLike, _ffmpeg, _inp, _video_codec


@dataclass(frozen=True)
class Piece:
    """``frames`` frames of ``path`` from ``start`` seconds, and how it joins the piece before it: ``fade`` frames
    of cross-fade (0: a hard cut), with ``transition`` one of xfade's (``fade``, ``fadeblack``, ``dissolve`` ...)."""

    path: PathLike
    start: float
    frames: int
    fade: int = 0
    transition: str = "fade"


def join_shots(pieces: Sequence[Piece], out: PathLike, *, size: tuple[int, int] = (640, 360), fps: int = 25,
               crf: int = 20) -> tuple[Path, list[int]]:
    """Join ``pieces`` into one clip; return it and the first frame of every shot after the first."""
    args: list[str] = []
    chains: list[str] = []
    for i, piece in enumerate(pieces):
        args += ["-ss", f"{piece.start:.3f}", *_inp(piece.path)]
        chains.append(f"[{i}:v:0]fps={fps},scale={size[0]}:{size[1]},setsar=1,format=yuv420p,"
                      f"trim=end_frame={piece.frames},setpts=PTS-STARTPTS,settb=1/{fps}[p{i}]")
    current, length, bounds = "p0", pieces[0].frames, []
    for i, piece in enumerate(pieces[1:], 1):
        if piece.fade:
            offset = length - piece.fade
            chains.append(f"[{current}][p{i}]xfade=transition={piece.transition}:duration={piece.fade / fps:.6f}"
                          f":offset={offset / fps:.6f}[j{i}]")
            bounds.append(offset + piece.fade // 2)
            length += piece.frames - piece.fade
        else:
            chains.append(f"[{current}][p{i}]concat=n=2:v=1:a=0,settb=1/{fps}[j{i}]")
            bounds.append(length)
            length += piece.frames
        current = f"j{i}"
    graph = ";".join(chains) + f";[{current}]null[v]"
    made = _ffmpeg([*args, "-filter_complex", graph, "-map", "[v]", "-frames:v", str(length), "-r", str(fps),
                    *_video_codec(crf, gop=2 * fps), "-an"], out, what="join_shots")
    return made, bounds


def _cfr_edit(src: PathLike, out: PathLike, vf: str, *, crf: int, vfr: bool = False, what: str,
              extra: Sequence[str] = ()) -> Path:
    sync = ["-fps_mode", "vfr"] if vfr else []
    return _ffmpeg([*_inp(src), "-map", "0:v:0", "-vf", vf, *sync, *_video_codec(crf), "-an", *extra], out,
                   what=what)


def hold_frame(src: PathLike, out: PathLike, *, at: int, times: int, crf: int = 20) -> Path:
    """Frame ``at`` of ``src`` shown ``times`` more times (the frames after it follow on, later)."""
    # ffmpeg's loop filter repeats the frame before its ``start`` (checked by tests/signals/test_continuity.py)
    return _cfr_edit(src, out, f"loop=loop={times}:size=1:start={at + 1},setpts=N/FRAME_RATE/TB", crf=crf,
                     what="hold_frame")


def drop_frames(src: PathLike, out: PathLike, *, at: int, count: int, vfr: bool = False, crf: int = 20) -> Path:
    """Frames ``at`` .. ``at + count - 1`` of ``src`` removed; with ``vfr`` the timestamps keep the gap."""
    keep = f"select='not(between(n\\,{at}\\,{at + count - 1}))'"
    return _cfr_edit(src, out, keep if vfr else f"{keep},setpts=N/FRAME_RATE/TB", crf=crf, vfr=vfr,
                     what="drop_frames")


def burn_clock(src: PathLike, out: PathLike, *, start: float = 0.0, jump_at: float | None = None,
               jump: float = 0.0, size: int = 36, crf: int = 20, date: str | None = None,
               creation_time: str | None = None) -> Path:
    """A ``HH:MM:SS.mmm`` clock burnt in at the top left, reading ``start`` + playback time, plus ``jump`` seconds
    from ``jump_at`` (seconds of playback) on: a cut (forward) or a loop (back) in the footage it stamps. ``date``
    (ISO, no zone): a CCTV-style ``YYYY-MM-DD HH:MM:SS`` clock reading that local time at the start instead.
    ``creation_time`` (ISO with zone): the container's creation_time."""
    base = (datetime.fromisoformat(date) - datetime(1970, 1, 1)).total_seconds() if date else None

    def clock(offset: float, enable: str) -> str:
        text = (f"%{{pts\\:hms\\:{offset:.3f}}}" if base is None
                else f"%{{pts\\:gmtime\\:{base + offset - start:.0f}\\:%Y-%m-%d %H\\\\\\:%M\\\\\\:%S}}")
        return (f"drawtext=text='{text}':x=16:y=16:fontsize={size}:fontcolor=white"
                f":box=1:boxcolor=black@0.6:boxborderw=6:enable='{enable}'")
    if jump_at is None:
        vf = clock(start, "1")
    else:
        vf = f"{clock(start, f'lt(t,{jump_at:.3f})')},{clock(start + jump, f'gte(t,{jump_at:.3f})')}"
    meta = ["-metadata", f"creation_time={creation_time}"] if creation_time else []
    return _cfr_edit(src, out, vf, crf=crf, what="burn_clock", extra=meta)


__all__ = ["Piece", "burn_clock", "drop_frames", "hold_frame", "join_shots"]
