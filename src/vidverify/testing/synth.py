"""Synthetic footage and edited variants, made with ffmpeg's lavfi sources only (no downloaded media).

Used by the example case (``examples/make_case.py``), the tests and the benchmarks. Every function writes one
file and returns its path; each is a thin ffmpeg argv builder around :func:`_ffmpeg`, which runs the project's
ffmpeg (``vidverify.media.ffmpeg``) and raises :class:`~vidverify.errors.VidverifyError` with ffmpeg's last
stderr line when it fails. Output goes to a ``.part`` file first and is renamed (never a half-written file).

Everything is deterministic for a given seed, ffmpeg build and CPU: every generator, the noise and the audio are
seeded; x264 runs on fixed sliced threads. With ``PORTABLE`` (the demo case: the example manifest's hashes hold
after ``./run demo``), the same on any x86-64 CPU.

Generators:
    make_scene            "phone-like" footage: several shots with hard cuts, a slow pan/zoom with hand shake,
                          moving shapes, light temporal noise, and an audio track
    add_capture_metadata  stream copy with a phone's capture metadata (creation time, QuickTime keys, GPS)
    write_info_json       a yt-dlp-style ``<stem>.info.json`` sidecar

Edits (``src, out, ...`` → ``out``), each re-encoding with libx264 unless said otherwise. Like an upload
platform, they drop the source's metadata; ``creation_time=`` stamps a fresh container creation time:
    reencode, crop_vertical_caption, mirror, trim, cut, splice, letterbox, speed, overlay_logo, grey,
    strip_metadata (stream copy)
"""

from __future__ import annotations

import json
import logging
import math
import os
import random
import re
import tempfile
import textwrap
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from ..errors import VidverifyError
from ..media.ffmpeg import SAFE_INPUT_OPTIONS, input_url, last_error_line, run

log = logging.getLogger("vidverify")

PathLike = str | os.PathLike[str]

AUDIO_RATE = 48000  # Hz; every generated or edited audio track is resampled to this, stereo
AUDIO_BITRATE = "128k"
DEFAULT_CAPTION = "BREAKING: dramatic scenes as crowds gather downtown this morning"
ENCODER_THREADS = 2  # whatever the machine: the same inputs give the same bytes
# the same bytes on any x86-64 CPU too (the demo case, whose hashes the example manifest holds): libav*'s output
# depends on the vector instructions it picks, and x264 picks some algorithms by CPU (even when held to SSE2, even
# in plain C), so libav* runs in plain C and x264 in its documented cpu-independent mode
PORTABLE = False
SYNTH_VERSION = 3  # bump when generated pictures change; the example case regenerates on a new version

# The "sources" a shot can be drawn from; make_scene picks them by seed.
SHOT_KINDS = ("clouds", "fractal", "life", "cells", "gradient")

# Interesting places in the Mandelbrot set (x, y) for the fractal shots.
_MANDEL_POINTS = (
    (-0.743643887037151, 0.13182590420533),
    (-0.7453, 0.1127),
    (-1.25066, 0.02012),
    (-0.16, 1.0405),
    (0.285, 0.0135),
    (-0.7269, 0.1889),
    (-0.10109636384562, 0.95628651080914),
    (-1.7497, 0.0),
    (0.3245046418497685, 0.04855101129280834),
    (-0.235125, 0.827215),
)
# Orientations of a fractal shot (the same region of the set must not look alike in two seeds).
_FLIPS = ("null", "hflip", "vflip", "hflip,vflip")


# --------------------------------------------------------------------------------------------------- running


def _ffmpeg(args: Sequence[str], out: PathLike, *, what: str) -> Path:
    """Run ffmpeg with ``args`` (inputs, filters, codecs; no output) writing ``out``; raise on failure."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    part = out.with_name(f".{out.stem}.part{out.suffix}")
    fmt = _muxer_for(out)
    portable = ["-cpuflags", "0"] if PORTABLE else []
    argv = ["-y", "-v", "error", *portable, *args, *(["-f", fmt] if fmt else []), input_url(part)]
    proc = run(argv)
    if proc.returncode != 0:
        part.unlink(missing_ok=True)
        raise VidverifyError(f"{what} failed: {last_error_line(proc.stderr)}", path=str(out))
    os.replace(part, out)
    return out


def _muxer_for(out: Path) -> str | None:
    suffix = out.suffix.lower()
    return {".mov": "mov", ".mp4": "mp4", ".m4v": "mp4", ".mkv": "matroska", ".webm": "webm"}.get(suffix)


def _require_file(path: PathLike) -> None:
    if not Path(path).is_file():
        raise VidverifyError("input file not found", path=os.fspath(path))


def _inp(path: PathLike) -> list[str]:
    """``-i`` for a local file, safe against names starting with ``-`` or containing ``:``."""
    _require_file(path)
    return [*SAFE_INPUT_OPTIONS, "-i", input_url(path)]


def _video_codec(
    crf: int = 23, *, preset: str = "veryfast", gop: int | None = None, codec: str = "libx264"
) -> list[str]:
    """H.264 High (or HEVC, Apple's hvc1 tag), yuv420p, quality ``crf``; x264 on fixed sliced threads (frame threads
    gave 3 different files from 3 encodes of one input)."""
    args = ["-c:v", codec, "-pix_fmt", "yuv420p"]
    if codec in ("libx264", "libx265"):
        x264_params = "sliced-threads=1" + (":cpu-independent=1" if PORTABLE else "")
        x264 = ["-profile:v", "high", "-threads", str(ENCODER_THREADS), "-x264-params", x264_params]
        x265 = ["-tag:v", "hvc1", "-x265-params", "log-level=error"]
        args += ["-preset", preset, "-crf", str(crf), *(x264 if codec == "libx264" else x265)]
    if gop:
        args += ["-g", str(gop)]
    return args


def _audio_codec(bitrate: str = AUDIO_BITRATE) -> list[str]:
    return ["-c:a", "aac", "-b:a", bitrate, "-ar", str(AUDIO_RATE), "-ac", "2"]


def _upload_meta(creation_time: str | None) -> list[str]:
    """What an upload platform does to metadata: drop everything, maybe stamp its own creation time."""
    args = ["-map_metadata", "-1", "-map_chapters", "-1", "-movflags", "+faststart"]
    if creation_time:
        args += ["-metadata", f"creation_time={_utc_iso(creation_time)}"]
    return args


@dataclass(frozen=True)
class StreamFacts:
    """What the edits need to know about a file: first video stream's size and rate, duration, audio."""

    width: int
    height: int
    fps: float
    duration: float
    has_audio: bool


def stream_facts(path: PathLike) -> StreamFacts:
    """Size, average frame rate, duration (of the video stream) and audio presence of a file, via PyAV."""
    import av

    _require_file(path)
    try:
        with av.open(os.fspath(path)) as container:
            video = container.streams.video[0]
            rate = video.average_rate or video.guessed_rate or 30
            if video.duration is not None and video.time_base is not None:
                duration = float(video.duration * video.time_base)
            else:
                duration = (container.duration or 0) / 1_000_000
            return StreamFacts(
                width=video.codec_context.width,
                height=video.codec_context.height,
                fps=float(rate),
                duration=duration,
                has_audio=bool(container.streams.audio),
            )
    except (av.FFmpegError, IndexError) as exc:
        raise VidverifyError(f"not a readable video: {exc}", path=os.fspath(path)) from exc


def _fps_str(fps: float) -> str:
    """A frame rate for ffmpeg options: ``30``, ``29.97`` → ``30000/1001``."""
    if abs(fps - round(fps)) < 1e-3:
        return str(round(fps))
    return f"{round(fps * 1001)}/1001"


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


# --------------------------------------------------------------------------------------------------- scenes


def _shot_source(kind: str, rng: random.Random, size: tuple[int, int], fps: int, tag: str) -> str:
    """A filter chain drawing one shot of ``kind`` at half ``size``, infinite; ``tag`` names inner pads."""
    w, h = size
    sw, sh = _even(w / 4), _even(h / 4)  # generators run small; the pan/zoom upscales them (cheap, smooth)
    seed = rng.randrange(1, 2**31)
    if kind == "clouds":
        xs = rng.uniform(1.5, 4.0)
        tint = [rng.uniform(0.35, 1.0) for _ in range(3)]
        return (
            f"perlin=s={sw}x{sh}:r={fps}:octaves={rng.randint(3, 5)}:persistence={rng.uniform(0.45, 0.7):.3f}"
            f":xscale={xs:.3f}:yscale={xs * rng.uniform(0.7, 1.3):.3f}:tscale={rng.uniform(0.3, 0.9):.3f}"
            f":random_mode=seed:random_seed={seed},format=gbrp,eq=contrast={rng.uniform(2.5, 3.5):.2f}"
            f",colorchannelmixer=rr={tint[0]:.2f}:gg={tint[1]:.2f}:bb={tint[2]:.2f}"
            f",scale={w // 2}:{h // 2}:flags=bicubic"
        )
    if kind == "fractal":
        x, y = rng.choice(_MANDEL_POINTS)
        scale = rng.uniform(0.4, 3.0)
        x, y = x + rng.uniform(-0.003, 0.003), y + rng.uniform(-0.003, 0.003)
        return (
            f"mandelbrot=s={sw}x{sh}:r={fps}:maxiter=256:start_x={x:.6f}:start_y={y:.6f}"
            f":start_scale={scale:.3f}:end_scale={scale * rng.uniform(0.03, 0.2):.4f}"
            f":end_pts={rng.randint(150, 400)}:inner=mincol,{rng.choice(_FLIPS)}"
            f",hue=h={rng.randint(0, 359)},scale={w // 2}:{h // 2}:flags=bicubic"
        )
    if kind == "life":
        cells = (max(16, w // 16), max(9, h // 16))
        return (
            f"life=s={cells[0]}x{cells[1]}:r={fps // 3 or 1}:seed={seed}:ratio={rng.uniform(0.2, 0.45):.2f}"
            f":mold={rng.randint(5, 25)}:life_color={_rand_color(rng)}"
            f":death_color={_rand_color(rng, dark=True)}"
            f":mold_color={_rand_color(rng)},fps={fps},scale={w // 2}:{h // 2}:flags=neighbor"
        )
    if kind == "cells":
        cells = (max(16, w // 24), max(9, h // 24))
        tint = [rng.uniform(0.3, 1.0) for _ in range(3)]
        return (
            f"cellauto=s={cells[0]}x{cells[1]}:r={fps // 2 or 1}:rule={rng.choice((18, 30, 90, 110, 150))}"
            f":seed={seed}:ratio={rng.uniform(0.3, 0.6):.2f}:scroll=1:full=1,fps={fps},format=gbrp"
            f",colorchannelmixer=rr={tint[0]:.2f}:gg={tint[1]:.2f}:bb={tint[2]:.2f}"
            f",scale={w // 2}:{h // 2}:flags=neighbor,gblur=sigma=2"
        )
    if kind == "gradient":  # rotating colour gradients, textured by perlin noise (multiply)
        xs = rng.uniform(3.0, 8.0)
        n, tints = rng.randint(3, 6), random.Random(f"gradient-colours:{seed}:{tag}")  # ffmpeg's are random
        colours = ":".join(f"c{k}={_rand_color(tints)}" for k in range(n))
        return (
            f"gradients=s={sw}x{sh}:r={fps}:n={n}:{colours}:seed={seed}"
            f":speed={rng.uniform(0.02, 0.06):.3f}"
            f",format=gbrp[gr{tag}];"
            f"perlin=s={sw}x{sh}:r={fps}:octaves=3:xscale={xs:.3f}:yscale={xs:.3f}:tscale=0.5"
            f":random_mode=seed:random_seed={seed},format=gbrp,eq=contrast=2.5:brightness=0.2[pn{tag}];"
            f"[gr{tag}][pn{tag}]blend=all_mode=multiply,scale={w // 2}:{h // 2}:flags=bicubic"
        )
    raise ValueError(f"unknown shot kind {kind!r}; expected one of {SHOT_KINDS}")


def _rand_color(rng: random.Random, *, dark: bool = False) -> str:
    top = 90 if dark else 256
    return "0x" + "".join(f"{rng.randrange(0, top):02X}" for _ in range(3))


def _shot_chain(
    index: int, kind: str, rng: random.Random, size: tuple[int, int], fps: int, frames: int
) -> str:
    """Filtergraph text producing ``[s{index}]``: source, pan/zoom with shake, moving shapes, exact length."""
    w, h = size
    parts = [f"{_shot_source(kind, rng, size, fps, str(index))},setsar=1[g{index}]"]
    # Slow camera move: zoom in or out between 1.1x and 1.45x, pan on a slow sine, plus a little hand shake.
    z0, z1 = rng.uniform(1.1, 1.45), rng.uniform(1.1, 1.45)
    px, py = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    wx, wy = rng.uniform(0.2, 0.6), rng.uniform(0.15, 0.5)
    zoom = f"{z0:.3f}+({z1 - z0:.3f})*on/{max(frames - 1, 1)}"
    x = f"(iw-iw/zoom)*(0.5+0.45*sin(on/{fps}*{wx:.3f}+{px:.3f}))+1.5*sin(on*1.7)"
    y = f"(ih-ih/zoom)*(0.5+0.45*sin(on/{fps}*{wy:.3f}+{py:.3f}))+1.5*sin(on*2.3+1)"
    parts.append(f"[g{index}]zoompan=z='{zoom}':x='{x}':y='{y}':d=1:s={w}x{h}:fps={fps},setsar=1[z{index}0]")
    # Moving shapes: solid boxes crossing the frame at different speeds and heights.
    current = f"z{index}0"
    for k in range(rng.randint(2, 3)):
        bw, bh = _even(w * rng.uniform(0.08, 0.22)), _even(h * rng.uniform(0.1, 0.3))
        vx = rng.choice((-1, 1)) * rng.uniform(0.15, 0.45) * w  # pixels per second
        x0, y0 = rng.uniform(0, w), rng.uniform(0, h - bh)
        amp, wy2 = rng.uniform(0.02, 0.12) * h, rng.uniform(0.5, 2.0)
        parts.append(f"color=c={_rand_color(rng)}:s={bw}x{bh}:r={fps}[b{index}{k}]")
        ox = f"mod({x0:.1f}+({vx:.1f})*t+2*{bw + w},{w}+{bw})-{bw}"
        oy = f"{y0:.1f}+{amp:.1f}*sin(t*{wy2:.3f})"
        parts.append(f"[{current}][b{index}{k}]overlay=x='{ox}':y='{oy}':shortest=1[z{index}{k + 1}]")
        current = f"z{index}{k + 1}"
    parts.append(f"[{current}]trim=end_frame={frames},setpts=PTS-STARTPTS,format=yuv420p[s{index}]")
    return ";".join(parts)


def scene_plan(seconds: float, fps: int, seed: int) -> list[tuple[str, int]]:
    """The shots of ``make_scene(seed=...)``: ``[(kind, frames), ...]``, summing to ``round(seconds * fps)``.

    Shots last 2.5-4.5 s (hard cuts between them); their kinds are drawn by seed without immediate repeats.
    """
    rng = random.Random(f"plan:{seed}")
    total = max(1, round(seconds * fps))
    plan: list[tuple[str, int]] = []
    left = total
    kinds = list(SHOT_KINDS)
    rng.shuffle(kinds)
    while left > 0:
        n = round(rng.uniform(2.5, 4.5) * fps)
        if left - n < 1.5 * fps:  # do not leave a sliver of a shot at the end
            n = left
        plan.append((kinds[len(plan) % len(kinds)], n))
        left -= n
    return plan


def make_scene(
    out: PathLike,
    *,
    seconds: float = 8.0,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
    seed: int = 0,
    audio: bool = True,
    gop: int = 30,
    crf: int = 23,
    preset: str = "veryfast",
    codec: str = "libx264",
) -> Path:
    """Write ``seconds`` of "phone-like" footage, H.264 High yuv420p (+ AAC stereo), different for each seed.

    The clip is a few shots with hard cuts (see :func:`scene_plan`), each a seeded generator (perlin clouds,
    mandelbrot zoom, game of life, cellular automaton, rotating gradients) under a slow pan/zoom
    with hand shake and 2-3 moving boxes, then light temporal noise. Audio is a seeded tone over pink noise.
    """
    w, h = size
    if w % 2 or h % 2:
        raise VidverifyError(f"make_scene: size {w}x{h} must be even")
    rng = random.Random(f"scene:{seed}")
    plan = scene_plan(seconds, fps, seed)
    frames = sum(n for _, n in plan)
    chains = [_shot_chain(i, kind, rng, size, fps, n) for i, (kind, n) in enumerate(plan)]
    labels = "".join(f"[s{i}]" for i in range(len(plan)))
    chains.append(
        f"{labels}concat=n={len(plan)}:v=1:a=0,noise=alls=3:allf=t:all_seed={seed % 2**31}"
        f",format=yuv420p,setsar=1[v]"
    )
    maps = ["-map", "[v]"]
    if audio:
        tone = rng.uniform(180, 660)
        chains.append(
            f"sine=f={tone:.1f}:r={AUDIO_RATE},volume=0.25[tone];"
            f"anoisesrc=c=pink:a=0.08:r={AUDIO_RATE}:seed={seed % 2**31}[hiss];"
            f"[tone][hiss]amix=inputs=2:duration=shortest,aformat=channel_layouts=stereo,"
            f"atrim=end_sample={round(frames / fps * AUDIO_RATE)}[a]"
        )
        maps += ["-map", "[a]"]
    args = ["-filter_complex", ";".join(chains), *maps, "-frames:v", str(frames), "-r", str(fps)]
    args += _video_codec(crf, preset=preset, gop=gop, codec=codec)
    args += [*(_audio_codec() if audio else []), "-movflags", "+faststart"]
    return _ffmpeg(args, out, what="make_scene")


# --------------------------------------------------------------------------------------------------- metadata


def _utc_iso(value: str) -> str:
    """``2026-03-14T09:26:53Z`` (also accepts an offset, converted to UTC) → the form ffmpeg stores."""
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def local_creationdate(creation_time: str, local_offset: str) -> str:
    """The QuickTime ``creationdate`` an iPhone writes, local time + offset, ``2026-03-14T04:26:53-0500``."""
    m = re.fullmatch(r"([+-])(\d\d):?(\d\d)", local_offset)
    if not m:
        raise VidverifyError(f"bad UTC offset {local_offset!r}; expected like -05:00")
    minutes = (int(m.group(2)) * 60 + int(m.group(3))) * (-1 if m.group(1) == "-" else 1)
    dt = datetime.fromisoformat(creation_time.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    local = dt.astimezone(timezone(timedelta(minutes=minutes)))
    return local.strftime("%Y-%m-%dT%H:%M:%S") + f"{m.group(1)}{m.group(2)}{m.group(3)}"


def add_capture_metadata(
    src: PathLike,
    out: PathLike,
    *,
    creation_time: str = "2026-03-14T09:26:53Z",
    local_offset: str = "-05:00",
    make: str = "Apple",
    model: str = "iPhone 15 Pro",
    software: str = "17.4",
    location: str = "+40.6892-074.0445+010.000/",
    creationdate: str | None = None,
) -> Path:
    """Stream-copy ``src`` to ``out`` (.mov or .mp4) with the capture metadata an iPhone writes.

    ``creationdate`` overrides the local time computed from ``creation_time`` and ``local_offset`` (to make files
    whose fields contradict each other).

    - container ``creation_time`` (UTC), which ffmpeg also writes into mvhd/tkhd/mdhd;
    - QuickTime mdta keys (``-movflags use_metadata_tags``): ``com.apple.quicktime.creationdate`` (local time
      with offset, e.g. ``2026-03-14T04:26:53-0500``), ``.make``, ``.model``, ``.software``,
      ``.location.ISO6709``;
    - a udta ``©xyz`` location atom (ffmpeg writes none with mdta keys, so it is appended to moov/udta here);
    - handler names "Core Media Video/Audio", no ffmpeg encoder tag (``-fflags +bitexact``), and the moov box
      at the end of the file, as in a camera original.
    """
    meta = {
        "creation_time": _utc_iso(creation_time),
        "com.apple.quicktime.creationdate": creationdate or local_creationdate(creation_time, local_offset),
        "com.apple.quicktime.make": make,
        "com.apple.quicktime.model": model,
        "com.apple.quicktime.software": software,
        "com.apple.quicktime.location.ISO6709": location,
    }
    args = [*_inp(src), "-map", "0", "-c", "copy", "-map_metadata", "-1", "-fflags", "+bitexact"]
    for key, value in meta.items():
        args += ["-metadata", f"{key}={value}"]
    args += [
        "-metadata:s:v",
        "handler_name=Core Media Video",
        "-metadata:s:a",
        "handler_name=Core Media Audio",
    ]
    args += ["-movflags", "use_metadata_tags"]
    path = _ffmpeg(args, out, what="add_capture_metadata")
    _append_udta_string(path, b"\xa9xyz", location)
    return path


def _append_udta_string(path: Path, atom: bytes, value: str) -> None:
    """Append a QuickTime udta string atom (e.g. ``©xyz``) to ``moov/udta`` of a file whose moov comes last.

    Only sizes change (udta, moov); with moov as the last top-level box no media offset moves.
    """
    data = bytearray(path.read_bytes())
    boxes = _boxes(data, 0, len(data))
    if not boxes or boxes[-1][1] != b"moov":
        raise VidverifyError("cannot add udta atom: moov is not the last box", path=str(path))
    moov_start, _, moov_end = boxes[-1]
    payload = value.encode("utf-8")
    # QuickTime international string: 16-bit length, 16-bit packed language ("und" = 0x55C4), text.
    item = atom + len(payload).to_bytes(2, "big") + (0x55C4).to_bytes(2, "big") + payload
    item = (len(item) + 4).to_bytes(4, "big") + item
    children = _boxes(data, moov_start + 8, moov_end)
    udta = next((c for c in children if c[1] == b"udta"), None)
    if udta is None:
        data[moov_end:moov_end] = (len(item) + 8).to_bytes(4, "big") + b"udta" + item
        grow = len(item) + 8
    else:
        udta_start, _, udta_end = udta
        data[udta_end:udta_end] = item
        data[udta_start : udta_start + 4] = (udta_end - udta_start + len(item)).to_bytes(4, "big")
        grow = len(item)
    data[moov_start : moov_start + 4] = (moov_end - moov_start + grow).to_bytes(4, "big")
    path.write_bytes(bytes(data))


def _boxes(data: bytearray, start: int, end: int) -> list[tuple[int, bytes, int]]:
    """ISO BMFF boxes ``(start, type, end)`` between ``start`` and ``end``."""
    out = []
    pos = start
    while pos + 8 <= end:
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size == 1:
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
        elif size == 0:
            size = end - pos
        if size < 8 or pos + size > end:
            break
        out.append((pos, bytes(data[pos + 4 : pos + 8]), pos + size))
        pos += size
    return out


def strip_metadata(src: PathLike, out: PathLike, *, creation_time: str | None = None) -> Path:
    """Stream-copy ``src`` without any metadata (global, stream, chapters) or ffmpeg's encoder tag."""
    return _ffmpeg(
        [*_inp(src), "-map", "0", "-c", "copy", *_upload_meta(creation_time), "-fflags", "+bitexact"],
        out,
        what="strip_metadata",
    )


# --------------------------------------------------------------------------------------------------- edits


def _edit(
    src: PathLike,
    out: PathLike,
    vf: str,
    *,
    af: str | None = None,
    crf: int = 23,
    creation_time: str | None = None,
    what: str,
) -> Path:
    """Re-encode ``src`` through a video filter chain ``vf`` (and audio chain ``af``), like an upload."""
    info = stream_facts(src)
    args = [*_inp(src), "-map", "0:v:0", "-vf", vf]
    if info.has_audio:
        args += ["-map", "0:a:0", "-af", af or "anull", *_audio_codec()]
    return _ffmpeg([*args, *_video_codec(crf), *_upload_meta(creation_time)], out, what=what)


def _graph_edit(
    inputs: Sequence[PathLike],
    out: PathLike,
    graph: str,
    *,
    audio: bool,
    crf: int,
    creation_time: str | None,
    what: str,
) -> Path:
    """Re-encode through a ``-filter_complex`` graph that ends in ``[v]`` (and ``[a]`` when ``audio``)."""
    args: list[str] = []
    for path in inputs:
        args += _inp(path)
    args += ["-filter_complex", graph, "-map", "[v]"]
    if audio:
        args += ["-map", "[a]", *_audio_codec()]
    return _ffmpeg([*args, *_video_codec(crf), *_upload_meta(creation_time)], out, what=what)


def reencode(
    src: PathLike,
    out: PathLike,
    *,
    crf: int = 28,
    size: tuple[int, int] | None = None,
    creation_time: str | None = None,
) -> Path:
    """Re-encode at a lower quality (``crf``), optionally scaled to ``size`` (width, height)."""
    vf = f"scale={size[0]}:{size[1]},setsar=1" if size else "null"
    return _edit(src, out, vf, crf=crf, creation_time=creation_time, what="reencode")


def caption_text_filter(caption: str, textfile: Path, *, width: int, band_y: int, band_h: int) -> str:
    """drawtext reading ``textfile`` (wrapped ``caption``) centred in the band; the file is written here."""
    chars = max(10, int(width / 26))
    lines = textwrap.wrap(caption, chars)[:3]
    textfile.write_text("\n".join(lines), encoding="utf-8")
    size = max(10, min(band_h // (len(lines) + 1), int(width / chars * 1.6)))
    path = str(textfile).replace("\\", "/").replace(":", "\\:").replace("'", "\\'")
    return (
        f"drawtext=textfile='{path}':expansion=none:fontcolor=white:fontsize={size}:line_spacing={size // 4}"
        f":x=(w-text_w)/2:y={band_y}+({band_h}-text_h)/2"
    )


def _fake_text_boxes(caption: str, *, width: int, band_y: int, band_h: int) -> str:
    """Fallback when drawtext has no font: words drawn as small white boxes, lines as in the caption."""
    chars = max(10, int(width / 26))
    lines = textwrap.wrap(caption, chars)[:3]
    line_h = band_h // (len(lines) + 1)
    char_w = width * 0.8 / chars
    boxes = []
    for i, line in enumerate(lines):
        y = band_y + line_h // 2 + i * line_h
        x = (width - len(line) * char_w) / 2
        for word in line.split():
            bw = len(word) * char_w
            boxes.append(
                f"drawbox=x={int(x)}:y={y + line_h // 6}:w={int(bw)}:h={line_h * 2 // 3}:c=white:t=fill"
            )
            x += bw + char_w
    return ",".join(boxes) or "null"


def crop_vertical_caption(
    src: PathLike,
    out: PathLike,
    *,
    caption: str = DEFAULT_CAPTION,
    size: tuple[int, int] = (720, 1280),
    crf: int = 26,
    creation_time: str | None = None,
) -> Path:
    """Crop the centre 9:16 (``ih*9/16 x ih``), scale to ``size`` and draw a caption band near the top.

    The caption is real text (drawtext, fontconfig's default sans font); when the ffmpeg build or the machine
    has no usable font, it falls back to a band with white boxes standing in for the words.
    """
    w, h = size
    band_y, band_h = int(h * 0.12), int(h * 0.16)
    base = f"crop=trunc(ih*9/16/2)*2:ih,scale={w}:{h},setsar=1"
    band = f"drawbox=x=0:y={band_y}:w={w}:h={band_h}:c=black@0.75:t=fill"
    with tempfile.TemporaryDirectory(prefix="vidverify-caption-") as tmp:
        text = caption_text_filter(caption, Path(tmp) / "caption.txt", width=w, band_y=band_y, band_h=band_h)
        try:
            return _edit(
                src, out, f"{base},{band},{text}", crf=crf, creation_time=creation_time, what="caption"
            )
        except VidverifyError as exc:
            log.warning("drawtext failed (%s); drawing the caption as boxes", exc.message)
    boxes = _fake_text_boxes(caption, width=w, band_y=band_y, band_h=band_h)
    return _edit(src, out, f"{base},{band},{boxes}", crf=crf, creation_time=creation_time, what="caption")


def mirror(src: PathLike, out: PathLike, *, crf: int = 23, creation_time: str | None = None) -> Path:
    """Flip left-right (hflip)."""
    return _edit(src, out, "hflip", crf=crf, creation_time=creation_time, what="mirror")


def turn(src: PathLike, out: PathLike, quarter_turns: int = 1, *, crf: int = 23) -> Path:
    """Turn the pixels ``quarter_turns`` quarter turns clockwise (a re-post filmed or exported sideways)."""
    return _edit(src, out, ("null", "transpose=1", "hflip,vflip", "transpose=2")[quarter_turns % 4], crf=crf,
                 what="turn")


def grey(src: PathLike, out: PathLike, *, crf: int = 23, creation_time: str | None = None) -> Path:
    """Remove the colour (saturation 0), keeping yuv420p."""
    return _edit(src, out, "hue=s=0", crf=crf, creation_time=creation_time, what="grey")


def letterbox(src: PathLike, out: PathLike, *, size: tuple[int, int] = (1280, 720), crf: int = 23,
              creation_time: str | None = None) -> Path:
    """Fit ``src`` inside ``size`` and pad with black bars (pillarbox a vertical clip into 16:9)."""
    w, h = size
    vf = f"scale={w}:{h}:force_original_aspect_ratio=decrease,pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:black,setsar=1"
    return _edit(src, out, vf, crf=crf, creation_time=creation_time, what="letterbox")


def overlay_logo(
    src: PathLike,
    out: PathLike,
    *,
    box: tuple[int, int, int, int] | None = None,
    color: str = "0xE03C31",
    crf: int = 23,
    creation_time: str | None = None,
) -> Path:
    """Draw an opaque "logo" (a coloured box with a white inner mark) at ``box`` = (x, y, w, h) in pixels.

    The default puts it in the top-right corner, 18% of the width wide.
    """
    if box is None:
        info = stream_facts(src)
        bw = _even(info.width * 0.18)
        bh = _even(bw * 0.4)
        box = (info.width - bw - _even(info.width * 0.03), _even(info.height * 0.05), bw, bh)
    x, y, w, h = box
    vf = (
        f"drawbox=x={x}:y={y}:w={w}:h={h}:c={color}:t=fill,"
        f"drawbox=x={x + w // 8}:y={y + h // 4}:w={w * 3 // 4}:h={h // 2}:c=white:t=fill,"
        f"drawbox=x={x + w // 4}:y={y + h // 3}:w={w // 2}:h={max(2, h // 3)}:c={color}:t=fill"
    )
    return _edit(src, out, vf, crf=crf, creation_time=creation_time, what="overlay_logo")


def _atempo_chain(factor: float) -> str:
    """atempo accepts 0.5..100 per instance; chain instances for slower factors."""
    steps = []
    while factor < 0.5:
        steps.append("atempo=0.5")
        factor /= 0.5
    steps.append(f"atempo={factor:.6f}")
    return ",".join(steps)


def speed(
    src: PathLike, out: PathLike, factor: float, *, crf: int = 23, creation_time: str | None = None
) -> Path:
    """Play ``factor`` times faster (0.5 = half speed), keeping the frame rate and the audio pitch."""
    if factor <= 0:
        raise VidverifyError(f"speed factor must be positive, got {factor}")
    fps = _fps_str(stream_facts(src).fps)
    vf = f"setpts=PTS/{factor:.6f},fps={fps}"
    return _edit(src, out, vf, af=_atempo_chain(factor), crf=crf, creation_time=creation_time, what="speed")


def trim(
    src: PathLike, out: PathLike, start: float, end: float, *, crf: int = 23, creation_time: str | None = None
) -> Path:
    """Keep ``[start, end)`` seconds of ``src``, frame-accurate (decoded and re-encoded)."""
    if not 0 <= start < end:
        raise VidverifyError(f"trim: need 0 <= start < end, got {start}..{end}")
    info = stream_facts(src)
    graph = f"[0:v:0]trim=start={start}:end={end},setpts=PTS-STARTPTS[v]"
    if info.has_audio:
        graph += f";[0:a:0]atrim=start={start}:end={end},asetpts=PTS-STARTPTS[a]"
    return _graph_edit(
        [src], out, graph, audio=info.has_audio, crf=crf, creation_time=creation_time, what="trim"
    )


def stream_copy(src: PathLike, out: PathLike, start: float, seconds: float) -> Path:
    """Keep about ``seconds`` of ``src`` from the keyframe at or before ``start`` without re-encoding
    (``ffmpeg -ss START -t SECONDS -c copy``: what quick trimming tools do). The video packets stay byte for byte
    the original's; their times keep the original's spacing."""
    if start < 0 or seconds <= 0:
        raise VidverifyError(f"stream_copy: need start >= 0 and seconds > 0, got {start}, {seconds}")
    _require_file(src)
    return _ffmpeg([*SAFE_INPUT_OPTIONS, "-ss", f"{start:.3f}", "-i", input_url(src), "-t", f"{seconds:.3f}",
                    "-map", "0:v:0", "-c", "copy"], out, what="stream copy")


def cut(
    src: PathLike,
    out: PathLike,
    cut_start: float,
    cut_end: float,
    *,
    crf: int = 23,
    creation_time: str | None = None,
) -> Path:
    """Remove ``[cut_start, cut_end)`` seconds from the middle of ``src`` (trim + concat, audio too)."""
    if not 0 <= cut_start < cut_end:
        raise VidverifyError(f"cut: need 0 <= cut_start < cut_end, got {cut_start}..{cut_end}")
    info = stream_facts(src)
    v = (
        f"[0:v:0]split[v0][v1];[v0]trim=end={cut_start},setpts=PTS-STARTPTS[va];"
        f"[v1]trim=start={cut_end},setpts=PTS-STARTPTS[vb]"
    )
    if info.has_audio:
        a = (
            f";[0:a:0]asplit[a0][a1];[a0]atrim=end={cut_start},asetpts=PTS-STARTPTS[aa];"
            f"[a1]atrim=start={cut_end},asetpts=PTS-STARTPTS[ab]"
        )
        graph = v + a + ";[va][aa][vb][ab]concat=n=2:v=1:a=1[v][a]"
    else:
        graph = v + ";[va][vb]concat=n=2:v=1:a=0[v]"
    return _graph_edit(
        [src], out, graph, audio=info.has_audio, crf=crf, creation_time=creation_time, what="cut"
    )


def splice(
    src: PathLike,
    insert_src: PathLike,
    out: PathLike,
    at: float,
    insert_seconds: float = 3.0,
    *,
    insert_start: float = 0.0,
    crf: int = 23,
    creation_time: str | None = None,
) -> Path:
    """Insert ``insert_seconds`` of ``insert_src`` (from ``insert_start``) into ``src`` at ``at`` seconds.

    The inserted footage is scaled and padded to ``src``'s size and frame rate; its audio is used when it has
    some, silence otherwise (and no audio at all when ``src`` has none).
    """
    a, b = stream_facts(src), stream_facts(insert_src)
    fps = _fps_str(a.fps)
    end = insert_start + insert_seconds
    fit = (
        f"scale={a.width}:{a.height}:force_original_aspect_ratio=decrease,"
        f"pad={a.width}:{a.height}:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p"
    )
    graph = (
        f"[0:v:0]split[v0][v1];[v0]trim=end={at},setpts=PTS-STARTPTS,setsar=1,format=yuv420p[va];"
        f"[v1]trim=start={at},setpts=PTS-STARTPTS,setsar=1,format=yuv420p[vc];"
        f"[1:v:0]fps={fps},trim=start={insert_start}:end={end},setpts=PTS-STARTPTS,{fit}[vb]"
    )
    if a.has_audio:
        fmt = f"aformat=sample_rates={AUDIO_RATE}:channel_layouts=stereo"
        graph += (
            f";[0:a:0]asplit[a0][a1];[a0]atrim=end={at},asetpts=PTS-STARTPTS,{fmt}[aa];"
            f"[a1]atrim=start={at},asetpts=PTS-STARTPTS,{fmt}[ac]"
        )
        if b.has_audio:
            graph += (
                f";[1:a:0]atrim=start={insert_start}:end={end},asetpts=PTS-STARTPTS,{fmt},"
                f"apad=whole_dur={insert_seconds}[ab]"
            )
        else:
            graph += f";anullsrc=r={AUDIO_RATE}:cl=stereo,atrim=duration={insert_seconds}[ab]"
        graph += ";[va][aa][vb][ab][vc][ac]concat=n=3:v=1:a=1[v][a]"
    else:
        graph += ";[va][vb][vc]concat=n=3:v=1:a=0[v]"
    return _graph_edit(
        [src, insert_src], out, graph, audio=a.has_audio, crf=crf, creation_time=creation_time, what="splice"
    )


# --------------------------------------------------------------------------------------------------- sidecars


_EXTRACTOR_KEYS = {"youtube": "Youtube", "tiktok": "TikTok", "twitter": "Twitter", "generic": "Generic"}


def _video_id(seed_text: str) -> str:
    """A stable 11-character, YouTube-like id derived from ``seed_text``."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    rng = random.Random(zlib.crc32(seed_text.encode()))
    return "".join(rng.choice(alphabet) for _ in range(11))


def write_info_json(
    media_path: PathLike,
    *,
    upload_date: str = "20260315",
    timestamp: int | None = None,
    uploader: str = "Citizen Reporter",
    uploader_id: str | None = None,
    url: str | None = None,
    title: str = "Incredible scenes this morning",
    description: str = "",
    extractor: str = "youtube",
    video_id: str | None = None,
    extra: dict[str, object] | None = None,
) -> Path:
    """Write a yt-dlp-style ``<media stem>.info.json`` beside ``media_path`` and return its path.

    Keys as yt-dlp writes them: id, title, description, uploader, uploader_id, upload_date (YYYYMMDD, UTC),
    timestamp (epoch seconds; default noon UTC of ``upload_date``), webpage_url, extractor, extractor_key,
    duration, width, height, fps, ext (+ ``extra``). Duration, size and fps are read from the media file.
    """
    media = Path(media_path)
    info = stream_facts(media)
    try:
        day = datetime.strptime(upload_date, "%Y%m%d").replace(tzinfo=UTC)
    except ValueError as exc:
        raise VidverifyError(f"upload_date must be YYYYMMDD, got {upload_date!r}") from exc
    if timestamp is None:
        timestamp = int((day + timedelta(hours=12)).timestamp())
    key = f"{media.name}:{upload_date}:{uploader}"
    numeric = extractor in ("tiktok", "twitter")  # these sites use 19-digit numeric ids
    vid = video_id or (str(7 * 10**18 + zlib.crc32(key.encode()) * 10**8) if numeric else _video_id(key))
    handle = uploader_id or "@" + re.sub(r"[^A-Za-z0-9_.]+", "", uploader).lower()
    if url is None:
        url = {
            "youtube": f"https://www.youtube.com/watch?v={vid}",
            "tiktok": f"https://www.tiktok.com/{handle}/video/{vid}",
            "twitter": f"https://x.com/{handle.lstrip('@')}/status/{vid}",
        }.get(extractor, f"https://example.com/videos/{vid}")
    data: dict[str, object] = {
        "id": vid,
        "title": title,
        "description": description,
        "uploader": uploader,
        "uploader_id": handle,
        "upload_date": upload_date,
        "timestamp": timestamp,
        "webpage_url": url,
        "extractor": extractor,
        "extractor_key": _EXTRACTOR_KEYS.get(extractor, extractor[:1].upper() + extractor[1:]),
        "duration": round(info.duration, 3),
        "width": info.width,
        "height": info.height,
        "fps": round(info.fps, 3),
        "ext": media.suffix.lstrip(".").lower(),
        "_type": "video",
    }
    if extra:
        data.update(extra)
    sidecar = media.with_name(media.stem + ".info.json")
    sidecar.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return sidecar


__all__ = [
    "AUDIO_RATE",
    "DEFAULT_CAPTION",
    "SHOT_KINDS",
    "SYNTH_VERSION",
    "StreamFacts",
    "add_capture_metadata",
    "caption_text_filter",
    "crop_vertical_caption",
    "cut",
    "grey",
    "letterbox",
    "local_creationdate",
    "make_scene",
    "mirror",
    "overlay_logo",
    "reencode",
    "scene_plan",
    "speed",
    "splice",
    "stream_facts",
    "strip_metadata",
    "trim",
    "write_info_json",
]
